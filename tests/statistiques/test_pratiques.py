"""Rapport « évolution des pratiques d'accès » : chiffres exacts sur des demandes construites (agrégats = lignes
brutes), part des démarches en ligne, bords de mois et année précédente absente, paramètres invalides,
permissions (matrice), PDF et SVG valides."""

import random
import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from franceservices.activite import actions
from franceservices.activite.models import Canal, Demarche, Origine, Theme, TrancheAge
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.formations.attestations import rendre_pdf
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.statistiques import graphiques
from franceservices.statistiques.lecture import Portee
from franceservices.statistiques.pratiques import (
    ParametreInvalide,
    lire_mois,
    mois_par_defaut,
    portees_pratiques,
    rapport,
    rapport_depuis_les_demandes,
)
from franceservices.statistiques.views_pratiques import _contexte
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.activite.fabriques import demande, demande_au_hasard
from tests.comptes.factories import personne
from tests.core.conftest import connecter
from tests.formations_suivi.fabriques import texte_pdf

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
OCTOBRE = date(2026, 10, 1)
URL = "/statistiques/pratiques/"
URL_PDF = "/statistiques/pratiques/rapport.pdf"


def le(annee, mois, jour=10, heure=10, minute=0):
    return datetime(annee, mois, jour, heure, minute, tzinfo=PARIS)


@pytest.fixture
def jeu():
    """Charente, mois de référence octobre 2026 :
    - octobre 2026 : 4 demandes valides dans une France services (dont une synthétique, une le 31 à 23 h 30),
      une annulée, une le 1er novembre à 0 h 30 (hors fenêtre) ; une en Charente-Maritime ;
    - octobre 2025 (un an avant) : 2 demandes (dont une le 1er à 0 h 10) ; septembre 2025 : 1 (hors fenêtre)."""
    s = Structure.objects.filter(departement__code="16").order_by("pk").first()
    autre = Structure.objects.filter(departement__code="17").order_by("pk").first()
    cnaf = Partenaire.objects.get(code="cnaf")
    en_ligne = Demarche.objects.create(
        partenaire=cnaf,
        libelle="Essai en ligne",
        theme=Theme.SOCIAL_SANTE,
        lien_en_ligne="https://exemple.fr/a",
    )
    guichet = Demarche.objects.create(partenaire=cnaf, libelle="Essai au guichet", theme=Theme.SOCIAL_SANTE)
    lot = [
        demande(s, date_heure=le(2026, 10, 1), demarche=en_ligne, tranche_age=TrancheAge.DE_26_39),
        demande(s, date_heure=le(2026, 10, 2), canal=Canal.TELEPHONE, demarche=guichet, tranche_age="65_74"),
        demande(s, date_heure=le(2026, 10, 31, 23, 30), partenaire=None, partenaire_autre="Mairie"),
        demande(
            s,
            date_heure=le(2026, 10, 3),
            canal=Canal.VISIO,
            demarche=en_ligne,
            tranche_age=TrancheAge.DE_26_39,
            origine=Origine.SYNTHETIQUE,
        ),
        demande(s, date_heure=le(2026, 11, 1, 0, 30), demarche=en_ligne),
        demande(autre, date_heure=le(2026, 10, 4), canal=Canal.TELEPHONE),
        demande(s, date_heure=le(2025, 10, 1, 0, 10), demarche=en_ligne, tranche_age=TrancheAge.PLUS_75),
        demande(s, date_heure=le(2025, 10, 20), canal=Canal.TELEPHONE),
        demande(s, date_heure=le(2025, 9, 30, 23, 50), demarche=en_ligne),
    ]
    actions.enregistrer(lot)
    annulee = actions.enregistrer([demande(s, date_heure=le(2026, 10, 5), demarche=en_ligne)]).creees[0]
    actions.annuler(annulee, personne(Role.EQUIPE_NATIONALE), "Doublon")
    return {"structure": s, "autre": autre, "en_ligne": en_ligne, "guichet": guichet, "cnaf": cnaf}


def departement(code):
    d = Departement.objects.get(code=code)
    return Portee("departement", d.pk, f"{d.nom} ({d.code})")


def series(rep):
    return {s.cle: s for s in rep.series}


