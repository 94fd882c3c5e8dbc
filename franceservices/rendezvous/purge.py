"""Purge RGPD des rendez-vous : nom, téléphone et courriel de l'usager sont effacés (anonymisation, la ligne
reste pour les chiffres) quand le rendez-vous est terminé — ou annulé — depuis plus de
`RENDEZ_VOUS_CONSERVATION_JOURS` jours (30 par défaut). Commande `purger_rendez_vous [--dry-run]`,
périodique et idempotente ; chaque passage qui efface quelque chose est inscrit au journal (PURGE)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import RendezVous, Statut

PAQUET = 1000


def conservation_jours() -> int:
    return int(getattr(settings, "RENDEZ_VOUS_CONSERVATION_JOURS", 30))


def limite(jours: int, maintenant: datetime | None = None) -> datetime:
    return (maintenant or timezone.now()) - timedelta(days=jours)


def a_purger(jours: int, maintenant: datetime | None = None):
    """Non encore anonymisés, et : annulés avant la limite, ou (autres statuts) finis avant la limite."""
    borne = limite(jours, maintenant)
    return RendezVous.objects.filter(anonymise_le__isnull=True).filter(
        Q(statut=Statut.ANNULE, annule_le__lt=borne)
        | Q(statut=Statut.ANNULE, annule_le__isnull=True, fin__lt=borne)
        | (~Q(statut=Statut.ANNULE) & Q(fin__lt=borne))
    )


@dataclass
class Bilan:
    rendez_vous: int = 0


def purger(*, jours: int | None = None, dry_run: bool = False, maintenant: datetime | None = None) -> Bilan:
    jours = conservation_jours() if jours is None else jours
    if jours < 0:
        raise ValueError("La durée de conservation ne peut pas être négative.")
    maintenant = maintenant or timezone.now()
    ids = list(a_purger(jours, maintenant).order_by("pk").values_list("pk", flat=True))
    if dry_run:
        return Bilan(rendez_vous=len(ids))
    bilan = Bilan()
    for i in range(0, len(ids), PAQUET):
        with transaction.atomic():
            # Seulement ce qui n'a pas été purgé entre-temps (deux passages simultanés).
            paquet = list(
                RendezVous.objects.select_for_update()
                .filter(pk__in=ids[i : i + PAQUET], anonymise_le__isnull=True)
                .values_list("pk", flat=True)
            )
            bilan.rendez_vous += RendezVous.objects.filter(pk__in=paquet).update(
                nom="", telephone="", courriel="", anonymise_le=maintenant
            )
    if bilan.rendez_vous:
        journaliser(
            Evenement.PURGE,
            acteur_email="purger_rendez_vous",
            details={
                "objet": "rendez-vous",
                "rendez_vous": bilan.rendez_vous,
                "conservation_jours": jours,
                "limite": limite(jours, maintenant).isoformat(),
            },
        )
    return bilan
