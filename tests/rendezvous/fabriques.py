from datetime import datetime, time
from zoneinfo import ZoneInfo

from franceservices.rendezvous.models import Disponibilite, TypeRendezVous
from franceservices.structures.models import Structure

PARIS = ZoneInfo("Europe/Paris")


def structure_du(departement: str) -> Structure:
    return (
        Structure.objects.select_related("departement")
        .filter(departement__code=departement)
        .order_by("pk")[0]
    )


def semaine_type(structure, *, matin=(time(9), time(12)), apres_midi=(time(14), time(17))):
    """Lundi à vendredi, 9 h – 12 h et 14 h – 17 h."""
    for jour in range(5):
        for debut, fin in (matin, apres_midi):
            Disponibilite.objects.create(
                structure=structure, jour_semaine=jour, heure_debut=debut, heure_fin=fin
            )


def type_rdv(structure, duree=30, **champs):
    return TypeRendezVous.objects.create(structure=structure, libelle="Accompagnement", duree=duree, **champs)


def a_paris(annee, mois, jour, heure=0, minute=0):
    return datetime(annee, mois, jour, heure, minute, tzinfo=PARIS)
