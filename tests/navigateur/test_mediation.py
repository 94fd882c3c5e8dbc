"""Parcours : un usager cherche sa commune et voit, à côté des France services, les lieux de médiation
numérique proches (liste, marqueurs distincts sur la carte, légende), puis les masque et les réaffiche.
Audit axe de la page. Les lieux sont validés en base pour le module (le serveur lit ses propres connexions)."""

import re

import pytest
from playwright.sync_api import expect

from franceservices.mediation.models import LieuMediation
from franceservices.territoires.models import Commune, Departement
from tests.core.validees import donnees_validees

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module", autouse=True)
def lieux(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        laval = Commune.objects.par_code("53130")
        mayenne = Departement.objects.get(code="53")
        crees = [
            LieuMediation.objects.create(
                identifiant=f"navigateur:{i}",
                nom=nom,
                commune=laval,
                departement=mayenne,
                adresse="1 place du Marché",
                code_postal="53000",
                latitude=lat,
                longitude=lon,
                services="Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
                horaires="Mo-Fr 09:00-12:00",
                telephone="+33243000000",
            )
            for i, (nom, lat, lon) in enumerate(
                [("Médiathèque de Laval", 48.0705, -0.7700), ("Cyber-base du voisinage", 48.10, -0.80)]
            )
        ]
        try:
            yield crees
        finally:
            LieuMediation.objects.filter(pk__in=[lieu.pk for lieu in crees]).delete()


def test_recherche_commune_puis_lieux_de_mediation(page, axe):
    page.goto("/")
    champ = page.get_by_role("combobox", name=re.compile("Votre commune"))
    champ.fill("Laval")
    champ.press("Enter")
    expect(page).to_have_url(re.compile(r"/recherche/\?q=Laval"))

    titre = page.get_by_role("heading", name=re.compile(r"^2 lieux de médiation numérique à moins de 15 km$"))
    expect(titre).to_be_visible()
    expect(page.get_by_role("heading", name="M1. Médiathèque de Laval")).to_be_visible()
    expect(page.get_by_role("heading", name="M2. Cyber-base du voisinage")).to_be_visible()
    # Marqueurs distincts sur la carte, et légende.
    expect(page.locator("#carte .fs-marqueur--mediation")).to_have_count(2)
    expect(page.locator("#carte .fs-marqueur--mediation").first).to_have_text("M1")
    expect(page.locator("#legende-carte")).to_contain_text("lieu de médiation numérique")
    assert auditer(page, axe) == []

    page.get_by_role("link", name="Masquer les lieux de médiation numérique").click()
    expect(page.get_by_role("heading", name="M1. Médiathèque de Laval")).to_have_count(0)
    expect(page.locator("#carte .fs-marqueur--mediation")).to_have_count(0)
    expect(page.locator("#carte .fs-marqueur").first).to_be_visible()

    page.get_by_role("link", name=re.compile("Afficher aussi les lieux de médiation numérique")).click()
    expect(page.get_by_role("heading", name="M1. Médiathèque de Laval")).to_be_visible()
