"""Analyse des horaires de l'open data et calculs hebdomadaires (franceservices/structures/horaires.py)."""

import csv
import json
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from franceservices.structures.horaires import (
    JOURS,
    HorairesJour,
    HorairesSemaine,
    Plage,
    analyser_jour,
    fuseau_du_departement,
    nettoyer,
)

PARIS = ZoneInfo("Europe/Paris")
JOURS_SOURCE = JOURS[:6]


def jamais_ferie(_jour):
    return False


def plages(*couples, sur_rdv=False):
    """plages(("9:00", "12:00"), …) → [Plage, …]"""
    return [
        Plage(time.fromisoformat(d.zfill(5)), time.fromisoformat(f.zfill(5)), sur_rdv) for d, f in couples
    ]


# --- Analyse d'un jour ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texte", "plages_attendues", "note_attendue"),
    [
        ("09:00 - 12:00 / 13:30 - 17:00", plages(("9:00", "12:00"), ("13:30", "17:00")), ""),
        ("9:00 - 12:00 \\/ 14:00 - 16:00", plages(("9:00", "12:00"), ("14:00", "16:00")), ""),
        ("8:30 : 12:00 / 13:30 - 18:00", plages(("8:30", "12:00"), ("13:30", "18:00")), ""),
        ("9:00-12:00", plages(("9:00", "12:00")), ""),
        ("12 :30 - 14:00", plages(("12:30", "14:00")), ""),
        # espaces insécables et tirets typographiques
        (
            "9:00\u00a0-\u00a012:00 /\u00a014:00\u00a0-\u00a017:00",
            plages(("9:00", "12:00"), ("14:00", "17:00")),
            "",
        ),
        ("9:00\u202f–\u202f12:00", plages(("9:00", "12:00")), ""),
        ("9:00 – 12:00 / 14:00 — 17:00", plages(("9:00", "12:00"), ("14:00", "17:00")), ""),
        ("9:00 − 12:00", plages(("9:00", "12:00")), ""),
        # ordre et doublons
        ("14:00 - 17:00 / 9:00 - 12:00", plages(("9:00", "12:00"), ("14:00", "17:00")), ""),
        ("9:00 - 12:00 / 9:00 - 12:00", plages(("9:00", "12:00")), ""),
        # artefact « 00:00 - 00:00 » de l'open data 2024 : ignoré
        ("00:00 - 00:00 / 09:00 - 12:00", plages(("9:00", "12:00")), ""),
        ("09:00 - 12:00 / 00:00 - 00:00", plages(("9:00", "12:00")), ""),
        ("00:00 - 00:00", [], ""),
        # « sans RDV » : plage libre
        ("Sans RDV : 9:00 - 12:00", plages(("9:00", "12:00")), ""),
        # « 24:00 » : jusqu'à la fin de la journée
        ("9:00 - 24:00", plages(("9:00", "23:59")), ""),
        # plage conditionnelle : gardée en note, pas comptée
        (
            "9:00 - 12:00 (semaines impaires) / 14:00 - 18:00",
            plages(("14:00", "18:00")),
            "9:00 - 12:00 (semaines impaires)",
        ),
        ("Semaines paires : 9:00 - 12:00", [], "Semaines paires : 9:00 - 12:00"),
        (
            "1er mercredi du mois : 9:30 - 12:15 / 13:45 - 16:30 // 3ème mercredi du mois : 9:30 - 12:15",
            [],
            "1er mercredi du mois : 9:30 - 12:15 / 13:45 - 16:30 // 3ème mercredi du mois : 9:30 - 12:15",
        ),
        (
            "8:45 - 12:00 / Semaines paires : 14:00 - 16:30",
            plages(("8:45", "12:00")),
            "Semaines paires : 14:00 - 16:30",
        ),
        # ce qui résiste devient une note, sans rien inventer
        ("14:00 - 12:00", [], "14:00 - 12:00"),
        ("25:00 - 26:00", [], "25:00 - 26:00"),
        ("08:30 - 13:00 / 14:00 - 17-00", plages(("8:30", "13:00")), "14:00 - 17-00"),
        ("Selon planning bus", [], "Selon planning bus"),
        ("Sur RDV", [], "Sur RDV"),
    ],
)
def test_analyser_jour(texte, plages_attendues, note_attendue):
    jour = analyser_jour(texte)
    assert jour.plages == plages_attendues
    assert jour.note == note_attendue
    assert not jour.non_communique


