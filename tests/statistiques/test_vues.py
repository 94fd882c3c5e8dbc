"""Tableau de bord : matrice des permissions, période, bandeau des données de démonstration, état vide,
explications, exports CSV et XLSX (relus avec openpyxl) journalisés, nombre de requêtes borné."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from franceservices.activite.actions import enregistrer
from franceservices.activite.models import Origine
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.activite.fabriques import demande
from tests.comptes.factories import UtilisateurFactory, personne
from tests.core.conftest import connecter

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
URL = reverse("statistiques:tableau_de_bord")
OCTOBRE = {"du": "2026-10", "au": "2026-10"}


def le(jour, mois=10):
    return datetime(2026, mois, jour, 11, tzinfo=PARIS)


@pytest.fixture
def monde():
    cantal = Departement.objects.get(code="15")
    charente = Departement.objects.get(code="16")
    s1, s2 = Structure.objects.filter(departement=cantal).order_by("pk")[:2]
    ailleurs = Structure.objects.filter(departement=charente).order_by("pk").first()
    caf = Partenaire.objects.get(code="cnaf")
    cpam = (
        Partenaire.objects.get(code="cpam")
        if Partenaire.objects.filter(code="cpam").exists()
        else (Partenaire.objects.exclude(pk=caf.pk).order_by("pk").first())
    )
    enregistrer(
        [
            demande(s1, date_heure=le(2), partenaire=caf, duree=20, commune=None),
            demande(s1, date_heure=le(3), partenaire=cpam, duree=40),
            demande(s1, date_heure=le(4), partenaire=caf, origine=Origine.SYNTHETIQUE),
            demande(s2, date_heure=le(5), partenaire=caf),
            demande(ailleurs, date_heure=le(6), partenaire=caf),
            demande(s1, date_heure=le(7, mois=9), partenaire=caf),
        ]
    )
    lieu = LieuMediation.objects.create(identifiant="stat-vues", nom="Lieu du Cantal", departement=cantal)
    comptes = {
        "agent": personne(Role.AGENT, structure=s1),
        "responsable": personne(Role.RESPONSABLE, structure=s1),
        "animateur": personne(Role.ANIMATEUR, departement=cantal),
        "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=cantal),
        "national": personne(Role.EQUIPE_NATIONALE),
        "referent": personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal),
        "conseiller": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu),
        "sans_habilitation": UtilisateurFactory(),
    }
    return {
        "comptes": comptes,
        "s1": s1,
        "s2": s2,
        "ailleurs": ailleurs,
        "cantal": cantal,
        "charente": charente,
        "caf": caf,
    }


def client_de(utilisateur) -> Client:
    client = Client()
    connecter(client, utilisateur)
    return client


def portees(m):
    return {
        "s1": {"niveau": "structure", "id": m["s1"].pk},
        "s2": {"niveau": "structure", "id": m["s2"].pk},
        "ailleurs": {"niveau": "structure", "id": m["ailleurs"].pk},
        "cantal": {"niveau": "departement", "id": m["cantal"].pk},
        "charente": {"niveau": "departement", "id": m["charente"].pk},
        "region": {"niveau": "region", "id": m["cantal"].region_id},
        "national": {"niveau": "national"},
        "cantal_caf": {"niveau": "departement", "id": m["cantal"].pk, "partenaire": m["caf"].pk},
        "charente_caf": {"niveau": "departement", "id": m["charente"].pk, "partenaire": m["caf"].pk},
        "inexistante": {"niveau": "structure", "id": 999_999_999},
        "absurde": {"niveau": "galaxie", "id": "x"},
    }


# (rôle, portée) → statut attendu ; tout ce qui n'est pas listé : 404.
AUTORISE = {
    "agent": {"s1"},
    "responsable": {"s1"},
    "animateur": {"s1", "s2", "cantal"},
    "prefecture": {"s1", "s2", "cantal"},
    "national": {"s1", "s2", "ailleurs", "cantal", "charente", "region", "national"},
    "referent": {"cantal_caf"},
    "conseiller": set(),
    "sans_habilitation": set(),
}


@pytest.mark.parametrize("role", list(AUTORISE))
def test_matrice_des_permissions(monde, role):
    client = client_de(monde["comptes"][role])
    for nom, parametres in portees(monde).items():
        reponse = client.get(URL, {**parametres, **OCTOBRE})
        attendu = 200 if nom in AUTORISE[role] else 404
        assert reponse.status_code == attendu, (role, nom, reponse.status_code)
    # Sans paramètre : la première portée du périmètre (404 s'il n'y en a aucune).
    assert client.get(URL).status_code == (200 if AUTORISE[role] else 404)


def test_anonyme_renvoye_vers_la_connexion():
    reponse = Client().get(URL)
    assert reponse.status_code == 302 and "connexion" in reponse["Location"]


def test_agent_voit_sa_structure_et_pourquoi(monde):
    html = client_de(monde["comptes"]["agent"]).get(URL, OCTOBRE).content.decode()
    assert monde["s1"].nom in html
    assert "Vous voyez les statistiques de" in html and "parce que vous êtes agent" in html
    assert "data-total>3<" in html  # 2 saisies + 1 synthétique, octobre
    assert "Données de démonstration : 1 demande(s)" in html
    assert "Comment ce chiffre est calculé" in html and "SELECT valeur, SUM(nombre)" in html
    assert 'class="fs-courbe"' in html and 'class="fs-barre"' in html
    sans = client_de(monde["comptes"]["agent"]).get(URL, {**OCTOBRE, "synthetiques": "non"}).content.decode()
    assert "data-total>2<" in sans and "Données de démonstration exclues" in sans


def test_referent_ne_voit_que_son_partenaire(monde):
    p = portees(monde)["cantal_caf"]
    html = client_de(monde["comptes"]["referent"]).get(URL, {**p, **OCTOBRE}).content.decode()
    assert "data-total>3<" in html  # CAF dans le Cantal en octobre : s1 ×2 (dont synthétique) + s2
    assert "Par partenaire" not in html and "Par France services" in html


def test_etat_vide_et_periode_invalide(monde):
    client = client_de(monde["comptes"]["agent"])
    html = client.get(URL, {"du": "2025-01", "au": "2025-01"}).content.decode()
    assert "Aucune demande sur la période" in html
    html = client.get(URL, {"du": "2026-10", "au": "2026-02"}).content.decode()
    assert "Période invalide" in html and "précéder le mois de fin" in html
    html = client.get(URL, {"du": "n'importe", "au": "2026-02"}).content.decode()
    assert "AAAA-MM" in html


def test_selecteur_limite_au_perimetre(monde):
    html = client_de(monde["comptes"]["animateur"]).get(URL).content.decode()
    assert monde["s2"].nom in html and monde["ailleurs"].nom not in html


def test_export_csv(monde):
    client = client_de(monde["comptes"]["agent"])
    avant = EvenementAudit.objects.filter(evenement=Evenement.EXPORT).count()
    reponse = client.get(URL, {**OCTOBRE, "export": "csv", "tableau": "partenaire"})
    assert reponse.status_code == 200 and reponse["Content-Type"].startswith("text/csv")
    texte = reponse.content.decode("utf-8")
    assert texte.startswith("\ufeff")
    lignes = list(csv.reader(io.StringIO(texte.lstrip("\ufeff")), delimiter=";"))
    assert lignes[0][:2] == ["Partenaire", "Demandes"]
    assert sorted(int(li[1]) for li in lignes[1:]) == [1, 2]
    evenement = EvenementAudit.objects.filter(evenement=Evenement.EXPORT).order_by("-pk").first()
    assert EvenementAudit.objects.filter(evenement=Evenement.EXPORT).count() == avant + 1
    assert evenement.details["tableau"] == "partenaire" and evenement.details["format"] == "csv"
    assert evenement.acteur == monde["comptes"]["agent"]


def test_export_neutralise_les_formules(monde):
    client = client_de(monde["comptes"]["agent"])
    # Une démarche au libellé forgé (le catalogue est éditable) : neutralisée dans le CSV et le XLSX.
    from franceservices.activite.models import Demarche, Theme

    forgee = Demarche.objects.create(partenaire=monde["caf"], libelle="=1+1", theme=Theme.SOCIAL_SANTE)
    enregistrer([demande(monde["s1"], date_heure=le(9), partenaire=monde["caf"], demarche=forgee)])
    texte = client.get(URL, {**OCTOBRE, "export": "csv", "tableau": "demarche"}).content.decode()
    assert "'=1+1" in texte
    classeur = load_workbook(
        io.BytesIO(client.get(URL, {**OCTOBRE, "export": "xlsx", "tableau": "demarche"}).content)
    )
    valeurs = [c.value for rangee in classeur.active.iter_rows() for c in rangee]
    assert f"'=1+1 ({monde['caf'].nom_court})" in valeurs


def test_export_xlsx(monde):
    client = client_de(monde["comptes"]["animateur"])
    p = portees(monde)["cantal"]
    reponse = client.get(URL, {**p, **OCTOBRE, "export": "xlsx", "tableau": "repartition"})
    assert reponse.status_code == 200
    feuille = load_workbook(io.BytesIO(reponse.content)).active
    rangees = [[c.value for c in r] for r in feuille.iter_rows()]
    entete = rangees.index(
        [
            "France services",
            "Demandes",
            "Part (%)",
            "Durée totale (minutes)",
            "Période précédente",
            "Évolution (%)",
        ]
    )
    donnees = {r[0]: (r[1], r[4]) for r in rangees[entete + 1 :]}
    assert donnees == {monde["s1"].nom: (3, 1), monde["s2"].nom: (1, 0)}
    assert EvenementAudit.objects.filter(evenement=Evenement.EXPORT, details__format="xlsx").exists()


def test_export_inconnu_404(monde):
    client = client_de(monde["comptes"]["agent"])
    assert client.get(URL, {"export": "csv", "tableau": "inconnu"}).status_code == 404
    assert client.get(URL, {"export": "pdf", "tableau": "theme"}).status_code == 404
    # Hors périmètre : 404 avant tout export, rien n'est journalisé.
    avant = EvenementAudit.objects.count()
    p = portees(monde)["ailleurs"]
    assert client.get(URL, {**p, "export": "csv", "tableau": "theme"}).status_code == 404
    assert EvenementAudit.objects.count() == avant


@pytest.mark.parametrize(
    ("role", "portee", "maximum"),
    [("agent", "s1", 9), ("animateur", "cantal", 15), ("national", "national", 15)],
)
def test_nombre_de_requetes_borne(monde, django_assert_max_num_queries, role, portee, maximum):
    client = client_de(monde["comptes"][role])
    client.get(URL)  # sessions, caches
    with django_assert_max_num_queries(maximum):
        assert client.get(URL, {**portees(monde)[portee], "periode": "12mois"}).status_code == 200


def test_equipe_nationale_descend_jusqu_a_une_france_services(monde):
    client = client_de(monde["comptes"]["national"])
    html = client.get(URL, {**portees(monde)["cantal"], **OCTOBRE}).content.decode()
    lien = f"niveau=structure&amp;id={monde['s1'].pk}&amp;du=2026-10&amp;au=2026-10"
    assert lien in html
    html = client.get(URL, {**portees(monde)["s1"], **OCTOBRE}).content.decode()
    assert f'value="structure:{monde["s1"].pk}:" selected' in html
    assert html.count("<option") < 300  # pas les 2 700 France services dans le sélecteur
    assert client.get(URL, {"niveau": "structure", "id": "abc"}).status_code == 404
