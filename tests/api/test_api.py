"""API publique /api/v1/ et pages publiques, avec le client de test Django et les données réelles."""

from datetime import datetime
from functools import partial
from html import escape
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from config.api import message_francais
from franceservices.structures import proximite
from franceservices.structures.horaires import HorairesSemaine
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune
from franceservices.territoires.recherche import index_communes

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MARDI_10H = datetime(2026, 3, 3, 10, 0, tzinfo=PARIS)
NOEL_10H = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)
CHAMPS_COMMUNE = {"code_insee", "nom", "codes_postaux", "departement", "population", "lat", "lon"}


@pytest.fixture
def maintenant(monkeypatch):
    """Fige « maintenant » au mardi 3 mars 2026, 10:00 (heure de Paris)."""
    monkeypatch.setattr(timezone, "now", lambda: MARDI_10H.astimezone(ZoneInfo("UTC")))
    return MARDI_10H


@pytest.fixture
def laval():
    return Commune.objects.par_code("53130")


def erreur(reponse, statut):
    """Réponse d'erreur JSON, avec un message en français."""
    assert reponse.status_code == statut, reponse.content
    assert reponse["Content-Type"].startswith("application/json")
    message = reponse.json()["message"]
    assert message
    return message


# --- Communes ---------------------------------------------------------------------------------------


def test_communes(client):
    reponse = client.get("/api/v1/communes", {"q": "laval"})
    assert reponse.status_code == 200
    assert "max-age=3600" in reponse["Cache-Control"]
    communes = reponse.json()
    assert len(communes) == 10
    laval = communes[0]
    assert set(laval) >= CHAMPS_COMMUNE
    assert laval["code_insee"] == "53130"
    assert laval["nom"] == "Laval"
    assert laval["codes_postaux"] == ["53000"]
    assert laval["departement"] == "53"
    assert laval["population"] > 40000
    assert laval["lat"] == pytest.approx(48.07, abs=0.05)
    assert laval["lon"] == pytest.approx(-0.77, abs=0.05)


def test_communes_limite_et_code_postal(client):
    assert len(client.get("/api/v1/communes", {"q": "saint", "limit": 50}).json()) == 50
    assert len(client.get("/api/v1/communes", {"q": "saint", "limit": 1}).json()) == 1
    assert [c["code_insee"] for c in client.get("/api/v1/communes", {"q": "53000"}).json()] == ["53130"]
    assert client.get("/api/v1/communes", {"q": "zzzzzzzz"}).json() == []


def test_commune_deleguee_sans_coordonnees_a_la_position_de_sa_parente(client):
    beon = next(c for c in client.get("/api/v1/communes", {"q": "01039"}).json() if c["nom"] == "Béon")
    parente = Commune.objects.par_code("01138")
    assert (beon["lat"], beon["lon"]) == (parente.latitude, parente.longitude)


@pytest.mark.parametrize(
    ("parametres", "attendu"),
    [
        ({}, "q — paramètre obligatoire manquant"),
        ({"q": ""}, "q — doit comporter au moins 1 caractère(s)"),
        ({"q": "a" * 101}, "q — doit comporter au plus 100 caractère(s)"),
        ({"q": "laval", "limit": 0}, "limit — doit être supérieur ou égal à 1"),
        ({"q": "laval", "limit": 51}, "limit — doit être inférieur ou égal à 50"),
        ({"q": "laval", "limit": "dix"}, "limit — doit être un nombre entier"),
    ],
)
def test_communes_parametres_invalides(client, parametres, attendu):
    message = erreur(client.get("/api/v1/communes", parametres), 422)
    assert message.startswith("Paramètres invalides : ")
    assert attendu in message


# --- Registre ---------------------------------------------------------------------------------------


def test_liste_paginee(client):
    reponse = client.get("/api/v1/structures")
    assert reponse.status_code == 200
    page = reponse.json()
    assert (page["total"], page["page"], page["pages"]) == (2845, 1, 57)
    assert len(page["resultats"]) == 50
    premier = page["resultats"][0]
    assert {"id_fs", "nom", "adresse", "code_postal", "commune", "departement", "lat", "lon", "url"} <= set(
        premier
    )
    assert premier["departement"] == "01"
    derniere = client.get("/api/v1/structures", {"page": 57}).json()
    assert len(derniere["resultats"]) == 45
    ids = set()
    for numero in (1, 2, 3):
        ids |= {s["id_fs"] for s in client.get("/api/v1/structures", {"page": numero}).json()["resultats"]}
    assert len(ids) == 150  # pages disjointes (ordre total)


