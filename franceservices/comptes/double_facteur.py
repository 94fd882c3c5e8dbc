"""Second facteur : application d'authentification (TOTP, RFC 6238), avec pyotp.

Un code est accepté pendant son pas de 30 s et le pas voisin (décalage d'horloge), une seule fois :
`dernier_pas` retient le dernier pas accepté, et la mise à jour conditionnelle empêche deux requêtes
simultanées d'utiliser le même code. Après trop d'échecs, les essais sont suspendus quelques minutes.
"""

import time

import pyotp
import segno
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import DispositifTOTP

PAS_SECONDES = 30
FENETRE = 1  # pas acceptés de part et d'autre du pas courant
ECHECS_MAXIMUM = 5
SUSPENSION_SECONDES = 15 * 60


def totp(dispositif: DispositifTOTP) -> pyotp.TOTP:
    return pyotp.TOTP(dispositif.secret, interval=PAS_SECONDES)


def uri(dispositif: DispositifTOTP) -> str:
    """Adresse otpauth:// que lit l'application (Google Authenticator, FreeOTP, Aegis…)."""
    return totp(dispositif).provisioning_uri(
        name=dispositif.utilisateur.email, issuer_name=settings.TOTP_EMETTEUR
    )


def qr_code_svg(dispositif: DispositifTOTP) -> str:
    """Le QR code de l'adresse otpauth://, en SVG inséré dans la page (aucune ressource externe)."""
    svg = segno.make(uri(dispositif), error="m").svg_inline(
        scale=4, title="QR code à scanner avec votre application d'authentification"
    )
    return mark_safe(svg)  # produit par segno, sans donnée saisie par l'utilisateur


def secret_lisible(dispositif: DispositifTOTP) -> str:
    """Le secret en groupes de quatre caractères, plus facile à recopier."""
    return " ".join(dispositif.secret[i : i + 4] for i in range(0, len(dispositif.secret), 4))


def pas_courant(instant: float | None = None) -> int:
    return int((time.time() if instant is None else instant) // PAS_SECONDES)


def code_de_demonstration(dispositif: DispositifTOTP) -> str:
    """Le prochain code encore utilisable (comptes de démonstration, DEBUG seulement)."""
    pas = pas_courant()
    if dispositif.dernier_pas is not None and dispositif.dernier_pas >= pas:
        pas = dispositif.dernier_pas + 1
    return totp(dispositif).at(pas * PAS_SECONDES)


# — Échecs répétés —


def _cle_echecs(utilisateur) -> str:
    return f"totp-echecs:{utilisateur.pk}"


def essais_suspendus(utilisateur) -> bool:
    return cache.get(_cle_echecs(utilisateur), 0) >= ECHECS_MAXIMUM


def _compter_echec(utilisateur) -> None:
    cle = _cle_echecs(utilisateur)
    if not cache.add(cle, 1, timeout=SUSPENSION_SECONDES):
        try:
            cache.incr(cle)
        except ValueError:
            cache.set(cle, 1, timeout=SUSPENSION_SECONDES)


# — Vérification —


def code_valide(dispositif: DispositifTOTP, code: str) -> bool:
    """Vrai si `code` correspond à un pas de la fenêtre jamais utilisé ; ce pas est alors consommé."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    generateur = totp(dispositif)
    courant = pas_courant()
    for pas in range(courant - FENETRE, courant + FENETRE + 1):
        if not pyotp.utils.strings_equal(generateur.at(pas * PAS_SECONDES), code):
            continue
        # Mise à jour conditionnelle : un pas déjà consommé (ou plus ancien) est refusé, même en concurrence.
        consomme = (
            DispositifTOTP.objects.filter(pk=dispositif.pk)
            .filter(Q(dernier_pas__isnull=True) | Q(dernier_pas__lt=pas))
            .update(dernier_pas=pas)
        )
        if consomme:
            dispositif.dernier_pas = pas
            return True
        return False
    return False


def verifier_code(*, par, dispositif: DispositifTOTP, code: str, request=None) -> bool:
    """Vérifie un code saisi ; journalise l'échec et le compte (suspension après ECHECS_MAXIMUM)."""
    if essais_suspendus(par):
        return False
    if code_valide(dispositif, code):
        cache.delete(_cle_echecs(par))
        return True
    _compter_echec(par)
    journaliser(Evenement.DOUBLE_FACTEUR_ECHEC, request=request, acteur=par)
    return False


# — Actions —


def dispositif_a_enroler(*, utilisateur) -> DispositifTOTP:
    """Le dispositif en cours d'enrôlement (créé au besoin ; son secret ne change pas d'un affichage à l'autre)."""
    dispositif, _ = DispositifTOTP.objects.get_or_create(
        utilisateur=utilisateur, defaults={"secret": pyotp.random_base32()}
    )
    utilisateur.dispositif_totp = dispositif
    return dispositif


@transaction.atomic
def activer_double_facteur(*, par, code: str, request=None) -> bool:
    """Confirme le dispositif en cours d'enrôlement par un premier code valide."""
    dispositif = DispositifTOTP.objects.select_for_update().get(utilisateur=par)
    if dispositif.confirme_le is not None:
        return True
    if not verifier_code(par=par, dispositif=dispositif, code=code, request=request):
        return False
    dispositif.confirme_le = timezone.now()
    dispositif.save(update_fields=["confirme_le"])
    par.dispositif_totp = dispositif
    journaliser(Evenement.DOUBLE_FACTEUR_ACTIVE, request=request, acteur=par)
    return True


class SecondFacteurObligatoire(Exception):
    pass


def peut_supprimer(utilisateur) -> bool:
    return not (settings.DOUBLE_FACTEUR_EQUIPE_NATIONALE and utilisateur.perimetre.national)


@transaction.atomic
def supprimer_double_facteur(*, par, request=None) -> None:
    """Retire le second facteur (refusé pour l'équipe nationale, pour qui il est obligatoire)."""
    if not peut_supprimer(par):
        raise SecondFacteurObligatoire("Le second facteur est obligatoire pour l'équipe nationale.")
    DispositifTOTP.objects.filter(utilisateur=par).delete()
    par._state.fields_cache.pop("dispositif_totp", None)
    journaliser(Evenement.DOUBLE_FACTEUR_SUPPRIME, request=request, acteur=par)
