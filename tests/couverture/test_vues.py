"""Pages de la couverture : matrice des permissions, paramètres invalides, carte SVG (XML valide, un
chemin par département), tri, export CSV journalisé, placement, page sans calcul."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.couverture.models import CalculCouverture, DistanceCommune
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def connecter(client, utilisateur):
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return utilisateur


def _dep(code):
    return Departement.objects.get(code=code)


PERSONNES = {
    "agent": lambda: personne(Role.AGENT, structure=Structure.objects.filter(departement__code="23").first()),
    "responsable": lambda: personne(
        Role.RESPONSABLE, structure=Structure.objects.filter(departement__code="23").first()
    ),
    "animateur": lambda: personne(Role.ANIMATEUR, departement=_dep("23")),
    "animateur_autre_departement": lambda: personne(Role.ANIMATEUR, departement=_dep("87")),
    "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=_dep("23")),
    "prefecture_autre_departement": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=_dep("87")),
    "referent": lambda: personne(
        Role.REFERENT_PARTENAIRE, partenaire=Partenaire.objects.order_by("pk").first(), departement=_dep("23")
    ),
    "conseiller_numerique": lambda: personne(
        Role.CONSEILLER_NUMERIQUE,
        lieu_mediation=LieuMediation.objects.create(identifiant="m1", nom="Lieu", departement=_dep("23")),
    ),
    "sans_habilitation": lambda: personne(),
    "equipe_nationale": lambda: personne(Role.EQUIPE_NATIONALE),
}
# (national, zones blanches, département 23, département 87, placement 23, placement 87)
MATRICE = {
    "agent": (403, 403, 403, 403, 403, 403),
    "responsable": (403, 403, 403, 403, 403, 403),
    "animateur": (200, 200, 200, 200, 200, 404),
    "animateur_autre_departement": (200, 200, 200, 200, 404, 200),
    "prefecture": (200, 200, 200, 200, 200, 404),
    "prefecture_autre_departement": (200, 200, 200, 200, 404, 200),
    "referent": (403, 403, 403, 403, 403, 403),
    "conseiller_numerique": (403, 403, 403, 403, 403, 403),
    "sans_habilitation": (403, 403, 403, 403, 403, 403),
    "equipe_nationale": (200, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice(client, qui):
    connecter(client, PERSONNES[qui]())
    adresses = [
        reverse("couverture:index"),
        reverse("couverture:zones_blanches"),
        reverse("couverture:departement", args=["23"]),
        reverse("couverture:departement", args=["87"]),
        reverse("couverture:placement", args=["23"]) + "?k=2&rayon=10&mesure=vol&type=sites",
        reverse("couverture:placement", args=["87"]) + "?k=2&rayon=10&mesure=vol&type=sites",
    ]
    obtenus = tuple(client.get(a).status_code for a in adresses)
    assert obtenus == MATRICE[qui]


def test_anonyme_redirige_vers_la_connexion(client):
    reponse = client.get(reverse("couverture:index"))
    assert reponse.status_code == 302
    assert "/connexion/" in reponse["Location"]


@pytest.fixture
def national(client):
    return connecter(client, personne(Role.EQUIPE_NATIONALE))


def _svg(html: str, marque: str) -> ET.Element:
    morceau = re.search(rf"<svg[^>]*{marque}.*?</svg>", html, re.S).group(0)
    return ET.fromstring(morceau)


def test_page_nationale_carte_svg_valide_et_tableaux(client, national, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        reponse = client.get(reverse("couverture:index"))
    html = reponse.content.decode()
    racine = _svg(html, "data-carte=.nationale.")
    chemins = [p for p in racine.iter(f"{SVG}path") if p.get("data-departement")]
    codes = {p.get("data-departement") for p in chemins}
    metro_drom = set(Departement.objects.exclude(zone="com").values_list("code", flat=True))
    assert codes == metro_drom and len(chemins) == 101
    assert all(p.get("d", "").startswith("M") and p.find(f"{SVG}title") is not None for p in chemins)
    assert racine.get("role") == "img" and racine.find(f"{SVG}title") is not None
    assert html.count("data-region=") == 19  # 13 métropole + 5 DROM + national
    assert html.count('<tr data-departement="') == 101 + 8  # + collectivités d'outre-mer à part
    assert "data-legende" in html and "data-calcul" in html


def test_seuil_et_tri(client, national):
    reponse = client.get(reverse("couverture:index"), {"seuil": "10", "tri": "part", "ordre": "asc"})
    html = reponse.content.decode()
    assert "à 10 km ou moins" in html
    parts = [
        float(p.replace(",", ".").replace("\u202f", ""))
        for p in re.findall(r"<td data-part>([\d,]+) %</td>", html)
    ]
    assert parts == sorted(parts) and len(parts) == 101
    reponse = client.get(reverse("couverture:index"), {"tri": "part", "ordre": "desc"})
    parts = [
        float(p.replace(",", "."))
        for p in re.findall(r"<td data-part>([\d,]+) %</td>", reponse.content.decode())
    ]
    assert parts == sorted(parts, reverse=True)


@pytest.mark.parametrize(
    "parametres",
    [{"seuil": "15"}, {"seuil": "abc"}, {"mesure": "train"}, {"tri": "inconnu", "page": "zz"}],
)
def test_parametres_invalides_message_clair(client, national, parametres):
    for nom in ("couverture:index", "couverture:zones_blanches"):
        reponse = client.get(reverse(nom), parametres)
        assert reponse.status_code == 200
        if "tri" not in parametres:
            assert "data-erreurs" in reponse.content.decode()
    reponse = client.get(reverse("couverture:departement", args=["23"]), parametres)
    assert reponse.status_code == 200


def test_caractere_nul_refuse_sans_erreur_serveur(client, national):
    assert client.get(reverse("couverture:index"), {"seuil": "\x00"}).status_code == 400
    assert client.get("/couverture/departements/2%00/placement/").status_code == 400


@pytest.mark.parametrize("code", ["ZZ", "9999", "2-", "00"])
def test_departement_inconnu_404(client, national, code):
    assert client.get(f"/couverture/departements/{code}/").status_code == 404
    assert client.get(f"/couverture/departements/{code}/placement/").status_code == 404


def test_departement_communes_eloignees_pagination_et_export(client, national):
    reponse = client.get(reverse("couverture:departement", args=["2A"]))
    html = reponse.content.decode()
    assert reponse.status_code == 200
    codes = re.findall(r'<tr data-commune="(\w+)"', html)
    attendus = list(
        DistanceCommune.objects.filter(departement__code="2A")
        .order_by("-distance_km", "-population", "commune__code_insee")
        .values_list("commune__code_insee", flat=True)[:50]
    )
    assert codes == attendus
    assert "Page suivante" in html
    page2 = client.get(reverse("couverture:departement", args=["2A"]), {"page": "2"}).content.decode()
    assert re.findall(r'<tr data-commune="(\w+)"', page2)[0] not in codes

    avant = EvenementAudit.objects.filter(evenement=Evenement.EXPORT).count()
    export = client.get(reverse("couverture:departement", args=["2A"]), {"format": "csv", "mesure": "route"})
    assert export["Content-Type"].startswith("text/csv")
    lignes = export.content.decode("utf-8-sig").strip().splitlines()
    assert lignes[0].startswith("Code INSEE;Commune;Département;Population")
    assert len(lignes) - 1 == DistanceCommune.objects.filter(departement__code="2A").count()
    assert EvenementAudit.objects.filter(evenement=Evenement.EXPORT).count() == avant + 1


def test_zones_blanches(client, national):
    reponse = client.get(reverse("couverture:zones_blanches"), {"seuil": "20"})
    html = reponse.content.decode()
    premiere = (
        DistanceCommune.objects.exclude(departement__zone="com")
        .order_by("-distance_km")
        .values_list("commune__code_insee", flat=True)
        .first()
    )
    assert re.findall(r'<tr data-commune="(\w+)"', html)[0] == premiere
    assert "habitants à plus de 30 km" in html
    export = client.get(reverse("couverture:zones_blanches"), {"seuil": "30", "format": "csv"})
    assert export.status_code == 200
    assert len(export.content.decode("utf-8-sig").strip().splitlines()) - 1 == (
        DistanceCommune.objects.exclude(departement__zone="com").filter(distance_km__gt=30).count()
    )


def test_placement_resultat_et_carte(client):
    connecter(client, personne(Role.ANIMATEUR, departement=_dep("48")))
    reponse = client.get(
        reverse("couverture:placement", args=["48"]),
        {"k": "3", "rayon": "10", "mesure": "vol", "type": "bus"},
    )
    html = reponse.content.decode()
    assert html.count("<tr data-proposition=") == 3
    assert "Arrêts de bus proposés" in html
    racine = _svg(html, "data-carte=.departement.")
    assert len([g for g in racine.iter(f"{SVG}g") if g.get("data-proposition-carte")]) == 3
    assert len(list(racine.iter(f"{SVG}rect"))) == Structure.objects.filter(departement__code="48").count()
    # Sans paramètres : le formulaire seul, pas d'erreur.
    vide = client.get(reverse("couverture:placement", args=["48"])).content.decode()
    assert "data-erreurs" not in vide and "<tr data-proposition=" not in vide


@pytest.mark.parametrize(
    ("parametres", "message"),
    [
        ({"k": "0", "rayon": "10", "mesure": "vol", "type": "sites"}, "Proposez au moins un point"),
        ({"k": "11", "rayon": "10", "mesure": "vol", "type": "sites"}, "Au plus 10 points"),
        ({"k": "trois", "rayon": "10", "mesure": "vol", "type": "sites"}, "doit être un nombre entier"),
        ({"k": "3", "rayon": "15", "mesure": "vol", "type": "sites"}, "rayon de 10, 20 ou 30 km"),
        ({"k": "3", "rayon": "10", "mesure": "avion", "type": "sites"}, "vol d&#x27;oiseau"),
        ({"k": "3", "rayon": "10", "mesure": "vol", "type": "drone"}, "sites fixes ou des arrêts"),
        ({"k": "", "rayon": "10", "mesure": "vol", "type": "sites"}, "Indiquez combien"),
    ],
)
def test_placement_entrees_invalides(client, national, parametres, message):
    reponse = client.get(reverse("couverture:placement", args=["48"]), parametres)
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert "data-erreurs" in html and message in html
    assert "<tr data-proposition=" not in html


def test_pages_sans_calcul(client, national):
    DistanceCommune.objects.all().delete()
    CalculCouverture.objects.all().delete()
    for adresse in (
        reverse("couverture:index"),
        reverse("couverture:zones_blanches"),
        reverse("couverture:departement", args=["23"]),
        reverse("couverture:placement", args=["23"]) + "?k=3&rayon=10&mesure=vol&type=sites",
    ):
        reponse = client.get(adresse)
        assert reponse.status_code == 200
        assert "data-sans-calcul" in reponse.content.decode()


def test_calcul_perime_signale(client, national):
    structure = Structure.objects.order_by("pk").first()
    structure.save()  # le registre change
    assert "data-perime" in client.get(reverse("couverture:index")).content.decode()