def test_page_au_dela_de_la_derniere(client):
    message = erreur(client.get("/api/v1/structures", {"page": 58}), 404)
    assert message == "Page 58 inexistante : il y a 57 page(s)."
    message = erreur(client.get("/api/v1/structures", {"departement": "53", "page": 2}), 404)
    assert "il y a 1 page(s)" in message


def test_filtre_departement(client):
    page = client.get("/api/v1/structures", {"departement": "53"}).json()
    assert page["total"] == Structure.objects.filter(departement__code="53").count() > 0
    assert {s["departement"] for s in page["resultats"]} == {"53"}
    corse = client.get("/api/v1/structures", {"departement": "2a"}).json()
    assert corse["total"] > 0
    assert {s["departement"] for s in corse["resultats"]} == {"2A"}
    assert client.get("/api/v1/structures", {"departement": "99"}).json()["total"] == 0


def test_filtre_commune(client):
    page = client.get("/api/v1/structures", {"commune": "53130"}).json()
    assert page["total"] >= 1
    assert all(s["code_insee"] == "53130" for s in page["resultats"])
    assert page["total"] == Structure.objects.filter(commune__code_insee="53130").count()


def test_filtre_texte(client):
    page = client.get("/api/v1/structures", {"q": "laval"}).json()
    assert page["total"] >= 1
    for s in page["resultats"]:
        assert "laval" in (s["nom"] + " " + s["adresse"] + " " + s["commune"]).lower()
    # Plusieurs mots : tous doivent se trouver ; insensible aux accents de la saisie
    valserhone = client.get("/api/v1/structures", {"q": "france services valserhône"}).json()
    assert "1" in {s["id_fs"] for s in valserhone["resultats"]}
    assert client.get("/api/v1/structures", {"q": "zzzzzz"}).json()["total"] == 0


@pytest.mark.parametrize(
    ("saisie", "en_base"), [("vallee", "Vallée"), ("VALLÉE", "Vallée"), ("saint-etienne", "Étienne")]
)
def test_filtre_texte_insensible_aux_accents_des_noms(client, saisie, en_base):
    """Les accents et la casse des noms en base ne gênent pas la recherche (pas seulement ceux de la saisie)."""
    attendus = {
        s.id_fs for s in Structure.objects.all() if en_base.lower() in (s.nom + " " + s.adresse).lower()
    }
    assert attendus, "jeu de données : aucun lieu ne porte ce mot"
    trouves = set()
    page, pages = 1, 1
    while page <= pages:
        reponse = client.get("/api/v1/structures", {"q": saisie, "page": page}).json()
        trouves |= {s["id_fs"] for s in reponse["resultats"]}
        pages, page = reponse["pages"], page + 1
    assert attendus <= trouves


@pytest.mark.parametrize(
    ("parametres", "attendu"),
    [
        ({"page": 0}, "page — doit être supérieur ou égal à 1"),
        ({"page": "deux"}, "page — doit être un nombre entier"),
        ({"page": 10_001}, "page — doit être inférieur ou égal à 10000"),
        ({"departement": "1234"}, "departement — doit comporter au plus 3 caractère(s)"),
        ({"commune": "123456"}, "commune — doit comporter au plus 5 caractère(s)"),
    ],
)
def test_liste_parametres_invalides(client, parametres, attendu):
    assert attendu in erreur(client.get("/api/v1/structures", parametres), 422)


# --- Fiche --------------------------------------------------------------------------------------------


