from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from franceservices.partenaires.models import Partenaire
from franceservices.rendezvous.creneaux import (
    Contexte,
    creneaux_libres,
    creneaux_naifs,
    creneaux_structure,
    est_reservable,
)
from franceservices.rendezvous.models import Disponibilite, Fermeture, Permanence, RendezVous

from .fabriques import a_paris, semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db

AVANT = a_paris(2026, 11, 1, 8)  # dimanche 1er novembre 2026


def heures(creneaux):
    return [f"{c:%H:%M}" for c in creneaux]


def du_jour(creneaux, jour):
    return [c for c in creneaux if c.date() == jour]


@pytest.fixture
def structure():
    s = structure_du("16")
    semaine_type(s)
    return s


def test_journee_type_grille_et_bords_de_plage(structure):
    creneaux = creneaux_structure(
        structure, type_rdv(structure, duree=45), du=date(2026, 11, 2), maintenant=AVANT
    )
    # 9:00-12:00 : 9:00, 9:45, 10:30, 11:15 (12:00 serait dépassé) ; 14:00-17:00 : 14:00 … 15:30 (16:15 déborde)
    assert heures(du_jour(creneaux, date(2026, 11, 2))) == [
        "09:00",
        "09:45",
        "10:30",
        "11:15",
        "14:00",
        "14:45",
        "15:30",
        "16:15",
    ]
    assert all(c.tzinfo == ZoneInfo("Europe/Paris") for c in creneaux)
    assert all((c + timedelta(minutes=45)).time() <= time(17) for c in creneaux)
    assert not du_jour(creneaux, date(2026, 11, 7))  # samedi : aucune disponibilité


def test_ferie_reel_2026_et_fermeture(structure):
    Fermeture.objects.create(
        structure=structure, du=date(2026, 11, 18), au=date(2026, 11, 19), motif="Travaux"
    )
    creneaux = creneaux_structure(structure, type_rdv(structure), du=date(2026, 11, 2), maintenant=AVANT)
    jours = {c.date() for c in creneaux}
    assert date(2026, 11, 11) not in jours  # Armistice, mercredi
    assert date(2026, 12, 25) not in jours  # Noël, vendredi
    assert date(2026, 11, 10) in jours and date(2026, 11, 12) in jours
    assert not jours & {date(2026, 11, 18), date(2026, 11, 19)}
    assert date(2026, 11, 20) in jours
    assert max(jours) <= date(2026, 12, 27)  # 8 semaines


def test_ferie_selon_la_zone_du_departement():
    """Le 22 mai 2026 (abolition de l'esclavage) est férié en Martinique, pas en métropole ; heure locale."""
    vendredi = date(2026, 5, 22)
    resultats = {}
    for code in ("16", "972"):
        s = structure_du(code)
        semaine_type(s)
        creneaux = creneaux_structure(s, type_rdv(s), du=vendredi, semaines=1, maintenant=a_paris(2026, 5, 1))
        resultats[code] = du_jour(creneaux, vendredi)
    assert resultats["972"] == []
    assert resultats["16"] and resultats["16"][0].tzinfo == ZoneInfo("Europe/Paris")
    martinique = creneaux_structure(
        structure_du("972"),
        type_rdv(structure_du("972")),
        du=date(2026, 5, 25),
        semaines=1,
        maintenant=a_paris(2026, 5, 1),
    )
    assert martinique[0].tzinfo == ZoneInfo("America/Martinique") and f"{martinique[0]:%H:%M}" == "09:00"


def test_chevauchement_avec_un_rendez_vous_prevu(structure):
    type_court = type_rdv(structure, duree=30)
    RendezVous.objects.create(
        structure=structure,
        type=type_court,
        debut=a_paris(2026, 11, 2, 9, 15),
        fin=a_paris(2026, 11, 2, 9, 45),
        nom="Dupont",
        courriel="d@exemple.fr",
    )
    RendezVous.objects.create(
        structure=structure,
        type=type_court,
        debut=a_paris(2026, 11, 2, 10),
        fin=a_paris(2026, 11, 2, 10, 30),
        nom="Annulé",
        courriel="a@exemple.fr",
        statut="annule",
    )
    creneaux = creneaux_structure(structure, type_court, du=date(2026, 11, 2), semaines=1, maintenant=AVANT)
    # 9:00-9:15 trop court ; la grille repart à 9:45 ; le rendez-vous annulé ne bloque rien
    assert heures(du_jour(creneaux, date(2026, 11, 2)))[:5] == ["09:45", "10:15", "10:45", "11:15", "14:00"]


