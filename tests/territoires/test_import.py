"""Import du référentiel territorial (régions, départements, communes, jours fériés)."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune, Departement, JourFerie, Region, TypeCommune

pytestmark = pytest.mark.django_db


def test_effectifs_apres_import():
    assert Region.objects.count() == 26
    assert Departement.objects.count() == 109
    assert Commune.objects.count() == 37590
    assert Commune.objects.filter(type=TypeCommune.ACTUELLE).count() == 34969
    assert Commune.objects.filter(type=TypeCommune.DELEGUEE).count() == 2105
    assert Commune.objects.filter(type=TypeCommune.ASSOCIEE).count() == 471
    assert Commune.objects.filter(type=TypeCommune.ARRONDISSEMENT).count() == 45
    assert Structure.objects.count() == 2845
    assert Partenaire.objects.count() == 13
    assert JourFerie.objects.exists()


def test_donnees_d_une_commune():
    laval = Commune.objects.get(code_insee="53130", type=TypeCommune.ACTUELLE)
    assert laval.nom == "Laval"
    assert laval.nom_normalise == "laval"
    assert laval.liste_codes_postaux == ["53000"]
    assert laval.departement.code == "53"
    assert laval.departement.region.code == "52"
    assert laval.population > 40000
    assert laval.position == pytest.approx((48.0578, -0.7692), abs=1e-3)
    assert Commune.objects.get(code_insee="2A004").departement.code == "2A"
    assert Departement.objects.get(code="974").zone == "drom"
    assert Departement.objects.get(code="53").contour.geometrie["type"] in {"Polygon", "MultiPolygon"}


def test_deleguee_sans_coordonnees_prend_la_position_de_sa_parente():
    beon = Commune.objects.select_related("commune_parente").get(code_insee="01039")
    assert beon.type == TypeCommune.DELEGUEE
    assert beon.latitude is None and beon.longitude is None
    parente = beon.commune_parente
    assert parente.code_insee == "01138"
    assert parente.type == TypeCommune.ACTUELLE
    assert beon.position == (parente.latitude, parente.longitude)
    # Toutes les déléguées et associées ont une parente, donc une position.
    sans_position = [
        c.code_insee
        for c in Commune.objects.select_related("commune_parente").exclude(type=TypeCommune.ACTUELLE)
        if c.position is None
    ]
    assert sans_position == []


def test_deleguee_avec_coordonnees_garde_les_siennes():
    deleguee = Commune.objects.get(code_insee="01015", type=TypeCommune.DELEGUEE)
    assert deleguee.latitude is not None
    assert deleguee.position == (deleguee.latitude, deleguee.longitude)


def test_commune_sans_position():
    commune = Commune(nom="Nulle part", latitude=None, longitude=None)
    assert commune.position is None


@pytest.mark.parametrize(
    ("code", "type_attendu", "nom_attendu"),
    [
        ("01015", TypeCommune.ACTUELLE, "Arboys en Bugey"),  # actuelle et déléguée : l'actuelle d'abord
        ("75101", TypeCommune.ARRONDISSEMENT, "Paris 1er Arrondissement"),
        ("13201", TypeCommune.ARRONDISSEMENT, "Marseille 1er Arrondissement"),
        ("01039", TypeCommune.DELEGUEE, "Béon"),  # seulement déléguée
        ("01120", TypeCommune.ASSOCIEE, "Cordieux"),  # seulement associée
        ("75056", TypeCommune.ACTUELLE, "Paris"),
        ("97411", TypeCommune.ACTUELLE, "Saint-Denis"),
    ],
)
def test_par_code_ordre_de_resolution(code, type_attendu, nom_attendu):
    commune = Commune.objects.par_code(code)
    assert commune is not None
    assert (commune.type, commune.nom) == (type_attendu, nom_attendu)


@pytest.mark.parametrize("code", ["99999", "", "ABCDE", "5313"])
def test_par_code_inconnu(code):
    assert Commune.objects.par_code(code) is None


def _sortie_import(**options) -> str:
    sortie = io.StringIO()
    call_command("importer_referentiel", stdout=sortie, **options)
    return sortie.getvalue()


def test_import_idempotent():
    avant = (Commune.objects.count(), Structure.objects.count(), JourFerie.objects.count())
    sortie = _sortie_import()
    bilans = [ligne for ligne in sortie.splitlines() if "créé(s)" in ligne]
    # régions, départements, communes, jours fériés, partenaires, démarches, engagements et formulaires
    # d'escalade, France services
    assert len(bilans) == 9, sortie
    for ligne in bilans:
        assert re.search(r": 0 créé\(s\), 0 mis à jour, \d+ inchangé\(s\), 0 rejeté\(s\)$", ligne), ligne
    assert "Communes : 0 créé(s), 0 mis à jour, 37590 inchangé(s)" in sortie
    assert "France services : 0 créé(s), 0 mis à jour, 2845 inchangé(s)" in sortie
    assert "Référentiel importé" in sortie
    assert (Commune.objects.count(), Structure.objects.count(), JourFerie.objects.count()) == avant


def test_import_si_vide():
    assert "déjà importé" in _sortie_import(si_vide=True)


@pytest.fixture
def dossier_copie(tmp_path, donnees):
    """Une copie du dossier de référence, que le test peut abîmer."""
    for fichier in donnees.iterdir():
        if fichier.is_file():
            (tmp_path / fichier.name).symlink_to(fichier)
    return tmp_path


def _remplacer(dossier, nom, contenu: bytes):
    (dossier / nom).unlink()
    (dossier / nom).write_bytes(contenu)


@pytest.mark.parametrize(
    ("nom", "abimer", "message"),
    [
        ("communes_france_2026.csv", lambda t: t[: len(t) // 2], "nombre de colonnes incorrect"),
        (
            "communes_france_2026.csv",
            lambda t: t.replace(b"code_insee,nom,type", b"code,nom,type", 1),
            "colonnes manquantes : code_insee",
        ),
        ("communes_france_2026.csv", lambda t: t.replace(b"Laval", "Lavàl".encode("latin-1")), "UTF-8"),
        ("departements_avec_drom_anct.geojson", lambda t: t[:1000], "GeoJSON illisible"),
        ("jours_feries.csv", lambda t: b"", "colonnes manquantes"),
    ],
)
def test_fichier_abime_n_importe_rien(dossier_copie, donnees, nom, abimer, message):
    _remplacer(dossier_copie, nom, abimer((donnees / nom).read_bytes()))
    laval = Commune.objects.get(code_insee="53130", type=TypeCommune.ACTUELLE)
    # Une modification locale, que le nouvel import aurait écrasée s'il était allé au bout.
    Region.objects.filter(code="52").update(nom="Région modifiée")
    avant = (Region.objects.count(), Departement.objects.count(), Commune.objects.count())
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("importer_referentiel", dossier=dossier_copie, stdout=io.StringIO())
    assert (Region.objects.count(), Departement.objects.count(), Commune.objects.count()) == avant
    assert Region.objects.get(code="52").nom == "Région modifiée"
    assert Commune.objects.get(pk=laval.pk).nom == "Laval"


def test_fichier_absent(dossier_copie):
    (dossier_copie / "regions.csv").unlink()
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("importer_referentiel", dossier=dossier_copie, stdout=io.StringIO())


def test_commune_de_departement_inconnu_rejetee(dossier_copie, donnees):
    texte = (donnees / "communes_france_2026.csv").read_text(encoding="utf-8")
    entete = texte.splitlines()[0]
    ligne_laval = next(ligne for ligne in texte.splitlines() if ligne.startswith("53130,Laval,"))
    colonnes = entete.split(",")
    valeurs = ligne_laval.split(",")
    valeurs[colonnes.index("code_insee")] = "99001"
    valeurs[colonnes.index("nom")] = "Commune imaginaire"
    valeurs[colonnes.index("departement")] = "99"
    _remplacer(dossier_copie, "communes_france_2026.csv", (texte + ",".join(valeurs) + "\n").encode())
    sortie = _sortie_import(dossier=dossier_copie)
    assert "Communes : 0 créé(s), 0 mis à jour, 37590 inchangé(s), 1 rejeté(s)" in sortie
    assert "département inconnu « 99 »" in sortie
    assert not Commune.objects.filter(code_insee="99001").exists()
