"""Import du registre des France services (CSV ANCT 2024, GeoJSON 2020) : bilan, anomalies, tout ou rien."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from franceservices.partenaires.models import Partenaire
from franceservices.structures import proximite
from franceservices.structures.horaires import HorairesSemaine
from franceservices.structures.importation import email_valide, telephone_valide
from franceservices.structures.models import Anomalie, Format, Source, Structure, TypeStructure
from franceservices.territoires.models import Commune, TypeCommune

pytestmark = pytest.mark.django_db

FICHIER_2024 = "france_services_2024-08-01.csv"
FICHIER_2020 = "france_services_2020-10.geojson"


@pytest.fixture(autouse=True)
def index_proximite_neuf():
    """Les imports de ces tests sont annulés en fin de test : l'index en mémoire doit l'oublier."""
    proximite.invalider_index()
    yield
    proximite.invalider_index()


def importer(chemin, anomalies=None, **options) -> str:
    sortie = io.StringIO()
    if anomalies:
        options["anomalies"] = anomalies
    call_command("importer_structures", chemin, stdout=sortie, **options)
    return sortie.getvalue()


def etat_du_registre():
    """Ce qu'un import raté ne doit pas modifier."""
    ids = ["1", "2", "1000", "2845"]
    return (
        Structure.objects.count(),
        Anomalie.objects.count(),
        list(
            Structure.objects.filter(id_fs__in=ids)
            .order_by("id_fs")
            .values_list("id_fs", "nom", "adresse", "horaires", "latitude", "source", "modifie_le")
        ),
    )


# --- Après l'import de la session ----------------------------------------------------------------


def test_effectifs_apres_import():
    assert Structure.objects.count() == 2845
    assert Partenaire.objects.count() == 13
    assert Structure.objects.filter(type=TypeStructure.ANTENNE).count() == 124
    assert dict(Structure.objects.values_list("format").annotate(n=Count("pk"))) == {
        Format.FIXE: 2400,
        Format.MULTISITES: 174,
        Format.BUS: 134,
        Format.FIXE_ANTENNES: 108,
        Format.ITINERANTE: 29,
    }
    assert Structure.objects.filter(prise_rdv=True).count() == 992
    assert not Structure.objects.filter(latitude__isnull=True).exists()
    assert not Structure.objects.filter(commune__isnull=True).exists()
    assert set(Structure.objects.values_list("source", flat=True)) == {Source.CSV_2024}


def test_une_structure_importee():
    s = Structure.objects.select_related("commune", "departement").get(id_fs="1")
    assert s.nom == "France services de Valserhône"
    assert s.departement.code == "01"
    assert s.commune.code_insee == "01033"
    assert s.code_postal == "01200"
    assert s.email == "franceservices@ccpb01.fr"
    assert s.date_labellisation.isoformat() == "2020-01-01"
    assert s.horaires_source["lundi"] == "13:30 - 17:00"
    assert s.horaires["lundi"] == {"plages": [["13:30", "17:00", False]]}
    assert s.horaires["samedi"] == {"plages": []}
    assert s.heures_par_semaine == s.semaine.heures_par_semaine() == 3.5 + 4 * 6.5 - 1
    assert s.jours_ouverts == 5


def test_code_insee_de_commune_deleguee_ou_d_arrondissement():
    """Chaque code est résolu dans l'ordre du référentiel : actuelle, arrondissement, déléguée, associée."""
    types = dict(Structure.objects.values_list("commune__type").annotate(n=Count("pk")))
    # 193 codes de déléguées du fichier 2024 sont aussi ceux de leur commune nouvelle : l'actuelle l'emporte.
    assert types == {TypeCommune.ACTUELLE: 2813, TypeCommune.ARRONDISSEMENT: 29, TypeCommune.DELEGUEE: 3}
    for s in Structure.objects.filter(commune__type=TypeCommune.DELEGUEE).select_related("commune"):
        assert not Commune.objects.filter(code_insee=s.code_insee, type=TypeCommune.ACTUELLE).exists()
        assert s.commune.position is not None
    for s in Structure.objects.select_related("commune"):
        assert s.commune.code_insee == s.code_insee


def test_anomalies_de_l_import():
    assert Anomalie.objects.exists()
    champs = set(Anomalie.objects.values_list("champ", flat=True))
    assert {"horaires", "telephone"} <= champs
    assert not Anomalie.objects.filter(champ="insee_com").exists()


# --- GeoJSON 2020 -----------------------------------------------------------------------------------


