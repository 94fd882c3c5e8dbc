"""Fabriques de comptes pour les tests : une personne = un utilisateur + ses habilitations.

Les France services et territoires sont les vrais (référentiel importé par tests/conftest.py).
"""

import factory
from django.contrib.auth.hashers import make_password

from franceservices.comptes.models import Habilitation, Role, Utilisateur

MOT_DE_PASSE = "Motdepasse-de-test-2026!"
# Hachage calculé une fois : créer un compte ne coûte pas un PBKDF2 complet.
_HACHAGE = make_password(MOT_DE_PASSE)


class UtilisateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utilisateur
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = _HACHAGE


class HabilitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Habilitation

    utilisateur = factory.SubFactory(UtilisateurFactory)
    role = Role.AGENT


def personne(role: Role | None = None, *, email: str | None = None, **perimetre) -> Utilisateur:
    """Un utilisateur habilité : `personne(Role.AGENT, structure=s)`, `personne(Role.ANIMATEUR, departement=d)`,
    `personne(Role.REFERENT_PARTENAIRE, partenaire=p, departement=d)`, `personne(Role.EQUIPE_NATIONALE)`.
    Sans rôle : un compte sans habilitation."""
    utilisateur = UtilisateurFactory(**({"email": email} if email else {}))
    if role is not None:
        HabilitationFactory(utilisateur=utilisateur, role=role, **perimetre)
    return utilisateur
