"""Connexion : adresse + mot de passe, ou ProConnect. Dans les deux cas, une habilitation active est exigée."""

from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import Utilisateur, normaliser_email


def refuser_sans_habilitation(request, utilisateur, moyen: str) -> bool:
    """Vrai si la personne peut entrer ; sinon journalise le refus et le signale à la vue."""
    if utilisateur.is_active and utilisateur.a_une_habilitation_active():
        return True
    journaliser(
        Evenement.CONNEXION_REFUSEE,
        request=request,
        acteur=utilisateur,
        details={
            "moyen": moyen,
            "motif": "compte désactivé" if not utilisateur.is_active else "aucune habilitation",
        },
    )
    if request is not None:
        request.connexion_refusee = True
    return False


class ConnexionParCourriel(ModelBackend):
    """Adresse électronique (insensible à la casse) + mot de passe."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        utilisateur = super().authenticate(
            request, username=normaliser_email(username), password=password, **kwargs
        )
        if utilisateur is None or not refuser_sans_habilitation(request, utilisateur, "mot de passe"):
            return None
        return utilisateur

    def user_can_authenticate(self, user):
        # Un compte désactivé est refusé plus haut, avec un message clair (refuser_sans_habilitation).
        return True

    def get_user(self, user_id):
        utilisateur = super().get_user(user_id)
        return utilisateur if utilisateur is not None and utilisateur.is_active else None


class ProConnectBackend(OIDCAuthenticationBackend):
    """ProConnect : la personne est retrouvée par son adresse ; jamais créée (pas d'auto-inscription)."""

    def filter_users_by_claims(self, claims):
        email = normaliser_email(claims.get("email"))
        if not email:
            return Utilisateur.objects.none()
        return Utilisateur.objects.filter(email__iexact=email)

    def verify_claims(self, claims):
        return bool(claims.get("email")) and super().verify_claims(claims)

    def update_user(self, user, claims):
        modifie = []
        if not user.first_name and claims.get("given_name"):
            user.first_name = claims["given_name"][:150]
            modifie.append("first_name")
        nom = claims.get("usual_name") or claims.get("family_name")
        if not user.last_name and nom:
            user.last_name = nom[:150]
            modifie.append("last_name")
        if modifie:
            user.save(update_fields=modifie)
        return user

    def get_or_create_user(self, access_token, id_token, payload):
        utilisateur = super().get_or_create_user(access_token, id_token, payload)
        if utilisateur is None:
            journaliser(
                Evenement.CONNEXION_REFUSEE,
                request=self.request,
                details={"moyen": "ProConnect", "motif": "adresse inconnue"},
            )
            self.request.connexion_refusee = True
            return None
        if not refuser_sans_habilitation(self.request, utilisateur, "ProConnect"):
            return None
        return utilisateur

    def user_can_authenticate(self, user):
        return True

    def get_user(self, user_id):
        utilisateur = super().get_user(user_id)
        return utilisateur if utilisateur is not None and utilisateur.is_active else None