def test_import_geojson_2020(donnees, tmp_path):
    chemin_anomalies = tmp_path / "anomalies.csv"
    with transaction.atomic():
        sortie = importer(donnees / FICHIER_2020, chemin_anomalies, forcer=True)
    bilan = re.search(
        r"France services : (\d+) créé\(s\), (\d+) mis à jour, (\d+) inchangé\(s\), (\d+) rejeté\(s\)", sortie
    )
    assert bilan, sortie
    crees, mis_a_jour, inchanges, rejetes = map(int, bilan.groups())
    assert crees + mis_a_jour + inchanges + rejetes == 908
    assert mis_a_jour > 800  # mêmes identifiants que 2024 (MATRICULE = id_fs) : données plus anciennes
    assert re.search(r"\d+ anomalie\(s\) relevée\(s\)\.", sortie)
    assert f"Anomalies écrites dans {chemin_anomalies}." in sortie
    assert Structure.objects.filter(source=Source.GEOJSON_2020).count() == crees + mis_a_jour + inchanges
    assert Structure.objects.count() == 2845 + crees

    with open(chemin_anomalies, encoding="utf-8", newline="") as fichier:
        lignes = list(csv.reader(fichier))
    assert lignes[0] == ["id_fs", "champ", "anomalie"]
    anomalies = lignes[1:]
    assert anomalies
    assert all(len(ligne) == 3 for ligne in anomalies)
    assert f"{len(anomalies)} anomalie(s)" in sortie
    # Le lieu placé à ~60 km du centre de sa commune est signalé.
    eloignes = [ligne for ligne in anomalies if ligne[1] == "coordonnees" and "km" in ligne[2]]
    assert eloignes, "le lieu éloigné de sa commune n'est pas signalé"
    distances = [int(re.search(r"à (\d+) km", ligne[2])[1]) for ligne in eloignes]
    assert any(50 <= d <= 70 for d in distances), eloignes
    # Les anomalies sont aussi en base, rattachées aux lieux.
    assert Anomalie.objects.filter(champ="coordonnees", anomalie__contains="km").count() >= len(eloignes)
    ligne_eloignee = eloignes[0]
    assert Anomalie.objects.filter(structure__id_fs=ligne_eloignee[0], anomalie=ligne_eloignee[2]).exists()


def test_le_geojson_2020_n_ecrase_pas_les_donnees_2024(donnees):
    """Sans --forcer, un fichier plus ancien ne remplace pas un lieu connu par une source plus récente."""
    avant = dict(Structure.objects.values_list("id_fs", "modifie_le"))
    sortie = importer(donnees / FICHIER_2020)
    bilan = re.search(
        r"(\d+) créé\(s\), 0 mis à jour, 0 inchangé\(s\), 0 rejeté\(s\), (\d+) conservés", sortie
    )
    assert bilan, sortie
    crees, conserves = map(int, bilan.groups())
    assert crees + conserves == 908 and conserves > 800
    apres = dict(Structure.objects.values_list("id_fs", "modifie_le"))
    assert all(apres[i] == date for i, date in avant.items())  # aucun lieu 2024 touché
    assert Structure.objects.get(id_fs="1").nom == "France services de Valserhône"
    assert Structure.objects.filter(source=Source.GEOJSON_2020).count() == crees


def test_reimport_du_csv_2024_apres_2020(donnees):
    """Le fichier 2024 réimporté rétablit les données 2024 ; un second passage ne change plus rien."""
    importer(donnees / FICHIER_2020, forcer=True)
    sortie = importer(donnees / FICHIER_2024)
    assert "0 créé(s)" in sortie
    assert "0 rejeté(s)" in sortie
    sortie = importer(donnees / FICHIER_2024)
    assert "France services : 0 créé(s), 0 mis à jour, 2845 inchangé(s), 0 rejeté(s)" in sortie
    assert Structure.objects.get(id_fs="1").nom == "France services de Valserhône"


# --- Fichiers abîmés : rien n'est modifié ------------------------------------------------------------


def _tronquer_au_milieu_d_une_ligne(texte: bytes) -> bytes:
    lignes = texte.split(b"\n")
    return b"\n".join(lignes[:500]) + b"\n" + lignes[500][:40]


def _sans_colonne(texte: bytes) -> bytes:
    lecteur = csv.reader(io.StringIO(texte.decode("utf-8-sig")))
    entete = next(lecteur)
    rang = entete.index("telephone")
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie)
    for ligne in [entete, *lecteur]:
        ecrivain.writerow(ligne[:rang] + ligne[rang + 1 :])
    return sortie.getvalue().encode()