@pytest.mark.parametrize("texte", ["", "-", "–", "—", "  -  ", "Fermé", "fermé", None])
def test_jour_ferme(texte):
    jour = analyser_jour(texte)
    assert jour.ferme
    assert (jour.plages, jour.note, jour.non_communique) == ([], "", False)
    assert jour.minutes() == 0


@pytest.mark.parametrize(
    "texte", ["Horaires non communiqués", "horaires non communiques", "NC", "Non communiqué"]
)
def test_horaires_non_communiques(texte):
    jour = analyser_jour(texte)
    assert jour.non_communique
    assert not jour.ferme
    assert jour.plages == []
    assert jour.vers_json() == {"plages": [], "non_communique": True}


def test_sur_rendez_vous():
    jour = analyser_jour("Sur RDV : 14:00 - 17:00")
    assert jour.plages == plages(("14:00", "17:00"), sur_rdv=True)
    assert jour.note == ""
    assert str(jour.plages[0]) == "14:00 – 17:00 (sur rendez-vous)"


def test_sur_rendez_vous_en_tete_vaut_pour_tout_le_bloc():
    jour = analyser_jour("Sur RDV : 9:00 - 12:00 / 14:00 - 17:00")
    assert jour.plages == plages(("9:00", "12:00"), ("14:00", "17:00"), sur_rdv=True)


def test_sur_rendez_vous_pour_une_seule_plage():
    jour = analyser_jour("9:00 - 12:00 / Sur rendez-vous : 14:00 - 17:00")
    assert jour.plages == [*plages(("9:00", "12:00")), *plages(("14:00", "17:00"), sur_rdv=True)]


def test_sur_rdv_le_matin_sans_rdv_l_apres_midi():
    jour = analyser_jour("Sur RDV : matin / Sans RDV : 14:00 - 16:45")
    assert jour.plages == plages(("14:00", "16:45"))
    assert jour.note == "Sur RDV : matin"


@pytest.mark.parametrize(
    ("texte", "attendues"),
    [
        ("8:30/12:00 -14:/18:", plages(("8:30", "12:00"), ("14:00", "18:00"))),
        ("9:00 - 12:00 13:30 - 16:00", plages(("9:00", "12:00"), ("13:30", "16:00"))),
        ("9:00 - 12:00 et 14:00 - 17:00", plages(("9:00", "12:00"), ("14:00", "17:00"))),
    ],
)
def test_textes_mal_formes_interpretes_et_signales(texte, attendues):
    jour = analyser_jour(texte)
    assert jour.plages == attendues
    assert jour.note == ""
    assert jour.corrige  # signalé en anomalie à l'import


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("9:00 - 12:00 \\/ 14:00 - 16:00", "9:00 - 12:00 / 14:00 - 16:00"),
        ("8:30 : 12:00", "8:30 - 12:00"),
        ("12 :30 -14:00", "12:30 - 14:00"),
        ("9:00\u00a0–\u202f12:00\t", "9:00 - 12:00"),
    ],
)
def test_nettoyer(texte, attendu):
    assert nettoyer(texte) == attendu


def test_minutes_fusionne_les_chevauchements():
    jour = analyser_jour("9:00 - 13:00 / 12:00 - 17:00")
    assert len(jour.plages) == 2
    assert jour.minutes() == 8 * 60


def test_json_d_un_jour():
    jour = analyser_jour("Sur RDV : 9:00 - 12:00 // Semaines paires : 14:00 - 16:00")
    donnees = jour.vers_json()
    assert donnees == {"plages": [["09:00", "12:00", True]], "note": "Semaines paires : 14:00 - 16:00"}
    assert json.loads(json.dumps(donnees)) == donnees
    relu = HorairesJour.depuis_json(donnees)
    assert (relu.plages, relu.note, relu.non_communique) == (jour.plages, jour.note, False)
    assert HorairesJour.depuis_json(None).ferme
    assert HorairesJour.depuis_json({}).ferme


# --- Tous les textes réels des deux fichiers ---------------------------------------------------------


def _textes_reels() -> set[str]:
    dossier = settings.REFERENCE_DATA_DIR
    textes = set()
    with open(dossier / "france_services_2024-08-01.csv", encoding="utf-8-sig", newline="") as fichier:
        for ligne in csv.DictReader(fichier):
            textes.update(ligne[f"h_{jour}"] for jour in JOURS_SOURCE)
    geojson = json.loads((dossier / "france_services_2020-10.geojson").read_text(encoding="utf-8"))
    for entite in geojson["features"]:
        textes.update(entite["properties"].get(f"h_{jour}") or "" for jour in JOURS_SOURCE)
    return textes


