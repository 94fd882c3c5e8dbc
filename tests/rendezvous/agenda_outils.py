"""Outils des tests de l'agenda (côté agents) : rendez-vous créés directement (heures passées comprises)."""

from datetime import timedelta

from django.utils import timezone

from franceservices.rendezvous.models import RendezVous, Statut

NOM = "Usager Quenouillard"  # aucun nom tiré par Faker ne le contient
TELEPHONE = "+33199000001"  # plage 01 99 00 réservée à la fiction (Arcep)


def rdv(structure, type_, debut=None, *, statut=Statut.PREVU, **champs):
    debut = debut or timezone.now() + timedelta(hours=2)
    valeurs = {"nom": NOM, "telephone": TELEPHONE, "statut": statut, **champs}
    return RendezVous.objects.create(
        structure=structure, type=type_, debut=debut, fin=debut + timedelta(minutes=type_.duree), **valeurs
    )


def jour_local(r) -> str:
    return r.debut.astimezone(r.structure.fuseau).date().isoformat()


def a(jour, heure, minute=0, plus=0):
    """`jour` + `plus` jours, à heure:minute (Europe/Paris)."""
    from datetime import datetime, time

    from .fabriques import PARIS

    return datetime.combine(jour + timedelta(days=plus), time(heure, minute), tzinfo=PARIS)
