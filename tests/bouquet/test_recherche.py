"""Recherche plein texte des fiches : classement, fautes, accents, requêtes hostiles (PostgreSQL et SQLite)."""

import pytest

from franceservices.bouquet.models import Fiche
from franceservices.bouquet.recherche import LONGUEUR_MAX, chercher, mots_de

from .fabriques import connecter

pytestmark = pytest.mark.django_db


def premiers(texte, n=1, qs=None):
    resultat = chercher(qs if qs is not None else Fiche.objects.all(), texte)
    return [Fiche.objects.get(pk=pk).titre for pk in resultat.ids[:n]]


@pytest.mark.parametrize(
    ("requete", "attendue"),
    [
        ("perte carte identité", "cni"),
        ("surendetement", "surendettement"),  # une faute : deux « t »
        ("cni perdue", "cni"),
        ("droit au conte", "compte"),  # « conte » corrigé en « compte »
        ("CARTE D'IDENTITE", "cni"),  # casse et accents
        ("carte grise", "grise"),
        ("surendet", "surendettement"),  # frappe en cours : préfixe
    ],
)
def test_trouve_la_bonne_fiche_en_premier(base, requete, attendue):
    assert premiers(requete) == [base[attendue].titre]


def test_le_titre_compte_plus_que_le_corps(base):
    # « identité » est dans le titre de la fiche CNI et dans le corps de la fiche carte grise.
    resultat = chercher(Fiche.objects.all(), "identité")
    assert resultat.ids[0] == base["cni"].pk
    assert base["grise"].pk in resultat.ids


def test_correction_annoncee(base):
    resultat = chercher(Fiche.objects.all(), "surendetement")
    assert "surendettement" in resultat.corrections["surendetement"]
    assert resultat.corrige == "surendettement"


def test_vocabulaire_relu_apres_une_nouvelle_fiche(base, national):
    from .fabriques import fiche

    assert chercher(Fiche.objects.all(), "kangourou").ids == []
    nouvelle = fiche(national, "ants", titre="Kangourou", resume="Mot rare.", contenu="Rien.")
    assert chercher(Fiche.objects.all(), "kangourouu").ids == [nouvelle.pk]


@pytest.mark.parametrize(
    "requete",
    [
        "",
        "   ",
        "au de la",
        "!!! & | :* <>",
        "'; DROP TABLE bouquet_fiche; --",
        "%_%",
        "x" * 1000,
        "é" * 300,
        "\\",
        "a:*|b&!c",
        "123456",
    ],
)
def test_requetes_hostiles_sans_erreur(base, requete):
    resultat = chercher(Fiche.objects.all(), requete)
    assert isinstance(resultat.ids, list)
    assert len(mots_de(requete)) <= 8


def test_requete_vide_ne_rend_rien(base):
    assert chercher(Fiche.objects.all(), "").ids == []


def test_part_du_queryset_donne(base):
    seulement_ants = Fiche.objects.filter(partenaire__code="ants")
    assert base["surendettement"].pk not in chercher(seulement_ants, "surendettement").ids


# — Page de recherche —


def test_page_sans_script_et_fragment_htmx(client, agent, base):
    connecter(client, agent)
    page = client.get("/bouquet/fiches/", {"q": "perte carte identité"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and base["cni"].titre.replace("'", "&#x27;") in html
    fragment = client.get("/bouquet/fiches/", {"q": "perte carte identité"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert f'data-fiche="{base["cni"].pk}"' in fragment.content.decode()


def test_brouillon_invisible_pour_un_agent(client, agent, base):
    connecter(client, agent)
    html = client.get("/bouquet/fiches/", {"q": "prime activité"}).content.decode()
    assert f'data-fiche="{base["brouillon"].pk}"' not in html
    assert client.get(f"/bouquet/fiches/{base['brouillon'].pk}/").status_code == 404


@pytest.mark.parametrize("q", ["x" * (LONGUEUR_MAX + 1), "\x00abc", "%%%", "<script>alert(1)</script>"])
def test_page_requetes_hostiles(client, agent, base, q):
    connecter(client, agent)
    reponse = client.get("/bouquet/fiches/", {"q": q})
    assert reponse.status_code in (200, 400)
    assert "<script>alert" not in reponse.content.decode()


def test_requete_trop_longue_expliquee(client, agent, base):
    connecter(client, agent)
    html = client.get("/bouquet/fiches/", {"q": "x" * (LONGUEUR_MAX + 1)}).content.decode()
    assert "Requête trop longue" in html


def test_filtre_partenaire_et_pagination(client, national, base):
    from .fabriques import fiche

    for i in range(25):
        fiche(national, "ants", titre=f"Passeport cas {i}", resume="Passeport.", contenu="Passeport.")
    connecter(client, national)
    ants = base["cni"].partenaire_id
    page1 = client.get("/bouquet/fiches/", {"q": "passeport", "partenaire": ants}).content.decode()
    assert page1.count("data-fiche=") == 20
    assert 'data-nombre="26"' in page1  # 25 fiches « Passeport cas … » et la fiche CNI (passeport au titre)
    page2 = client.get("/bouquet/fiches/", {"q": "passeport", "partenaire": ants, "page": 2}).content.decode()
    assert page2.count("data-fiche=") == 6
    assert "Page précédente" in page2
    cnaf = base["compte"].partenaire_id
    autre = client.get("/bouquet/fiches/", {"q": "passeport", "partenaire": cnaf}).content.decode()
    assert 'data-nombre="0"' in autre


def test_requetes_bornees_sur_les_resultats(client, national, base, django_assert_max_num_queries):
    from .fabriques import fiche

    for i in range(30):
        fiche(national, "cnaf" if i % 2 else "ants", titre=f"Carte {i}", resume="Carte.", contenu="Carte.")
    connecter(client, national)
    client.get("/bouquet/fiches/", {"q": "carte"})  # vocabulaire en mémoire
    with django_assert_max_num_queries(12):
        reponse = client.get("/bouquet/fiches/", {"q": "carte"})
    assert reponse.content.decode().count("data-fiche=") == 20
    with django_assert_max_num_queries(12):
        client.get("/bouquet/fiches/")
