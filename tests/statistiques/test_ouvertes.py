"""Données ouvertes : secret statistique (primaire et secondaire), API publique, page et CSV sans compte."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from franceservices.activite.actions import enregistrer
from franceservices.activite.models import Origine
from franceservices.partenaires.models import Partenaire
from franceservices.statistiques.ouvertes import appliquer_secret
from franceservices.structures.models import Structure
from tests.activite.fabriques import demande

PARIS = ZoneInfo("Europe/Paris")
API = "/api/v1/activite/mensuelle"


@override_settings(SEUIL_SECRET_STATISTIQUE=10)
def test_secret_primaire_et_secondaire():
    # Aucune case sous le seuil : tout est publié.
    assert appliquer_secret({"a": 12, "b": 30}, 42) == ({"a": 12, "b": 30}, 42)
    # Une seule case sous le seuil : la plus petite des autres est masquée aussi (secret secondaire).
    assert appliquer_secret({"a": 3, "b": 30, "c": 15}, 48) == ({"a": None, "b": 30, "c": None}, 48)
    # Deux cases sous le seuil : pas besoin de secret secondaire.
    assert appliquer_secret({"a": 3, "b": 4, "c": 15}, 22) == ({"a": None, "b": None, "c": 15}, 22)
    # Total sous le seuil : masqué, et toutes ses cases aussi.
    assert appliquer_secret({"a": 3, "b": 4}, 7) == ({"a": None, "b": None}, None)
    # Une seule case, au-dessus du seuil : rien à masquer.
    assert appliquer_secret({"a": 10}, 10) == ({"a": 10}, 10)


@override_settings(SEUIL_SECRET_STATISTIQUE=5)
def test_le_seuil_vient_des_reglages():
    assert appliquer_secret({"a": 5, "b": 4, "c": 6}, 15) == ({"a": None, "b": None, "c": 6}, 15)


def le(jour, mois=10):
    return datetime(2026, mois, jour, 9, tzinfo=PARIS)


@pytest.fixture
def activite():
    """Structure A, octobre : 12 CAF, 3 autres (partenaire local), 20 d'un second partenaire, 50 synthétiques
    CAF. Structure B (autre département), octobre : 11 CAF. Structure A, septembre : 2 CAF."""
    a, b = (
        Structure.objects.filter(departement__code="16").order_by("pk").first(),
        Structure.objects.filter(departement__code="23").order_by("pk").first(),
    )
    caf = Partenaire.objects.get(code="cnaf")
    autre = Partenaire.objects.exclude(pk=caf.pk).order_by("pk").first()
    lot = [demande(a, date_heure=le(2), partenaire=caf) for _ in range(12)]
    lot += [demande(a, date_heure=le(3), partenaire=None, partenaire_autre="Mairie") for _ in range(3)]
    lot += [demande(a, date_heure=le(4), partenaire=autre) for _ in range(20)]
    lot += [demande(a, date_heure=le(5), partenaire=caf, origine=Origine.SYNTHETIQUE) for _ in range(50)]
    lot += [demande(b, date_heure=le(6), partenaire=caf) for _ in range(11)]
    lot += [demande(a, date_heure=le(7, mois=9), partenaire=caf) for _ in range(2)]
    enregistrer(lot)
    return {"a": a, "b": b, "caf": caf, "autre": autre}


@pytest.mark.django_db
def test_api_publique_avec_secret(activite):
    a = activite["a"]
    reponse = Client().get(API, {"structure": a.id_fs, "mois": "2026-10"})
    assert reponse.status_code == 200
    corps = reponse.json()
    assert corps["total"] == 1 and corps["seuil_secret"] == 10
    ligne = corps["resultats"][0]
    assert ligne["mois"] == "2026-10" and ligne["departement"] == "16"
    assert ligne["total"] == 35  # synthétiques exclues
    cases = {c["partenaire"]: (c["nombre"], c["secret"]) for c in ligne["partenaires"]}
    # « autre » (3) sous le seuil → masqué ; la plus petite autre case (CAF, 12) masquée aussi.
    assert cases == {
        activite["autre"].code: (20, False),
        "cnaf": (None, True),
        "autre": (None, True),
    }


@pytest.mark.django_db
def test_api_synthetiques_sur_demande_et_filtres(activite):
    a = activite["a"]
    ligne = Client().get(API, {"structure": a.id_fs, "mois": "2026-10", "synthetiques": "true"}).json()
    assert ligne["resultats"][0]["total"] == 85
    deps = Client().get(API, {"departement": "23"}).json()
    assert [r["id_fs"] for r in deps["resultats"]] == [activite["b"].id_fs]
    assert deps["resultats"][0]["partenaires"] == [
        {"partenaire": "cnaf", "libelle": activite["caf"].nom_court, "nombre": 11, "secret": False}
    ]
    septembre = Client().get(API, {"mois": "2026-09"}).json()["resultats"]
    assert septembre[0]["total"] is None and septembre[0]["total_secret"] is True
    tout = Client().get(API).json()
    assert tout["total"] == 3 and tout["pages"] == 1
    assert Client().get(API, {"page": 5}).json()["resultats"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parametres", "champ"),
    [
        ({"mois": "2026-13"}, "mois"),
        ({"mois": "octobre"}, "mois"),
        ({"page": 0}, "page"),
        ({"departement": "12345"}, "departement"),
        ({"synthetiques": "peut-être"}, "synthetiques"),
    ],
)
def test_api_erreurs_422_en_francais(parametres, champ):
    reponse = Client().get(API, parametres)
    assert reponse.status_code == 422
    corps = reponse.json()
    assert corps["message"].startswith("Paramètres invalides")
    assert corps["erreurs"][0]["champ"] == champ


@pytest.mark.django_db
def test_page_publique_et_csv(activite):
    client = Client()
    page = client.get(reverse("statistiques:donnees_ouvertes"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Licence Ouverte" in html and "secret secondaire" in html and "moins de 10 demandes" in html
    reponse = client.get(reverse("statistiques:donnees_ouvertes_csv"))
    assert reponse.status_code == 200
    texte = b"".join(reponse.streaming_content).decode("utf-8")
    assert texte.startswith("\ufeff")
    lignes = list(csv.DictReader(io.StringIO(texte.lstrip("\ufeff")), delimiter=";"))
    a = [li for li in lignes if li["id_fs"] == activite["a"].id_fs and li["mois"] == "2026-10"]
    publie = {li["partenaire"]: (li["demandes"], li["secret"]) for li in a}
    assert publie == {
        "total": ("35", "0"),
        activite["autre"].code: ("20", "0"),
        "cnaf": ("", "1"),
        "autre": ("", "1"),
    }
    # Aucune valeur sous le seuil ne fuit.
    assert all(li["demandes"] == "" or int(li["demandes"]) >= 10 for li in lignes)
