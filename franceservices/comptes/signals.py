"""Événements de connexion → journal d'audit."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import normaliser_email


@receiver(user_logged_in, dispatch_uid="audit_connexion")
def connexion(sender, request, user, **kwargs):
    moyen = "ProConnect" if "ProConnect" in (getattr(user, "backend", "") or "") else "mot de passe"
    journaliser(Evenement.CONNEXION, request=request, acteur=user, details={"moyen": moyen})


@receiver(user_logged_out, dispatch_uid="audit_deconnexion")
def deconnexion(sender, request, user, **kwargs):
    if user is not None:
        journaliser(Evenement.DECONNEXION, request=request, acteur=user)


@receiver(user_login_failed, dispatch_uid="audit_echec_connexion")
def echec(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "connexion_refusee", False):
        return  # déjà journalisé comme refus (mot de passe juste, pas d'habilitation)
    journaliser(
        Evenement.CONNEXION_ECHEC,
        request=request,
        acteur_email=normaliser_email(credentials.get("username", "")),
    )


@receiver(user_locked_out, dispatch_uid="audit_verrouillage")
def verrouillage(sender, request, username=None, ip_address=None, **kwargs):
    journaliser(
        Evenement.VERROUILLAGE,
        request=request,
        acteur_email=normaliser_email(username or ""),
        details={"ip": ip_address or ""},
    )