def test_fiche(client, maintenant):
    reponse = client.get("/api/v1/structures/1")
    assert reponse.status_code == 200
    fiche = reponse.json()
    structure = Structure.objects.get(id_fs="1")
    assert fiche["id_fs"] == "1"
    assert fiche["nom"] == "France services de Valserhône"
    assert fiche["commune"] == "Valserhône"
    assert fiche["date_labellisation"] == "2020-01-01"
    assert set(fiche["horaires"]) == {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
    assert fiche["horaires"]["lundi"] == {
        "plages": [{"debut": "13:30", "fin": "17:00", "sur_rdv": False}],
        "note": "",
        "non_communique": False,
    }
    assert fiche["horaires"]["samedi"]["plages"] == []
    assert fiche["heures_par_semaine"] == structure.heures_par_semaine == 28.5
    # mardi 10:00 : ouvert (09:00 - 12:00), prochaine ouverture à 13:30
    assert fiche["ouvert_maintenant"] is True
    assert fiche["ouvert_maintenant"] == structure.ouvert_a(maintenant)
    assert datetime.fromisoformat(fiche["prochaine_ouverture"]) == datetime(2026, 3, 3, 13, 30, tzinfo=PARIS)


def test_fiche_horaires_non_structures(client, maintenant):
    # Le fichier 2024 est entièrement structurable : on pose des horaires du fichier 2020.
    semaine = HorairesSemaine.depuis_textes(
        {
            "lundi": "8:45 - 12:00 / Semaines paires : 14:00 - 16:30",
            "mardi": "Sur RDV : 9:00 - 12:00",
            "mercredi": "Horaires non communiqués",
        }
    )
    Structure.objects.filter(id_fs="2").update(horaires=semaine.vers_json())
    fiche = client.get("/api/v1/structures/2").json()
    assert fiche["horaires"]["lundi"] == {
        "plages": [{"debut": "08:45", "fin": "12:00", "sur_rdv": False}],
        "note": "Semaines paires : 14:00 - 16:30",
        "non_communique": False,
    }
    assert fiche["horaires"]["mardi"]["plages"] == [{"debut": "09:00", "fin": "12:00", "sur_rdv": True}]
    assert fiche["horaires"]["mercredi"] == {"plages": [], "note": "", "non_communique": True}
    assert fiche["ouvert_maintenant"] is True  # mardi 10:00, sur rendez-vous


@pytest.mark.parametrize("id_fs", ["inconnu", "0", "99999999", "1%20", "%C3%A9"])
def test_fiche_inconnue(client, id_fs):
    assert erreur(client.get(f"/api/v1/structures/{id_fs}"), 404) == "Ressource introuvable."


# --- Proximité -----------------------------------------------------------------------------------------


def test_proximite_par_position(client, laval, maintenant):
    lat, lon = laval.position
    resultats = client.get("/api/v1/structures/proximite", {"lat": lat, "lon": lon}).json()
    assert len(resultats) == 10
    distances = [r["distance_km"] for r in resultats]
    assert distances == sorted(distances)
    assert resultats[0]["departement"] == "53"
    assert distances[0] < 5
    attendus = proximite.index().plus_proches(lat, lon, 10)
    id_par_pk = dict(Structure.objects.values_list("pk", "id_fs"))
    assert [r["id_fs"] for r in resultats] == [id_par_pk[pk] for _, pk in attendus]
    for r, (d, pk) in zip(resultats, attendus, strict=True):
        structure = Structure.objects.get(pk=pk)
        assert r["distance_km"] == round(d, 2)
        assert r["ouvert_maintenant"] == structure.ouvert_a(maintenant)
        prochaine = structure.prochaine_ouverture(maintenant)
        assert (
            datetime.fromisoformat(r["prochaine_ouverture"]) if r["prochaine_ouverture"] else None
        ) == prochaine


def test_proximite_par_commune(client, laval):
    lat, lon = laval.position
    par_commune = client.get("/api/v1/structures/proximite", {"commune": "53130"}).json()
    par_position = client.get("/api/v1/structures/proximite", {"lat": lat, "lon": lon}).json()
    assert [r["id_fs"] for r in par_commune] == [r["id_fs"] for r in par_position]
    # commune déléguée sans coordonnées : position de la parente
    beon = client.get("/api/v1/structures/proximite", {"commune": "01039", "limit": 3}).json()
    parente = Commune.objects.par_code("01138")
    autour = client.get(
        "/api/v1/structures/proximite", {"lat": parente.latitude, "lon": parente.longitude, "limit": 3}
    ).json()
    assert [r["id_fs"] for r in beon] == [r["id_fs"] for r in autour]


def test_proximite_outre_mer(client):
    resultats = client.get("/api/v1/structures/proximite", {"commune": "97411", "limit": 5}).json()
    assert {r["departement"] for r in resultats} == {"974"}


@pytest.mark.parametrize("limite", [1, 25, 50])
def test_proximite_limite(client, limite):
    resultats = client.get("/api/v1/structures/proximite", {"commune": "53130", "limit": limite}).json()
    assert len(resultats) == limite


def test_proximite_ouvert_le(client, laval):
    for ouvert_le in ("2026-03-03T10:00:00+01:00", "2026-03-03T09:00:00Z", "2026-03-03T10:00:00"):
        resultats = client.get(
            "/api/v1/structures/proximite", {"commune": "53130", "limit": 20, "ouvert_le": ouvert_le}
        ).json()
        assert len(resultats) == 20
        instant = datetime.fromisoformat(ouvert_le.replace("Z", "+00:00"))
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=PARIS)  # heure de Paris par défaut
        structures = Structure.objects.pour_affichage().in_bulk(
            [r["id_fs"] for r in resultats], field_name="id_fs"
        )
        assert all(structures[r["id_fs"]].ouvert_a(instant) for r in resultats)
        # et ce sont bien les plus proches parmi les ouverts
        index = proximite.index()
        ouverts = [
            pk for _, pk in index.plus_proches(*laval.position, 20, partial(index.ouvert_a, instant=instant))
        ]
        assert [structures[r["id_fs"]].pk for r in resultats] == ouverts
    # Au moins un des 20 plus proches sans filtre est fermé à 12:30 : le filtre change le résultat.
    midi = client.get(
        "/api/v1/structures/proximite",
        {"commune": "53130", "limit": 20, "ouvert_le": "2026-03-03T12:30:00+01:00"},
    ).json()
    sans_filtre = client.get("/api/v1/structures/proximite", {"commune": "53130", "limit": 20}).json()
    assert [r["id_fs"] for r in midi] != [r["id_fs"] for r in sans_filtre]