def test_pas_de_creneau_passe(structure):
    maintenant = a_paris(2026, 11, 2, 10, 10)
    creneaux = creneaux_structure(
        structure, type_rdv(structure), du=date(2026, 11, 2), semaines=1, maintenant=maintenant
    )
    assert creneaux and min(creneaux) > maintenant
    assert heures(du_jour(creneaux, date(2026, 11, 2)))[0] == "10:30"


def test_a_defaut_les_horaires_d_ouverture():
    s = structure_du("15")
    Disponibilite.objects.filter(structure=s).delete()
    s.horaires = {"mardi": {"plages": [["09:00", "10:00", False], ["13:30", "14:30", True]]}}
    creneaux = creneaux_structure(
        s, type_rdv(s, duree=30), du=date(2026, 11, 2), semaines=1, maintenant=AVANT
    )
    assert heures(creneaux) == ["09:00", "09:30", "13:30", "14:00"]
    assert {c.date() for c in creneaux} == {date(2026, 11, 3)}


def test_permanence_du_partenaire_deuxieme_mardi(structure):
    partenaire = Partenaire.objects.order_by("pk").first()
    Permanence.objects.create(
        structure=structure,
        partenaire=partenaire,
        rang=2,
        jour_semaine=1,
        heure_debut=time(9),
        heure_fin=time(10),
    )
    creneaux = creneaux_structure(
        structure, type_rdv(structure, partenaire=partenaire), du=date(2026, 11, 1), maintenant=AVANT
    )
    assert {c.date() for c in creneaux} == {date(2026, 11, 10), date(2026, 12, 8)}
    assert heures(creneaux) == ["09:00", "09:30"] * 2


def test_requetes_bornees(structure):
    type_ = type_rdv(structure)
    creneaux_structure(structure, type_, du=date(2026, 11, 2), maintenant=AVANT)  # fériés en cache
    with CaptureQueriesContext(connection) as requetes:
        creneaux_structure(structure, type_, du=date(2026, 11, 2), maintenant=AVANT)
    assert len(requetes) <= 4


def test_grille_incluse_dans_la_reference_naive(structure):
    type_ = type_rdv(structure, duree=40)
    RendezVous.objects.create(
        structure=structure,
        type=type_,
        debut=a_paris(2026, 11, 3, 9, 20),
        fin=a_paris(2026, 11, 3, 10),
        nom="X",
        telephone="+33612345678",
    )
    from franceservices.rendezvous.creneaux import contexte_de

    du, au = date(2026, 11, 2), date(2026, 11, 15)
    contexte = contexte_de(structure, type_, du, au)
    rapides = creneaux_libres(contexte, du, au, AVANT)
    naifs = set(creneaux_naifs(contexte, du, au, AVANT))
    assert rapides and set(rapides) <= naifs
    # chaque jour où la référence trouve un début possible, la grille en propose au moins un
    assert {c.date() for c in rapides} == {c.date() for c in naifs}


def test_fonction_pure_est_reservable():
    fuseau = ZoneInfo("Europe/Paris")
    contexte = Contexte(
        fuseau,
        timedelta(minutes=30),
        lambda j: [(time(9), time(10))],
        frozenset(),
        ((a_paris(2026, 11, 2, 9), a_paris(2026, 11, 2, 9, 30)),),
    )
    assert est_reservable(contexte, a_paris(2026, 11, 2, 9, 30), AVANT) is None
    assert "vient d'être pris" in est_reservable(contexte, a_paris(2026, 11, 2, 9), AVANT)
    assert "pas proposé" in est_reservable(contexte, a_paris(2026, 11, 2, 9, 35), AVANT)
    assert "pas proposé" in est_reservable(contexte, a_paris(2026, 11, 2, 9, 45), AVANT)  # déborderait
    assert "passé" in est_reservable(contexte, a_paris(2026, 11, 2, 9, 30), a_paris(2026, 11, 2, 9, 31))


def test_passage_a_l_heure_d_ete(structure):
    """Dimanche 29 mars 2026 : les créneaux du lundi restent à 9 h heure locale (UTC+2 au lieu de UTC+1)."""
    creneaux = creneaux_structure(
        structure,
        type_rdv(structure),
        du=date(2026, 3, 27),
        semaines=1,
        maintenant=AVANT - timedelta(days=300),
    )
    vendredi, lundi = du_jour(creneaux, date(2026, 3, 27))[0], du_jour(creneaux, date(2026, 3, 30))[0]
    assert f"{vendredi:%H:%M}" == f"{lundi:%H:%M}" == "09:00"
    assert vendredi.utcoffset() == timedelta(hours=1) and lundi.utcoffset() == timedelta(hours=2)
