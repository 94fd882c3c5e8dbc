"""Audit axe-core (livré par axe-playwright-python, exécuté dans la page) : aucune violation grave ou critique."""

import re

import pytest
from playwright.sync_api import expect

# django_db : pytest-django ne crée la base de test (où le référentiel est importé) que si un test la demande.
pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

IMPACTS_BLOQUANTS = {"serious", "critical"}
# Normes vérifiées : WCAG 2.0 à 2.2, niveaux A et AA (socle du RGAA), et bonnes pratiques d'axe.
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}


def auditer(page, axe) -> list[str]:
    page.wait_for_load_state("load")
    violations = axe.run(page, options=OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}) : {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
        if v["impact"] in IMPACTS_BLOQUANTS
    ]


def test_accueil(page, axe):
    page.goto("/")
    assert auditer(page, axe) == []


def test_accueil_suggestions_ouvertes(page, axe):
    page.goto("/")
    page.locator("#id_q").press_sequentially("st etien", delay=30)
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    assert auditer(page, axe) == []


def test_resultats(page, axe):
    page.goto("/recherche/?q=Laval&commune=53130")
    expect(page.locator("#carte .leaflet-overlay-pane path").first).to_be_attached()
    assert auditer(page, axe) == []


def test_resultats_filtres(page, axe):
    page.goto("/recherche/?q=Laval&commune=53130&jour=2030-01-08&heure=10%3A00")
    expect(page.get_by_role("heading", level=2, name=re.compile("ouverts? le"))).to_be_visible()
    assert auditer(page, axe) == []


def test_fiche(page, axe):
    page.goto("/recherche/?q=Laval&commune=53130")
    page.locator("ol.fs-resultats > li h3 a").first.click()
    expect(page.locator("#carte .leaflet-overlay-pane path")).to_have_count(1)
    assert auditer(page, axe) == []


@pytest.mark.parametrize(
    "requete",
    ["q=zzzzzz", "q=", "q=Laval&jour=&heure=10%3A00"],
    ids=["commune-inconnue", "champ-vide", "heure-sans-jour"],
)
def test_erreur_de_recherche(page, axe, requete):
    page.goto(f"/recherche/?{requete}")
    expect(page.locator(".fr-error-text").first).to_be_visible()
    # L'erreur est reliée au champ (lue par les lecteurs d'écran avec lui).
    champ_en_erreur = page.locator(".fr-input-group--error input").first
    id_erreur = page.locator(".fr-input-group--error .fr-error-text").first.get_attribute("id")
    assert id_erreur and id_erreur in (champ_en_erreur.get_attribute("aria-describedby") or "").split()
    assert auditer(page, axe) == []


def test_documentation_api(page, axe):
    page.goto("/api/v1/docs/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("API France services")
    assert auditer(page, axe) == []


def test_page_introuvable(page, axe, journal):
    reponse = page.goto("/france-services/n-existe-pas/")
    assert reponse.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert auditer(page, axe) == []
    # Seule erreur attendue : le 404 du document lui-même, que Chromium signale dans la console.
    attendues = [e for e in journal.erreurs if "404" in e and "n-existe-pas" in e]
    assert len(attendues) == 1
    journal.erreurs.remove(attendues[0])


@pytest.mark.parametrize("url", ["/accessibilite/", "/mentions-legales/"])
def test_pages_d_information(page, axe, url):
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert auditer(page, axe) == []