def test_chiffres_exacts_departement(jeu):
    r = rapport(departement("16"), OCTOBRE)
    assert r.fenetre[0] == date(2025, 11, 1) and r.fenetre[-1] == OCTOBRE
    assert r.total_mois == 4  # le 31 à 23 h 30 compte en octobre ; le 1er novembre à 0 h 30, non
    assert r.total == 4 and r.total_annee_precedente == 2
    assert r.synthetiques == 1
    assert r.evolution_mois == 100.0
    canaux = series(r.canaux)
    assert (canaux["accueil_physique"].nombre_mois, canaux["accueil_physique"].part_mois) == (2, 50.0)
    assert canaux["telephone"].part_mois == 25.0 and canaux["visio"].part_mois == 25.0
    assert canaux["telephone"].part_annee_precedente == 50.0
    assert canaux["telephone"].ecart_points == -25.0
    partenaires = series(r.partenaires)
    assert partenaires[str(jeu["cnaf"].pk)].part_mois == 75.0
    assert partenaires[""].libelle == "Partenaire local ou autre" and partenaires[""].part_mois == 25.0
    # Démarche en ligne : 2 demandes sur 4 (octobre), 1 sur 2 un an avant ; parmi les renseignées : 2 sur 3.
    en_ligne = series(r.en_ligne)
    assert (en_ligne["en_ligne"].nombre_mois, en_ligne["en_ligne"].part_mois) == (2, 50.0)
    assert en_ligne["sans_lien"].part_mois == 25.0 and en_ligne[""].part_mois == 25.0
    assert en_ligne["en_ligne"].part_annee_precedente == 50.0
    assert r.part_en_ligne_parmi_renseignees == 66.7
    demarches = series(r.demarches)
    assert demarches[str(jeu["en_ligne"].pk)].libelle == "Essai en ligne (CNAF)" or demarches[
        str(jeu["en_ligne"].pk)
    ].libelle.startswith("Essai en ligne (")
    # Âge : parts parmi les 3 demandes d'octobre dont l'âge est renseigné.
    ages = series(r.ages)
    assert ages["26_39"].part_mois == 66.7 and ages["65_74"].part_mois == 33.3
    assert ages["75_plus"].part_annee_precedente == 100.0
    assert r.age_renseigne.series[0].nombres[-1] == 3 and r.age_renseigne.series[0].part_mois == 75.0
    # Mois sans données : les onze mois avant octobre.
    assert len(r.mois_vides) == 11 and OCTOBRE not in r.mois_vides
    assert canaux["accueil_physique"].parts[0] is None


def test_sans_synthetiques(jeu):
    r = rapport(departement("16"), OCTOBRE, avec_synthetique=False)
    assert r.total_mois == 3 and r.synthetiques == 1 and not r.synthetiques_inclus
    assert series(r.canaux)["visio"].nombre_mois == 0


@pytest.mark.parametrize("avec_synthetique", [True, False])
def test_agregats_egaux_a_la_reference_naive(jeu, avec_synthetique):
    structure = jeu["structure"]
    for portee in (
        Portee("national", None),
        Portee("region", structure.departement.region_id),
        departement("16"),
        departement("17"),
        Portee("structure", structure.pk),
    ):
        for mois in (OCTOBRE, date(2026, 11, 1), date(2025, 10, 1), date(2024, 1, 1)):
            agregats = rapport(portee, mois, avec_synthetique=avec_synthetique)
            brut = rapport_depuis_les_demandes(portee, mois, avec_synthetique=avec_synthetique)
            assert agregats.chiffres() == brut.chiffres(), (portee, mois)


def test_agregats_egaux_a_la_reference_sur_un_jeu_au_hasard():
    aleas = random.Random(7)
    structures = list(Structure.objects.filter(departement__code__in=["16", "17"]).order_by("pk")[:6])
    lot = [demande_au_hasard(aleas, structures, debut=le(2025, 6, 1), jours=500) for _ in range(80)]
    actions.enregistrer(lot)
    for portee in (Portee("national", None), departement("16"), Portee("structure", structures[0].pk)):
        for mois in (date(2026, 6, 1), date(2026, 9, 1)):
            assert rapport(portee, mois).chiffres() == rapport_depuis_les_demandes(portee, mois).chiffres()