TEXTES_REELS = sorted(_textes_reels())
_HEURE_TEXTE = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_ARTEFACT = re.compile(r"(^|/)\s*0?0:00 - 0?0:00\s*(?=/|$)")


def _heures(texte: str) -> set[tuple[int, int]]:
    return {(int(h), int(m)) for h, m in _HEURE_TEXTE.findall(texte)}


def test_nombre_de_textes_distincts():
    # 1 388 textes distincts (917 dans le CSV 2024, 624 dans le GeoJSON 2020) à la date des fichiers.
    assert len(TEXTES_REELS) >= 1300
    assert sum(1 for t in TEXTES_REELS if re.search(r"\d", t)) >= 1200


def test_tous_les_textes_reels():
    """Invariants sur chaque texte réel : rien ne lève, rien n'est perdu, rien n'est inventé."""
    silencieux, perdus, aller_retour = [], [], []
    avec_plages = avec_note = 0
    for texte in TEXTES_REELS:
        jour = analyser_jour(texte)
        for plage in jour.plages:
            assert plage.debut < plage.fin, (texte, plage)
        avec_plages += bool(jour.plages)
        avec_note += bool(jour.note)
        propre = nettoyer(texte)
        # Seul l'artefact documenté « 00:00 - 00:00 » peut disparaître sans laisser de trace.
        if (
            re.search(r"\d", texte)
            and not jour.plages
            and not jour.note
            and _ARTEFACT.sub(r"\1", propre).strip(" /")
        ):
            silencieux.append(texte)
        # Chaque heure écrite se retrouve dans une plage ou dans la note.
        ecrites = _heures(_ARTEFACT.sub(r"\1", propre))
        retrouvees = _heures(jour.note) | {(h.hour, h.minute) for p in jour.plages for h in (p.debut, p.fin)}
        if ecrites - retrouvees:
            perdus.append((texte, ecrites - retrouvees))
        donnees = jour.vers_json()
        relu = HorairesJour.depuis_json(json.loads(json.dumps(donnees)))
        if (
            (relu.plages, relu.note, relu.non_communique) != (jour.plages, jour.note, jour.non_communique)
            or relu.vers_json() != donnees
            or relu.minutes() != jour.minutes()
        ):
            aller_retour.append(texte)
    assert silencieux == []
    assert perdus == []
    assert aller_retour == []
    # La grande majorité des textes est structurée ; les notes restent l'exception.
    assert avec_plages >= 0.9 * len(TEXTES_REELS)
    assert 0 < avec_note <= 100


def test_semaines_reelles_aller_retour_json():
    """Chaque semaine du fichier 2024 : JSON (tel que stocké) → semaine identique."""
    with open(
        settings.REFERENCE_DATA_DIR / "france_services_2024-08-01.csv", encoding="utf-8-sig", newline=""
    ) as fichier:
        lignes = list(csv.DictReader(fichier))
    assert len(lignes) == 2845
    for ligne in lignes:
        semaine = HorairesSemaine.depuis_textes({j: ligne[f"h_{j}"] for j in JOURS_SOURCE})
        donnees = json.loads(json.dumps(semaine.vers_json()))
        relue = HorairesSemaine.depuis_json(donnees)
        assert relue.vers_json() == semaine.vers_json()
        assert relue.heures_par_semaine() == semaine.heures_par_semaine()
        assert relue.jours_ouverts() == semaine.jours_ouverts()
        assert 0 <= semaine.heures_par_semaine() <= 6 * 24
        assert semaine.jour("dimanche").ferme


# --- Semaine : heures, jours, ouverture à un instant -----------------------------------------------


@pytest.fixture
def semaine():
    return HorairesSemaine.depuis_textes(
        {
            "lundi": "9:00 - 12:00 / 14:00 - 17:00",
            "mardi": "9:00 - 13:00 / 12:00 - 17:00",  # chevauchement : 8 h, pas 9
            "mercredi": "Semaines paires : 9:00 - 12:00",  # non compté
            "jeudi": "Sur RDV : 14:00 - 18:00",
            "vendredi": "9:00 - 12:00",
            "samedi": "-",
        }
    )


def test_heures_par_semaine_et_jours_ouverts(semaine):
    assert semaine.heures_par_semaine() == 6 + 8 + 4 + 3
    assert semaine.jours_ouverts() == 4
    assert semaine.notes() == {"mercredi": "Semaines paires : 9:00 - 12:00"}
    assert not semaine.non_communiques()
    assert not semaine.est_vide()
    assert semaine.jour("dimanche").ferme
    assert semaine.jour("inexistant").ferme