def test_proximite_noel(client):
    resultats = client.get(
        "/api/v1/structures/proximite", {"commune": "53130", "ouvert_le": "2026-12-25T10:00:00+01:00"}
    ).json()
    assert resultats == []


@pytest.mark.parametrize(
    ("parametres", "statut", "attendu"),
    [
        ({}, 422, "Indiquez une position (lat et lon) ou un code commune (commune)."),
        ({"lat": 48.07}, 422, "Indiquez une position (lat et lon) ou un code commune (commune)."),
        ({"lat": "abc", "lon": 2}, 422, "lat — doit être un nombre"),
        ({"lat": "48,07", "lon": 2}, 422, "lat — doit être un nombre (séparateur décimal : le point"),
        ({"lat": 91, "lon": 2}, 422, "lat — doit être inférieur ou égal à 90"),
        ({"lat": -90.5, "lon": 2}, 422, "lat — doit être supérieur ou égal à -90"),
        ({"lat": 45, "lon": 180.5}, 422, "lon — doit être inférieur ou égal à 180"),
        ({"lat": 45, "lon": -181}, 422, "lon — doit être supérieur ou égal à -180"),
        ({"lat": "nan", "lon": 2}, 422, "lat — doit être un nombre fini"),
        ({"lat": 45, "lon": "inf"}, 422, "lon — doit être un nombre fini"),
        ({"commune": "99999"}, 404, "Commune inconnue : « 99999 »."),
        ({"commune": "123"}, 422, "commune — doit comporter au moins 5 caractère(s)"),
        ({"commune": "530000"}, 422, "commune — doit comporter au plus 5 caractère(s)"),
        ({"commune": "53130", "limit": 0}, 422, "limit — doit être supérieur ou égal à 1"),
        ({"commune": "53130", "limit": 51}, 422, "limit — doit être inférieur ou égal à 50"),
        ({"commune": "53130", "limit": 2.5}, 422, "limit — doit être un nombre entier"),
        (
            {"commune": "53130", "ouvert_le": "demain"},
            422,
            "ouvert_le — doit être une date et heure ISO 8601",
        ),
        ({"commune": "53130", "ouvert_le": "2026-13-01T10:00"}, 422, "le mois doit être entre 1 et 12"),
        ({"commune": "53130", "ouvert_le": "2026-02-30T10:00"}, 422, "jour inexistant dans ce mois"),
        (
            {"commune": "53130", "ouvert_le": "2026-03-03T25:00"},
            422,
            "ouvert_le — doit être une date et heure",
        ),
        (
            {"commune": "53130", "ouvert_le": "0001-01-01T00:00:00"},
            422,
            "l'année doit être comprise entre 1900 et 2100",
        ),
        ({"commune": "53130", "ouvert_le": "9999-12-31T23:59:59-12:00"}, 422, "entre 1900 et 2100"),
        (
            {"commune": "53130", "lat": 48, "lon": -0.7},
            422,
            "Indiquez soit une position (lat et lon), soit un code commune, pas les deux.",
        ),
    ],
)
def test_proximite_parametres_invalides(client, parametres, statut, attendu):
    message = erreur(client.get("/api/v1/structures/proximite", parametres), statut)
    assert attendu in message
    assert "Input should" not in message and "Field required" not in message