@pytest.mark.parametrize(
    ("source", "nom", "abimer", "message"),
    [
        (FICHIER_2024, "tronque.csv", _tronquer_au_milieu_d_une_ligne, "nombre de colonnes incorrect"),
        (FICHIER_2024, "coupe_entre_guillemets.csv", lambda t: t[: t.index(b'"', 200_000) + 5], "colonnes"),
        (FICHIER_2024, "sans_telephone.csv", _sans_colonne, "colonnes manquantes : telephone"),
        (FICHIER_2024, "latin1.csv", lambda t: t.decode("utf-8").encode("latin-1", "replace"), "UTF-8"),
        (FICHIER_2024, "vide.csv", lambda t: b"", "colonnes manquantes"),
        (FICHIER_2020, "tronque.geojson", lambda t: t[: len(t) // 2], "GeoJSON illisible"),
        (FICHIER_2020, "pas_du_json.geojson", lambda t: b"<html>Erreur 502</html>", "GeoJSON illisible"),
        (
            FICHIER_2020,
            "sans_features.geojson",
            lambda t: b'{"type": "FeatureCollection"}',
            "GeoJSON illisible",
        ),
        (FICHIER_2020, "latin1.geojson", lambda t: t.decode("utf-8").encode("latin-1", "replace"), "GeoJSON"),
        (
            FICHIER_2020,
            "sans_matricule.geojson",
            lambda t: t.replace(b'"MATRICULE"', b'"matricule"'),
            "propriété MATRICULE absente",
        ),
    ],
)
def test_fichier_abime_n_importe_rien(donnees, tmp_path, source, nom, abimer, message):
    chemin = tmp_path / nom
    chemin.write_bytes(abimer((donnees / source).read_bytes()))
    # Une modification locale qu'un import complet écraserait.
    Structure.objects.filter(id_fs="2").update(nom="Nom modifié localement")
    avant = etat_du_registre()
    with pytest.raises(CommandError, match=re.escape(message)):
        importer(chemin, tmp_path / "anomalies.csv")
    assert etat_du_registre() == avant
    assert Structure.objects.get(id_fs="2").nom == "Nom modifié localement"
    assert not (tmp_path / "anomalies.csv").exists()


def test_fichier_introuvable(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        importer(tmp_path / "absent.csv")
    with pytest.raises(CommandError, match="Fichier introuvable"):
        importer(tmp_path / "absent.geojson")


# --- Lignes rejetées, les autres importées ------------------------------------------------------------


def _csv_avec(donnees, modifications: list[dict]) -> bytes:
    """Un CSV au format 2024 fait de la ligne id_fs=1 du vrai fichier, modifiée selon chaque dict."""
    with open(donnees / FICHIER_2024, encoding="utf-8-sig", newline="") as fichier:
        lecteur = csv.DictReader(fichier)
        modele = next(ligne for ligne in lecteur if ligne["id_fs"] == "1")
        colonnes = lecteur.fieldnames
    sortie = io.StringIO()
    ecrivain = csv.DictWriter(sortie, colonnes)
    ecrivain.writeheader()
    for modification in modifications:
        ecrivain.writerow({**modele, **modification})
    return sortie.getvalue().encode()


def test_lignes_rejetees_les_autres_importees(donnees, tmp_path):
    chemin = tmp_path / "quelques_lignes.csv"
    chemin.write_bytes(
        _csv_avec(
            donnees,
            [
                {"id_fs": "TEST-1", "lib_fs": "France services de test"},
                {"id_fs": "", "lib_fs": "Sans identifiant"},
                {"id_fs": "TEST-2", "insee_dep": "99", "insee_com": "99999"},
                {"id_fs": "TEST-3", "lib_fs": ""},
                {"id_fs": "TEST-4", "format_fs": "Sous-marin"},
                {"id_fs": "TEST-1", "lib_fs": "Doublon"},
                {"id_fs": "1", "lib_fs": "France services de Valserhône (renommée)"},
            ],
        )
    )
    sortie = importer(chemin, tmp_path / "anomalies.csv")
    assert "France services : 1 créé(s), 1 mis à jour, 0 inchangé(s), 5 rejeté(s)" in sortie
    assert "rejet ligne 3 : identifiant (id_fs) absent" in sortie
    assert "rejet ligne 4 (id_fs TEST-2) : département inconnu « 99 »" in sortie
    assert "rejet ligne 5 (id_fs TEST-3) : nom absent" in sortie
    assert "rejet ligne 6 (id_fs TEST-4) : format inconnu « Sous-marin »" in sortie
    assert "rejet ligne 7 (id_fs TEST-1) : identifiant en double dans le fichier" in sortie
    assert Structure.objects.get(id_fs="TEST-1").nom == "France services de test"
    assert Structure.objects.get(id_fs="1").nom == "France services de Valserhône (renommée)"
    assert not Structure.objects.filter(id_fs__in=["TEST-2", "TEST-3", "TEST-4", ""]).exists()
    assert Structure.objects.count() == 2846
    # Les structures absentes du fichier ne sont pas supprimées.
    assert Structure.objects.filter(id_fs="2845").exists()


def test_mise_a_jour_horodatee_et_index_de_proximite_recharge(donnees, tmp_path):
    """Un import qui modifie un lieu met à jour modifie_le : les autres processus rechargent leur index."""
    structure = Structure.objects.get(id_fs="1")
    index_avant = proximite.index()
    point_avant = next(p for p in index_avant.points if p.pk == structure.pk)
    assert (point_avant.latitude, point_avant.longitude) == (structure.latitude, structure.longitude)
    chemin = tmp_path / "deplace.csv"
    chemin.write_bytes(_csv_avec(donnees, [{"id_fs": "1", "latitude": "48.0", "longitude": "-0.75"}]))
    sortie = importer(chemin)
    assert "1 mis à jour" in sortie
    apres = Structure.objects.get(id_fs="1")
    assert (apres.latitude, apres.longitude) == (48.0, -0.75)
    assert apres.modifie_le > structure.modifie_le
    assert apres.cree_le == structure.cree_le
    # Sans invalidation explicite (celle de l'import n'a lieu qu'au commit), une fois le délai écoulé :
    proximite._etat["verifie_a"] = 0.0
    index_apres = proximite.index()
    assert index_apres is not index_avant
    point = next(p for p in index_apres.points if p.pk == structure.pk)
    assert (point.latitude, point.longitude) == (48.0, -0.75)


def test_departement_deduit_de_la_commune_et_commune_inconnue_signalee(donnees, tmp_path):
    chemin = tmp_path / "communes.csv"
    chemin.write_bytes(
        _csv_avec(
            donnees,
            [
                {"id_fs": "TEST-DEP", "insee_dep": "", "insee_com": "53130"},
                {"id_fs": "TEST-COM", "insee_com": "99999"},
            ],
        )
    )
    importer(chemin, tmp_path / "anomalies.csv")
    assert Structure.objects.get(id_fs="TEST-DEP").departement.code == "53"
    inconnue = Structure.objects.get(id_fs="TEST-COM")
    assert inconnue.commune is None
    assert inconnue.departement.code == "01"
    anomalies = list(inconnue.anomalies.values_list("champ", "anomalie"))
    assert ("insee_com", "code commune inconnu « 99999 »") in anomalies
    # Laval est à ~400 km des coordonnées de Valserhône : signalé
    eloigne = Structure.objects.get(id_fs="TEST-DEP").anomalies.filter(champ="coordonnees").get()
    assert re.fullmatch(r"à \d+ km du centre de la commune Laval \(53130\)", eloigne.anomalie)


def test_anomalies_de_contact_et_d_horaires(donnees, tmp_path):
    chemin = tmp_path / "anomalies_contact.csv"
    chemin.write_bytes(
        _csv_avec(
            donnees,
            [
                {
                    "id_fs": "TEST-A",
                    "telephone": "12 34",
                    "mail": "pas-une-adresse",
                    "h_lundi": "Semaines paires : 9:00 - 12:00",
                    "h_mardi": "Horaires non communiqués",
                    "h_mercredi": "9:00 - 12:00 13:30 - 16:00",
                    "latitude": "",
                },
                {"id_fs": "TEST-B", "telephone": "", "mail": ""},
            ],
        )
    )
    chemin_anomalies = tmp_path / "anomalies.csv"
    importer(chemin, chemin_anomalies)
    with open(chemin_anomalies, encoding="utf-8", newline="") as fichier:
        lignes = list(csv.DictReader(fichier))
    par_lieu = {}
    for ligne in lignes:
        par_lieu.setdefault(ligne["id_fs"], {}).setdefault(ligne["champ"], []).append(ligne["anomalie"])
    a = par_lieu["TEST-A"]
    assert a["telephone"] == ["numéro de téléphone invalide « 12 34 »"]
    assert a["email"] == ["adresse électronique invalide « pas-une-adresse »"]
    assert a["h_lundi"] == ["horaires non structurables : « Semaines paires : 9:00 - 12:00 »"]
    assert a["h_mardi"] == ["horaires non communiqués"]
    assert a["h_mercredi"] == ["horaires mal formés, interprétés (à vérifier)"]
    assert a["coordonnees"] == ["coordonnées absentes ou invalides"]
    assert any("minimum du label" in texte for texte in a["horaires"])
    b = par_lieu["TEST-B"]
    assert b["telephone"] == ["numéro de téléphone absent"]
    assert b["email"] == ["adresse électronique absente"]
    assert Structure.objects.get(id_fs="TEST-A").latitude is None


# --- Validateurs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numero",
    [
        "04 50 56 87 49",
        "0450568749",
        "04.50.56.87.49",
        "04-50-56-87-49",
        "+33 4 50 56 87 49",
        "0033 4 50 56 87 49",
        "+262 2 62 20 51 32",
        "+590 590 12 34 56",
        "(04) 50 56 87 49",
    ],
)
def test_telephone_valide(numero):
    assert telephone_valide(numero)


@pytest.mark.parametrize(
    "numero",
    ["", "12 34", "04 50 56 87", "04 50 56 87 49 00", "+44 20 7946 0958", "tél. 04 50 56 87 49", "abc"],
)
def test_telephone_invalide(numero):
    assert not telephone_valide(numero)


@pytest.mark.parametrize(
    "adresse", ["franceservices@ccpb01.fr", "prenom.nom@france-services.gouv.fr", "a+b@exemple.com"]
)
def test_email_valide(adresse):
    assert email_valide(adresse)


@pytest.mark.parametrize(
    "adresse",
    ["", "pas-une-adresse", "a@b", "deux@@exemple.fr", "espace dans@exemple.fr", "a@exemple.fr;b@exemple.fr"],
)
def test_email_invalide(adresse):
    assert not email_valide(adresse)


def test_validateurs_sur_les_donnees_reelles():
    """La quasi-totalité des contacts publiés est valide ; les autres sont signalés en anomalie."""
    telephones = list(Structure.objects.exclude(telephone="").values_list("telephone", flat=True))
    emails = list(Structure.objects.exclude(email="").values_list("email", flat=True))
    assert len(emails) == 2841
    assert sum(map(telephone_valide, telephones)) >= 0.95 * len(telephones)
    assert sum(map(email_valide, emails)) >= 0.98 * len(emails)
    invalides = sum(1 for t in telephones if not telephone_valide(t))
    assert Anomalie.objects.filter(
        champ="telephone", anomalie__startswith="numéro de téléphone invalide"
    ).count() == (invalides)


def test_json_des_horaires_stockes_relu_a_l_identique():
    for donnees_horaires, heures in Structure.objects.values_list("horaires", "heures_par_semaine")[:500]:
        assert json.loads(json.dumps(donnees_horaires)) == donnees_horaires
        assert HorairesSemaine.depuis_json(donnees_horaires).heures_par_semaine() == heures


def test_reimport_garde_les_modifications_de_l_equipe(donnees, tmp_path):
    """Une fiche corrigée par son équipe n'est pas remise à l'ancienne valeur par un réimport (sauf --forcer)."""
    from franceservices.comptes.models import Role
    from franceservices.structures.actions import modifier_structure
    from tests.comptes.factories import personne

    structure = Structure.objects.get(id_fs="1")
    responsable = personne(Role.RESPONSABLE, structure=structure)
    semaine = HorairesSemaine.depuis_json(structure.horaires)
    nouvelle = HorairesSemaine.depuis_json(
        {**semaine.vers_json(), "mardi": {"plages": [["09:00", "12:00", False]]}}
    )
    modifier_structure(
        par=responsable,
        structure=structure,
        donnees={"telephone": "04 71 00 00 00", "horaires": nouvelle},
    )
    chemin = tmp_path / "reimport.csv"
    chemin.write_bytes(
        _csv_avec(donnees, [{"id_fs": "1", "telephone": "0102030405", "lib_fs": "Nom national"}])
    )
    sortie = importer(chemin)
    apres = Structure.objects.get(id_fs="1")
    assert apres.telephone == "04 71 00 00 00"
    assert apres.horaires == nouvelle.vers_json()
    assert apres.nom == "Nom national"  # les champs non modifiés localement suivent le fichier
    assert "champs gardés (modifiés par l'équipe de la fiche)" in sortie
    importer(chemin, forcer=True)
    assert Structure.objects.get(id_fs="1").telephone == "0102030405"