def test_heures_par_semaine_arrondies():
    semaine = HorairesSemaine.depuis_textes({"lundi": "9:00 - 9:20", "mardi": "9:00 - 9:20"})
    assert semaine.heures_par_semaine() == 0.67


def test_semaine_vide_et_non_communiquee():
    vide = HorairesSemaine.depuis_textes({})
    assert vide.est_vide()
    assert vide.heures_par_semaine() == 0
    assert vide.jours_ouverts() == 0
    nc = HorairesSemaine.depuis_textes({"lundi": "Horaires non communiqués"})
    assert nc.non_communiques()
    assert nc.prochaine_ouverture(datetime(2026, 3, 2, tzinfo=UTC), PARIS, jamais_ferie) is None


def test_plage_a_heure_de_paris(semaine):
    # Lundi 2 mars 2026 (hiver, UTC+1)
    assert (
        semaine.plage_a(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), PARIS, jamais_ferie)
        == plages(("9:00", "12:00"))[0]
    )
    assert semaine.plage_a(datetime(2026, 3, 2, 7, 59, tzinfo=UTC), PARIS, jamais_ferie) is None
    # fin exclue : 12:00 pile est fermé
    assert semaine.plage_a(datetime(2026, 3, 2, 11, 0, tzinfo=UTC), PARIS, jamais_ferie) is None
    assert semaine.plage_a(datetime(2026, 3, 2, 10, 59, tzinfo=UTC), PARIS, jamais_ferie) is not None
    # Jeudi sur RDV : la plage est ouverte et porte l'indication
    plage = semaine.plage_a(datetime(2026, 3, 5, 14, 0, tzinfo=PARIS), PARIS, jamais_ferie)
    assert plage is not None and plage.sur_rdv
    # Mercredi : seulement une note conditionnelle → fermé
    assert semaine.plage_a(datetime(2026, 3, 4, 10, 0, tzinfo=PARIS), PARIS, jamais_ferie) is None
    # Samedi, dimanche
    assert semaine.plage_a(datetime(2026, 3, 7, 10, 0, tzinfo=PARIS), PARIS, jamais_ferie) is None
    assert semaine.plage_a(datetime(2026, 3, 8, 10, 0, tzinfo=PARIS), PARIS, jamais_ferie) is None


def test_prochaine_ouverture(semaine):
    # Lundi 10:00 (ouvert) → la prochaine ouverture est le début de la plage suivante, 14:00.
    assert semaine.prochaine_ouverture(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), PARIS, jamais_ferie) == (
        datetime(2026, 3, 2, 14, 0, tzinfo=PARIS)
    )
    # Lundi 9:00 pile : strictement après → 14:00
    assert semaine.prochaine_ouverture(datetime(2026, 3, 2, 9, 0, tzinfo=PARIS), PARIS, jamais_ferie) == (
        datetime(2026, 3, 2, 14, 0, tzinfo=PARIS)
    )
    # Vendredi soir → lundi suivant (samedi fermé, dimanche fermé)
    assert semaine.prochaine_ouverture(datetime(2026, 3, 6, 18, 0, tzinfo=PARIS), PARIS, jamais_ferie) == (
        datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    )
    # Mercredi : la plage conditionnelle n'est pas une ouverture → jeudi 14:00 (sur RDV)
    assert semaine.prochaine_ouverture(datetime(2026, 3, 4, 8, 0, tzinfo=PARIS), PARIS, jamais_ferie) == (
        datetime(2026, 3, 5, 14, 0, tzinfo=PARIS)
    )


def test_jour_ferie():
    semaine = HorairesSemaine.depuis_textes(dict.fromkeys(JOURS_SOURCE, "9:00 - 12:00 / 14:00 - 17:00"))
    noel = date(2026, 12, 25)  # un vendredi

    def est_ferie(jour):
        return jour in {noel, date(2026, 12, 26)}

    assert semaine.plage_a(datetime(2026, 12, 25, 10, 0, tzinfo=PARIS), PARIS, jamais_ferie) is not None
    assert semaine.plage_a(datetime(2026, 12, 25, 10, 0, tzinfo=PARIS), PARIS, est_ferie) is None
    # Jeudi 24 au soir → vendredi et samedi fériés, dimanche fermé → lundi 28 à 9:00
    assert semaine.prochaine_ouverture(datetime(2026, 12, 24, 18, 0, tzinfo=PARIS), PARIS, est_ferie) == (
        datetime(2026, 12, 28, 9, 0, tzinfo=PARIS)
    )
    assert semaine.prochaine_ouverture(
        datetime(2026, 12, 24, 18, 0, tzinfo=PARIS), PARIS, jamais_ferie
    ) == datetime(2026, 12, 25, 9, 0, tzinfo=PARIS)