def test_outre_mer_et_dates_extremes_sans_erreur_500(client):
    """Conversion vers le fuseau d'un lieu d'outre-mer aux bornes acceptées : pas d'erreur serveur."""
    for ouvert_le in ("1900-01-01T00:00:00+14:00", "2100-12-31T23:59:59-12:00"):
        for commune in ("97101", "97411", "53130"):
            reponse = client.get(
                "/api/v1/structures/proximite", {"commune": commune, "ouvert_le": ouvert_le, "limit": 3}
            )
            assert reponse.status_code == 200, (commune, ouvert_le, reponse.content)


def test_erreurs_de_validation_en_francais():
    assert message_francais({"type": "missing"}) == "paramètre obligatoire manquant"
    assert (
        message_francais({"type": "less_than_equal", "ctx": {"le": 90.0}})
        == "doit être inférieur ou égal à 90"
    )
    assert (
        message_francais({"type": "greater_than", "ctx": {"gt": 0.5}})
        == "doit être strictement supérieur à 0,5"
    )
    assert message_francais({"type": "string_too_long", "ctx": {"max_length": 3}}) == (
        "doit comporter au plus 3 caractère(s)"
    )
    assert message_francais({"type": "value_error", "ctx": {"error": "Indiquez une commune."}}) == (
        "Indiquez une commune."
    )
    assert message_francais(
        {"type": "datetime_from_date_parsing", "ctx": {"error": "input is too short"}}
    ) == ("doit être une date et heure ISO 8601, par exemple 2026-03-02T10:00 (texte trop court)")
    assert message_francais({"type": "datetime_parsing", "ctx": {"error": "détail inconnu"}}).endswith(
        "10:00"
    )
    assert message_francais({"type": "type_inconnu", "msg": "Something odd"}) == "valeur invalide"
    assert message_francais({"type": "less_than_equal"}) == "doit être inférieur ou égal à"


def test_schema_openapi(client):
    reponse = client.get("/api/v1/openapi.json")
    assert reponse.status_code == 200
    chemins = reponse.json()["paths"]
    assert {"/api/v1/communes", "/api/v1/structures", "/api/v1/structures/proximite"} <= set(chemins)


# --- Pages publiques ------------------------------------------------------------------------------------


@pytest.fixture
def index_chauds(client):
    """Index en mémoire construits avant de compter les requêtes."""
    index_communes()
    proximite.index()
    client.get("/recherche/", {"q": "laval"})