def test_requetes_fixes(jeu, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        rapport(Portee("national", None), OCTOBRE)


def test_annee_precedente_absente_et_mois_vide(jeu):
    r = rapport(departement("16"), date(2026, 11, 1))  # novembre 2025 : rien
    assert r.total_annee_precedente == 0 and r.evolution_mois is None
    assert series(r.canaux)["accueil_physique"].part_annee_precedente is None
    assert series(r.canaux)["accueil_physique"].ecart_points is None
    r = rapport(departement("16"), date(2026, 9, 1))  # septembre 2026 : rien ; un an avant : 1 demande
    assert r.total_mois == 0 and r.total_annee_precedente == 1
    assert series(r.en_ligne)["en_ligne"].part_mois is None
    vide = rapport(departement("16"), date(2023, 5, 1))
    assert vide.vide and vide.mois_vides == vide.fenetre


def test_lire_mois():
    aujourdhui = date(2026, 11, 27)
    assert lire_mois("2026-11", aujourdhui) == date(2026, 11, 1)
    assert mois_par_defaut(aujourdhui) == OCTOBRE
    assert mois_par_defaut(date(2026, 1, 3)) == date(2025, 12, 1)
    for texte, message in (
        ("2026-12", "pas encore commencé"),
        ("2018-12", "ne peut pas précéder"),
        ("octobre", "illisible"),
        ("2026-13", "illisible"),
        ("2026-1", "illisible"),
    ):
        with pytest.raises(ParametreInvalide, match=message):
            lire_mois(texte, aujourdhui)


def test_portees_des_roles(jeu):
    structure = jeu["structure"]
    agent = personne(Role.AGENT, structure=structure)
    assert portees_pratiques(agent) == [Portee("structure", structure.pk)]
    animateur = personne(Role.ANIMATEUR, departement=structure.departement)
    assert portees_pratiques(animateur)[0] == departement("16")
    referent = personne(Role.REFERENT_PARTENAIRE, partenaire=jeu["cnaf"], departement=structure.departement)
    assert portees_pratiques(referent) == []
    national = personne(Role.EQUIPE_NATIONALE)
    assert portees_pratiques(national)[0] == Portee("national", None)


# — Graphiques —


def _svg_valides(html: str) -> list[ET.Element]:
    morceaux = []
    reste = html
    while "<svg" in reste:
        debut = reste.index("<svg")
        fin = reste.index("</svg>", debut) + len("</svg>")
        morceaux.append(ET.fromstring(reste[debut:fin]))  # lève si le XML est invalide
        reste = reste[fin:]
    return morceaux


def test_graphiques_svg_valides_et_accessibles():
    abscisses = ["janv. 26", "févr. 26", "mars 26"]
    series_ = [("A & B <c>", [10.0, None, 30.5]), ("Autres", [90.0, None, 69.5])]
    for svg in (
        graphiques.courbes("g1", "Titre", "Description", abscisses, series_),
        graphiques.barres_empilees("g2", "Titre", "Description", abscisses, series_),
        graphiques.histogramme(
            "g3", "Titre", "Description", ["18-25", "26-39"], [("Douze mois", [40.0, None])]
        ),
    ):
        racine = ET.fromstring(str(svg))
        ns = "{http://www.w3.org/2000/svg}"
        assert racine.tag == f"{ns}svg" and racine.get("role") == "img"
        ident = racine.get("aria-labelledby").split()
        assert racine.find(f"{ns}title").get("id") == ident[0]
        assert racine.find(f"{ns}desc").get("id") == ident[1]
        assert "A &amp; B &lt;c&gt;" in str(svg) or "A &amp; B" not in str(svg)


# — Pages —


def test_page_animateur(client, jeu):
    connecter(client, personne(Role.ANIMATEUR, departement=jeu["structure"].departement))
    reponse = client.get(URL, {"portee": "departement:16", "mois": "2026-10"})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Évolution des pratiques d'accès" in html
    assert "Charente (16)" in html
    assert "data-part-en-ligne>50 %" in html
    assert "Données de démonstration" in html
    assert len(_svg_valides(html)) == 5
    assert "Pas de comparaison possible" not in html
    assert "Mois sans aucune demande" in html
    assert f'href="{URL_PDF}?portee=departement%3A16&amp;mois=2026-10"' in html


def test_page_par_defaut_et_sans_donnees(client, jeu):
    connecter(client, personne(Role.AGENT, structure=jeu["structure"]))
    reponse = client.get(URL, {"mois": "2023-05"})
    assert reponse.status_code == 200
    assert "Aucune demande sur ces douze mois" in reponse.content.decode()
    assert reponse.context["r"].portee == Portee("structure", jeu["structure"].pk)


@pytest.mark.parametrize(
    ("parametres", "message"),
    [
        ({"mois": "2099-01"}, "pas encore commencé"),
        ({"mois": "hier"}, "Mois illisible"),
        ({"portee": "departement:999"}, "Département inconnu"),
        ({"portee": "region:XX"}, "Région inconnue"),
        ({"portee": "structure:abc"}, "France services inconnue"),
        ({"portee": "planete:terre"}, "Portée illisible"),
    ],
)
def test_parametres_invalides(client, jeu, parametres, message):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(URL, parametres)
    assert reponse.status_code == 200
    assert message in reponse.content.decode()
    assert client.get(URL_PDF, parametres).status_code == 400


@pytest.mark.parametrize(
    ("role", "portee", "attendu"),
    [
        ("national", "national", 200),
        ("national", "departement:17", 200),
        ("national", "region:75", 200),
        ("national", "structure", 200),
        ("animateur", "departement:16", 200),
        ("animateur", "structure", 200),
        ("animateur", "departement:17", 404),
        ("animateur", "national", 404),
        ("animateur", "structure_autre", 404),
        ("animateur_17", "departement:16", 404),
        ("prefecture", "departement:16", 200),
        ("agent", "structure", 200),
        ("agent", "departement:16", 404),
        ("agent", "structure_autre", 404),
        ("responsable", "structure", 200),
        ("responsable", "national", 404),
        ("referent", "", 404),
        ("conseiller", "", 404),
    ],
)
def test_matrice_des_permissions(client, jeu, role, portee, attendu):
    structure, autre = jeu["structure"], jeu["autre"]
    d16 = structure.departement
    comptes = {
        "national": lambda: personne(Role.EQUIPE_NATIONALE),
        "animateur": lambda: personne(Role.ANIMATEUR, departement=d16),
        "animateur_17": lambda: personne(Role.ANIMATEUR, departement=autre.departement),
        "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=d16),
        "agent": lambda: personne(Role.AGENT, structure=structure),
        "responsable": lambda: personne(Role.RESPONSABLE, structure=structure),
        "referent": lambda: personne(Role.REFERENT_PARTENAIRE, partenaire=jeu["cnaf"], departement=d16),
        "conseiller": lambda: personne(
            Role.CONSEILLER_NUMERIQUE,
            lieu_mediation=LieuMediation.objects.create(identifiant="pratiques", nom="Lieu", departement=d16),
        ),
    }
    connecter(client, comptes[role]())
    valeur = {"structure": f"structure:{structure.pk}", "structure_autre": f"structure:{autre.pk}"}.get(
        portee, portee
    )
    parametres = {"portee": valeur, "mois": "2026-10"} if valeur else {}
    assert client.get(URL, parametres).status_code == attendu
    if attendu == 404:
        assert client.get(URL_PDF, parametres).status_code == 404


def test_anonyme_redirige_vers_la_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


def test_pdf_telecharge_et_journalise(client, jeu):
    animateur = personne(Role.ANIMATEUR, departement=jeu["structure"].departement)
    connecter(client, animateur)
    reponse = client.get(URL_PDF, {"portee": "departement:16", "mois": "2026-10"})
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert 'filename="pratiques-departement-' in reponse["Content-Disposition"]
    contenu = reponse.content
    assert contenu.startswith(b"%PDF") and contenu.rstrip().endswith(b"%%EOF")
    assert 5_000 < len(contenu) < 1_500_000
    evenement = EvenementAudit.objects.get(evenement=Evenement.EXPORT, acteur_email=animateur.email)
    assert evenement.details["export"] == "pratiques" and evenement.details["mois"] == "2026-10"


def test_pdf_texte_et_pdf_ua(jeu):
    r = rapport(departement("16"), OCTOBRE)
    pdf = rendre_pdf("statistiques/pratiques/rapport_pdf.html", _contexte(r), non_compresse=True)
    texte = texte_pdf(pdf)
    assert "Évolution des pratiques d'accès" in texte
    assert "Charente (16)" in texte and "octobre 2026" in texte
    assert "Démarche disponible en ligne" in texte
    assert b"/StructTreeRoot" in pdf and b"/Lang (fr)" in pdf and b"pdfuaid" in pdf
    assert reverse("statistiques:pratiques_pdf") == URL_PDF


def test_pdf_en_cache_par_contenu(jeu, monkeypatch):
    """Mêmes chiffres : le PDF n'est mis en page qu'une fois ; un chiffre qui change : un nouveau PDF."""
    from django.core.cache import cache

    from franceservices.formations import attestations
    from franceservices.statistiques import views_pratiques

    cache.clear()
    rendus = []
    vrai = attestations.rendre_pdf

    def compte(*args, **kwargs):
        rendus.append(1)
        return vrai(*args, **kwargs)

    monkeypatch.setattr(attestations, "rendre_pdf", compte)
    r = rapport(departement("16"), OCTOBRE)
    premier = views_pratiques.pdf_du_rapport(_contexte(r))
    second = views_pratiques.pdf_du_rapport(_contexte(r))
    assert premier == second and len(rendus) == 1
    autre = rapport(departement("16"), OCTOBRE.replace(month=9))  # autre mois : autre contenu
    assert views_pratiques.pdf_du_rapport(_contexte(autre)) != premier
    assert len(rendus) == 2
    cache.clear()
