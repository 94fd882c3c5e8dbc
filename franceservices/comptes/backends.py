"""Connexion : adresse + mot de passe, ou ProConnect. Dans les deux cas, une habilitation active est exigée.

ProConnect passe par mozilla-django-oidc (flux « code » avec PKCE S256 et nonce). Ses deux vues sont
dérivées ici (réglages OIDC_AUTHENTICATE_CLASS et OIDC_CALLBACK_CLASS) pour être publiques malgré
LoginRequiredMiddleware et pour qu'aucun incident du parcours (état inconnu, code rejoué, fournisseur
injoignable, jeton invalide) ne réponde autre chose qu'un retour à la page de connexion, journalisé.
"""

import logging

import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import Utilisateur, normaliser_email

journal_technique = logging.getLogger(__name__)

PROCONNECT = "ProConnect"


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


def echec_proconnect(request, motif: str, *, adresse: str = "") -> None:
    """Échec technique du parcours ProConnect : journalisé une fois (le signal d'échec ne le redouble pas)."""
    journaliser(
        Evenement.CONNEXION_ECHEC,
        request=request,
        acteur_email=adresse,
        details={"moyen": PROCONNECT, "motif": motif},
    )
    request.connexion_refusee = True


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

    def authenticate(self, request, **kwargs):
        if (
            request is None
            or "code" not in request.GET
            or "password" in kwargs
            or request.path != reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)
        ):
            return None  # pas un retour de ProConnect (connexion par mot de passe, par exemple)
        self.adresse = ""
        try:
            utilisateur = super().authenticate(request, **kwargs)
            if utilisateur is None and not getattr(request, "connexion_refusee", False):
                # mozilla-django-oidc a écarté les attributs (adresse absente, plusieurs comptes).
                echec_proconnect(request, "attributs d'identité inutilisables", adresse=self.adresse)
            return utilisateur
        except requests.RequestException as erreur:
            # Code déjà utilisé ou expiré, vérificateur PKCE faux, fournisseur injoignable…
            journal_technique.warning("ProConnect : échange du code impossible : %s", erreur)
            echec_proconnect(request, "échange du code refusé par le fournisseur")
        except SuspiciousOperation as erreur:
            # Signature, algorithme ou nonce du jeton d'identité invalides.
            journal_technique.warning("ProConnect : jeton d'identité refusé : %s", erreur)
            echec_proconnect(request, "jeton d'identité invalide")
        return None

    def filter_users_by_claims(self, claims):
        email = self.adresse = normaliser_email(claims.get("email"))
        if not email:
            return Utilisateur.objects.none()
        return Utilisateur.objects.filter(email__iexact=email)

    def verify_claims(self, claims):
        return bool(claims.get("email"))

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
                acteur_email=self.adresse,
                details={"moyen": PROCONNECT, "motif": "adresse inconnue"},
            )
            self.request.connexion_refusee = True
            return None
        if not refuser_sans_habilitation(self.request, utilisateur, PROCONNECT):
            return None
        return utilisateur

    def user_can_authenticate(self, user):
        return True

    def get_user(self, user_id):
        utilisateur = super().get_user(user_id)
        return utilisateur if utilisateur is not None and utilisateur.is_active else None


@method_decorator(login_not_required, name="dispatch")
class ConnexionProConnect(OIDCAuthenticationRequestView):
    """Départ vers ProConnect (état, nonce, PKCE en session). Introuvable si ProConnect n'est pas configuré."""

    def get(self, request):
        if not import_from_settings("OIDC_RP_CLIENT_ID", ""):
            raise Http404("ProConnect n'est pas configuré.")
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class RetourProConnect(OIDCAuthenticationCallbackView):
    """Retour de ProConnect : toute anomalie renvoie à la page de connexion (`?echec=proconnect`)."""

    def get(self, request):
        if request.GET.get("error"):
            journaliser(
                Evenement.CONNEXION_ECHEC,
                request=request,
                details={"moyen": PROCONNECT, "motif": f"refus du fournisseur ({request.GET['error'][:60]})"},
            )
        elif "code" not in request.GET or "state" not in request.GET:
            # Sans code ni erreur, mozilla-django-oidc renverrait vers l'échec sans trace : on la garde.
            echec_proconnect(request, "retour incomplet")
            return self.login_failure()
        try:
            return super().get(request)
        except SuspiciousOperation:
            # État absent de la session : lien forgé, retour rejoué ou session expirée entre-temps.
            echec_proconnect(request, "état inconnu (retour rejoué ou forgé)")
            return self.login_failure()