def test_accueil(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        reponse = client.get("/")
    assert reponse.status_code == 200
    assert 'name="q"' in reponse.content.decode()


def test_recherche_laval(client, laval, index_chauds, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        reponse = client.get("/recherche/", {"q": "laval"})
    assert reponse.status_code == 200
    assert len(reponse.context["resultats"]) == 10
    assert reponse.context["commune"].code_insee == "53130"
    plus_proche = proximite.structures_proches(*laval.position, 1)[0][0]
    assert reponse.context["resultats"][0]["structure"] == plus_proche
    contenu = reponse.content.decode()
    assert escape(plus_proche.nom) in contenu
    assert "10 lieux" in contenu


def test_recherche_par_position(client, index_chauds, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        reponse = client.get("/recherche/", {"lat": "48.07", "lon": "-0.77"})
    assert reponse.status_code == 200
    assert len(reponse.context["resultats"]) == 10
    assert reponse.context["origine"] == "votre position"


def test_recherche_vide(client):
    reponse = client.get("/recherche/", {"q": ""})
    assert reponse.status_code == 200
    assert "Indiquez une commune, un code postal ou utilisez votre position." in reponse.content.decode()
    assert reponse.context["resultats"] == []


def test_recherche_sans_correspondance(client):
    reponse = client.get("/recherche/", {"q": "zzzzzzzz"})
    assert reponse.status_code == 200
    assert "Aucune commune ne correspond à « zzzzzzzz »" in reponse.content.decode()
    assert reponse.context["resultats"] == []


def test_recherche_le_jour_de_noel(client, index_chauds, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        reponse = client.get("/recherche/", {"q": "laval", "jour": "2026-12-25", "heure": "10:00"})
    assert reponse.status_code == 200
    resultats = reponse.context["resultats"]
    assert all(r["structure"].ouvert_a(NOEL_10H) for r in resultats)
    assert resultats == []
    assert "Aucune France services ne correspond à ce créneau" in reponse.content.decode()


def test_recherche_un_mardi_matin(client):
    reponse = client.get("/recherche/", {"q": "laval", "jour": "2026-03-03", "heure": "10:00"})
    resultats = reponse.context["resultats"]
    assert len(resultats) == 10
    assert all(r["structure"].ouvert_a(MARDI_10H) for r in resultats)


@pytest.mark.parametrize(
    ("parametres", "attendu"),
    [
        (
            {"q": "laval", "jour": "0001-01-01", "heure": "00:00"},
            "Indiquez une date comprise entre 1900 et 2100.",
        ),
        (
            {"q": "laval", "jour": "9999-12-31", "heure": "23:59"},
            "Indiquez une date comprise entre 1900 et 2100.",
        ),
        ({"q": "laval", "heure": "10:00"}, "Indiquez le jour pour filtrer sur une heure d&#x27;ouverture."),
        ({"q": "laval", "jour": "demain"}, "Saisissez une date valide."),
        ({"lat": "nan", "lon": "2"}, "Votre position n&#x27;a pas pu être lue"),
        ({"lat": "91", "lon": "2"}, "Votre position n&#x27;a pas pu être lue"),
        ({"q": "x" * 101}, "101"),
    ],
)
def test_recherche_parametres_invalides(client, parametres, attendu):
    reponse = client.get("/recherche/", parametres)
    assert reponse.status_code == 200
    assert attendu in reponse.content.decode()
    assert reponse.context["resultats"] == []


def test_fiche_publique(client, django_assert_max_num_queries):
    structure = Structure.objects.get(id_fs="1")
    with django_assert_max_num_queries(4):
        reponse = client.get("/france-services/1/")
    assert reponse.status_code == 200
    assert escape(structure.nom) in reponse.content.decode()
    assert client.get("/france-services/inconnu/").status_code == 404


def test_contour_departement(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        reponse = client.get("/carte/departement/53.geojson")
    assert reponse.status_code == 200
    donnees = reponse.json()
    assert donnees["type"] == "Feature"
    assert donnees["properties"]["code"] == "53"
    assert donnees["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert client.get("/carte/departement/99.geojson").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/structures?q=%00",
        "/api/v1/structures?q=a%00b",
        "/api/v1/structures?departement=%00",
        "/api/v1/structures?commune=%00",
        "/api/v1/structures/%00",
        "/api/v1/structures/proximite?commune=%00%00%00%00%00",
        "/api/v1/communes?q=%00",
        "/recherche/?q=%00",
        "/recherche/?commune=%00&q=laval",
        "/france-services/%00/",
        "/carte/departement/%00.geojson",
    ],
)
def test_caractere_nul_sans_erreur_500(client, url):
    """PostgreSQL refuse les caractères NUL dans une requête SQL : requête refusée (400), pas d'erreur 500."""
    reponse = client.get(url)
    assert reponse.status_code == 400
    if url.startswith("/api/"):
        assert (
            reponse.json()["message"] == "La requête contient un caractère nul (%00), qui n'est pas autorisé."
        )
    else:
        assert "caractère nul" in reponse.content.decode()


def test_texte_pourcent_00_accepte(client):
    """« %00 » écrit en toutes lettres (%2500 dans l'adresse) n'est pas un caractère nul."""
    assert client.get("/api/v1/structures", {"q": "%00"}).json()["total"] == 0
    assert client.get("/recherche/", {"q": "%00"}).status_code == 200


@pytest.mark.parametrize("methode", ["post", "put", "delete", "patch"])
def test_methode_non_autorisee_en_json(client, methode):
    reponse = getattr(client, methode)("/api/v1/structures/proximite?commune=53130")
    assert reponse.status_code == 405
    assert reponse["Allow"] == "GET"
    assert reponse.json()["message"].startswith(f"Méthode {methode.upper()} non autorisée")
