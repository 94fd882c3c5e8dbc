"""Anonymisation des demandes de rappel closes depuis plus de `RAPPELS_CONSERVATION_JOURS` jours (défaut 30).

Effacés : le téléphone, l'adresse électronique, le besoin (texte libre, qui peut contenir un nom) et les créneaux préférés.
Gardés pour les indicateurs : structure, département, partenaire, origine, statut, dates et tentatives.
Idempotent ; chaque passage qui efface quelque chose est inscrit au journal (PURGE).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import STATUTS_CLOS, DemandeRappel

CONSERVATION_JOURS_DEFAUT = 30


def conservation_jours() -> int:
    return int(getattr(settings, "RAPPELS_CONSERVATION_JOURS", CONSERVATION_JOURS_DEFAUT))


def a_purger(*, jours: int, maintenant=None):
    if jours < 0:
        raise ValueError("La durée de conservation ne peut pas être négative.")
    limite = (maintenant or timezone.now()) - timedelta(days=jours)
    return DemandeRappel.objects.filter(
        statut__in=STATUTS_CLOS, clos_le__lt=limite, anonymisee_le__isnull=True
    )


@transaction.atomic
def purger(*, jours: int | None = None, dry_run: bool = False, par=None, maintenant=None) -> int:
    """Anonymise ; rend le nombre de demandes (à) anonymiser."""
    jours = conservation_jours() if jours is None else jours
    maintenant = maintenant or timezone.now()
    qs = a_purger(jours=jours, maintenant=maintenant)
    if dry_run:
        return qs.count()
    n = qs.update(telephone="", courriel="", besoin="", creneaux=[], anonymisee_le=maintenant)
    if n:
        journaliser(
            Evenement.PURGE,
            acteur=par,
            details={"objet": "rappels", "conservation_jours": jours, "demandes": n},
        )
    return n
