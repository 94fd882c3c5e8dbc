"""Recherche publique : les lieux de médiation numérique proches s'affichent à côté des France services."""

import json
import re

import pytest
from django.urls import reverse

from franceservices.mediation.models import LieuMediation
from franceservices.territoires.models import Commune, Departement

pytestmark = pytest.mark.django_db


def creer_lieu(identifiant, lat, lon, **autres):
    laval = Commune.objects.par_code("53130")
    return LieuMediation.objects.create(
        identifiant=identifiant,
        nom=autres.pop("nom", f"Espace numérique {identifiant}"),
        commune=laval,
        departement=Departement.objects.get(code="53"),
        adresse="1 place du Marché",
        code_postal="53000",
        latitude=lat,
        longitude=lon,
        services="Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        horaires="Mo-Fr 09:00-12:00",
        telephone="+33243000000",
        site_web="https://exemple.fr/",
        **autres,
    )


@pytest.fixture
def lieux():
    return [
        creer_lieu("proche", 48.0705, -0.7700, nom="Médiathèque de Laval"),
        creer_lieu("voisin", 48.10, -0.80, nom="Cyber-base du voisinage"),
        creer_lieu("loin", 47.2, -1.55, nom="Lieu de Nantes"),
    ]


def test_lieux_proches_tries_et_bornes(lieux):
    proches = LieuMediation.objects.proches(48.0707, -0.7734, 15, 5)
    assert [lieu.identifiant for lieu, _ in proches] == ["proche", "voisin"]
    assert proches[0][1] < proches[1][1] < 15


def test_recherche_montre_les_lieux_de_mediation(client, lieux, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        reponse = client.get(reverse("structures:recherche"), {"q": "Laval", "commune": "53130"})
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert "2 lieux de médiation numérique à moins de 15 km" in html
    assert "M1. Médiathèque de Laval" in html and "M2. Cyber-base du voisinage" in html
    assert "Lieu de Nantes" not in html
    assert "Légende" in html and "mediation=non" in html
    carte = json.loads(re.search(r'id="donnees-carte"[^>]*>(.*?)</script>', html, re.S).group(1))
    mediation = [lieu for lieu in carte["lieux"] if lieu.get("type") == "mediation"]
    assert [lieu["rang"] for lieu in mediation] == ["M1", "M2"]
    assert len(carte["lieux"]) == len(mediation) + len(reponse.context["resultats"])


def test_lieux_desactivables(client, lieux):
    reponse = client.get(
        reverse("structures:recherche"), {"q": "Laval", "commune": "53130", "mediation": "non"}
    )
    html = reponse.content.decode()
    assert "Médiathèque de Laval" not in html and "Légende" not in html
    assert "Afficher aussi les lieux de médiation numérique" in html and "mediation=oui" in html
    carte = reponse.context["carte"]
    assert all(lieu.get("type") != "mediation" for lieu in carte["lieux"])


def test_aucun_lieu_proche_explique(client):
    reponse = client.get(reverse("structures:recherche"), {"q": "Laval", "commune": "53130"})
    assert "Aucun lieu de médiation numérique connu à moins de 15 km" in reponse.content.decode()


def test_accueil_annonce_les_lieux_de_mediation(client):
    assert (
        "lieux de médiation numérique proches" in client.get(reverse("structures:accueil")).content.decode()
    )