def test_horizon_de_recherche():
    semaine = HorairesSemaine.depuis_textes({"lundi": "9:00 - 12:00"})
    lundi = datetime(2026, 3, 2, 13, 0, tzinfo=PARIS)

    def tout_ferie(_jour):
        return True

    assert semaine.prochaine_ouverture(lundi, PARIS, tout_ferie) is None
    assert semaine.prochaine_ouverture(lundi, PARIS, jamais_ferie, horizon_jours=6) is None
    assert semaine.prochaine_ouverture(lundi, PARIS, jamais_ferie, horizon_jours=7) == datetime(
        2026, 3, 9, 9, 0, tzinfo=PARIS
    )


def test_changement_d_heure():
    """Passage à l'heure d'été le dimanche 29 mars 2026 : 9:00 à Paris vaut 8:00 UTC avant, 7:00 UTC après."""
    semaine = HorairesSemaine.depuis_textes(dict.fromkeys(JOURS_SOURCE, "9:00 - 12:00"))
    # vendredi 27 mars (UTC+1)
    assert semaine.plage_a(datetime(2026, 3, 27, 7, 30, tzinfo=UTC), PARIS, jamais_ferie) is None
    assert semaine.plage_a(datetime(2026, 3, 27, 8, 0, tzinfo=UTC), PARIS, jamais_ferie) is not None
    assert semaine.plage_a(datetime(2026, 3, 27, 10, 59, tzinfo=UTC), PARIS, jamais_ferie) is not None
    assert semaine.plage_a(datetime(2026, 3, 27, 11, 0, tzinfo=UTC), PARIS, jamais_ferie) is None
    # lundi 30 mars (UTC+2)
    assert semaine.plage_a(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), PARIS, jamais_ferie) is not None
    assert semaine.plage_a(datetime(2026, 3, 30, 10, 0, tzinfo=UTC), PARIS, jamais_ferie) is None
    # samedi 28 à 12:00 UTC → lundi 30 à 9:00 heure d'été = 7:00 UTC
    prochaine = semaine.prochaine_ouverture(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), PARIS, jamais_ferie)
    assert prochaine == datetime(2026, 3, 30, 9, 0, tzinfo=PARIS)
    assert prochaine.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert prochaine.utcoffset().total_seconds() == 2 * 3600
    # retour à l'heure d'hiver le 25 octobre 2026 : lundi 26 à 9:00 = 8:00 UTC
    prochaine = semaine.prochaine_ouverture(datetime(2026, 10, 24, 12, 0, tzinfo=UTC), PARIS, jamais_ferie)
    assert prochaine.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_fuseau_outre_mer():
    reunion = fuseau_du_departement("974")
    assert reunion == ZoneInfo("Indian/Reunion")
    assert fuseau_du_departement("53") == PARIS
    assert fuseau_du_departement("2A") == PARIS
    assert fuseau_du_departement("971") == ZoneInfo("America/Guadeloupe")
    semaine = HorairesSemaine.depuis_textes(dict.fromkeys(JOURS_SOURCE, "8:00 - 12:00"))
    # lundi 1er juin 2026, 5:00 UTC = 9:00 à La Réunion (UTC+4), 7:00 à Paris
    instant = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    assert semaine.plage_a(instant, reunion, jamais_ferie) is not None
    assert semaine.plage_a(instant, PARIS, jamais_ferie) is None
    # lundi 1er juin 2026, 8:00 UTC = 12:00 à La Réunion : fermé ; prochaine = mardi 8:00 local = 4:00 UTC
    instant = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert semaine.plage_a(instant, reunion, jamais_ferie) is None
    prochaine = semaine.prochaine_ouverture(instant, reunion, jamais_ferie)
    assert prochaine.astimezone(UTC) == datetime(2026, 6, 2, 4, 0, tzinfo=UTC)
    # un instant sans fuseau explicite côté Paris est converti dans le fuseau du lieu
    assert semaine.plage_a(datetime(2026, 6, 1, 7, 0, tzinfo=PARIS), reunion, jamais_ferie) is not None


def test_json_d_une_semaine(semaine):
    donnees = semaine.vers_json()
    assert set(donnees) == set(JOURS)
    relue = HorairesSemaine.depuis_json(json.loads(json.dumps(donnees)))
    assert relue.vers_json() == donnees
    assert relue.heures_par_semaine() == semaine.heures_par_semaine()
    assert HorairesSemaine.depuis_json(None).est_vide()
