"""Page de documentation de l'API : servie par l'application (aucun CDN), tirée du schéma OpenAPI."""

import re

import pytest
from playwright.sync_api import expect

# django_db : pytest-django ne crée la base de test (où le référentiel est importé) que si un test la demande.
pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def schema():
    from config.api import api

    return api.get_openapi_schema(path_prefix="/api/v1")


def test_depuis_le_pied_de_page(page):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="API publique").click()
    expect(page).to_have_url(re.compile(r"/api/v1/docs/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("API France services")


def test_ancienne_adresse_redirigee(page):
    reponse = page.goto("/api/v1/docs")
    assert reponse.url.endswith("/api/v1/docs/")
    assert reponse.request.redirected_from is not None
    expect(page.get_by_role("heading", level=1)).to_contain_text("API France services")


def test_chaque_operation_documentee_avec_un_exemple_qui_repond(page, schema):
    page.goto("/api/v1/docs/")
    operations = [(chemin, op) for chemin, methodes in schema["paths"].items() for op in methodes.values()]
    sommaire = page.get_by_role("navigation", name="Sommaire")
    expect(sommaire.get_by_role("link")).to_have_count(len(operations) + 1)  # + schémas des réponses

    for chemin, op in operations:
        titre = page.get_by_role("heading", level=2, name=op["summary"], exact=True)
        expect(titre).to_be_visible()
        section = page.locator("section", has=titre)
        expect(section.locator("p code").first).to_have_text(chemin)
        for parametre in op.get("parameters", []):
            tableau = section.get_by_role("table")
            expect(tableau.get_by_role("rowheader", name=parametre["name"], exact=True)).to_be_visible()
        if op.get("security"):
            # Route privée : l'exemple porte l'en-tête du jeton ; sans jeton, 401 en JSON.
            expect(section.locator("pre code")).to_contain_text('-H "Authorization: Bearer <votre jeton>"')
            expect(section.get_by_text("jeton d'API", exact=True)).to_be_visible()
            reponse = page.request.get(chemin.replace("{id}", "1"))
            assert reponse.status == 401, (chemin, reponse.text())
            assert reponse.json()["message"]
            continue
        # L'exemple affiché (curl) est le lien « Voir la réponse », et il répond 200 en JSON.
        lien = section.get_by_role("link", name=re.compile("^Voir la réponse à cet exemple"))
        cible = lien.get_attribute("href")
        expect(section.locator("pre code")).to_have_text(
            re.compile(rf'^curl "http://127\.0\.0\.1:\d+{re.escape(cible)}"$')
        )
        reponse = page.request.get(cible)
        assert reponse.status == 200, (cible, reponse.text())
        assert reponse.headers["content-type"].startswith("application/json")

    # Le sommaire mène aux sections (ancres) ; les types renvoient aux schémas des réponses.
    sommaire.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"#\w+$"))
    lien_schema = page.locator("a[href^='#schema-']").first
    nom = lien_schema.inner_text()
    lien_schema.click()
    expect(page.get_by_role("heading", level=3, name=nom, exact=True)).to_be_in_viewport()


def test_schema_openapi_telechargeable(page, schema):
    page.goto("/api/v1/docs/")
    lien = page.get_by_role("link", name=re.compile("schéma OpenAPI"))
    reponse = page.request.get(lien.get_attribute("href"))
    assert reponse.ok
    assert reponse.json()["paths"].keys() == schema["paths"].keys()
