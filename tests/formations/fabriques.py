"""Fabriques des tests de formation : vraies France services du référentiel importé, modules et sessions
créés à la demande."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.formations.models import Categorie, Inscription, Module, Session, Statut
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter  # noqa: F401 (réexporté pour les tests de vues)

_compteur = {"n": 0}


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def agent(structure_):
    return personne(Role.AGENT, structure=structure_)


def responsable(structure_):
    return personne(Role.RESPONSABLE, structure=structure_)


def animateur(departement):
    return personne(Role.ANIMATEUR, departement=departement)


def module(**champs) -> Module:
    _compteur["n"] += 1
    valeurs = {
        "code": f"module-test-{_compteur['n']}",
        "titre": f"Module de test {_compteur['n']}",
        "categorie": Categorie.SOCLE,
        "organisme": "Organisme de test",
        "duree_heures": Decimal("7"),
        **champs,
    }
    return Module.objects.create(**valeurs)


def session(module_=None, *, dans_jours=10, capacite=10, **champs) -> Session:
    debut = timezone.now() + timedelta(days=dans_jours)
    valeurs = {"debut": debut, "fin": debut + timedelta(hours=7), "capacite": capacite, **champs}
    return Session.objects.create(module=module_ or module(), **valeurs)


def reussite(agent_, module_):
    """L'agent a réussi `module_` (session passée, présent)."""
    passee = session(module_, dans_jours=-30)
    return Inscription.objects.create(
        session=passee,
        agent=agent_,
        statut=Statut.CONFIRMEE,
        demandee_le=passee.debut - timedelta(days=10),
        reussie_le=passee.fin,
    )
