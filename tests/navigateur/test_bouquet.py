"""Parcours d'un agent dans la base de connaissances (Chromium) : le catalogue et la page d'un partenaire, une
recherche tapée avec une faute dont les résultats arrivent à la frappe (htmx), la fiche trouvée, puis la
saisie d'une demande qui reprend cette fiche. Audit axe de chaque page.

Les fiches d'exemple (`charger_fiches_exemple`), le compte et la session sont validés en base pour le module
(tests/core/validees.py), puis effacés : les fiches ici, le reste par `donnees_validees`.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from franceservices.bouquet.models import Fiche
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def agent(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        depuis = Fiche.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        redactrice = personne(Role.EQUIPE_NATIONALE, email="redactrice@navigateur-bouquet.example")
        call_command("charger_fiches_exemple", responsable=redactrice.email, stdout=io.StringIO())
        agent = personne(Role.AGENT, structure=structure, email="agent@navigateur-bouquet.example")
        try:
            yield {
                "cookie": session_connectee(agent),
                "structure": structure,
                "redactrice": session_connectee(redactrice),
            }
        finally:
            Fiche.objects.filter(pk__gt=depuis).delete()


def test_agent_trouve_une_fiche_et_saisit_la_demande(page, contexte, serveur, agent, axe):
    contexte.add_cookies([{**agent["cookie"], "url": serveur.url}])

    # Le catalogue : les partenaires proposés dans sa France services (pas la Banque de France, pilote).
    page.goto("/bouquet/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#contenu")).to_contain_text("Caf")
    expect(page.locator("#contenu")).not_to_contain_text("Banque de France")
    assert auditer(page, axe) == []
    page.goto("/bouquet/partenaires/ants/")
    expect(page.locator("#contenu")).to_contain_text("Permis de conduire")
    assert auditer(page, axe) == []

    # La recherche, tapée avec une faute (« indentité ») : les résultats arrivent sans recharger la page.
    page.goto("/bouquet/fiches/")
    assert auditer(page, axe) == []
    champ = page.locator("input[name=q]")
    champ.click()
    champ.press_sequentially("perte carte indentité", delay=20)
    premier = page.locator("#resultats h2 a").first
    expect(premier).to_contain_text("Carte d'identité ou passeport perdu", timeout=10_000)
    assert "q=perte" in page.url  # l'adresse suit la recherche (hx-push-url) : partageable, retour possible
    assert auditer(page, axe) == []

    # La fiche, puis la saisie d'une demande qui la reprend.
    premier.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carte d'identité ou passeport perdu")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Saisir une demande avec cette fiche").click()
    expect(page.locator("[data-fiche-consultee]")).to_contain_text("Carte d'identité ou passeport perdu")
    assert auditer(page, axe) == []


def test_pages_de_redaction_et_chiffres_accessibles(page, contexte, serveur, agent, axe):
    """Les pages de l'équipe nationale : rédiger et modifier une fiche, ses versions et leur différence,
    modifier une démarche du catalogue, les pilotes et les chiffres des escalades. Audit axe de chacune."""
    contexte.add_cookies([{**agent["redactrice"], "url": serveur.url}])
    page.goto("/bouquet/fiches/nouvelle/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert auditer(page, axe) == []

    # Une fiche d'exemple modifiée : deux versions, puis leur différence.
    page.goto("/bouquet/fiches/?q=carte+grise")
    page.locator("#resultats h2 a").first.click()
    fiche = page.url.rstrip("/").split("/")[-1]
    page.goto(f"/bouquet/fiches/{fiche}/modifier/")
    assert auditer(page, axe) == []
    page.fill(
        "#id_resume", "Changer l'adresse ou le titulaire d'une carte grise, en ligne sur le site de l'ANTS."
    )
    page.fill("#id_motif", "Relecture du résumé")
    page.locator("form").get_by_role("button", name=re.compile("Enregistrer")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carte grise")
    page.goto(f"/bouquet/fiches/{fiche}/versions/")
    expect(page.locator("#contenu")).to_contain_text("Relecture du résumé")
    assert auditer(page, axe) == []
    page.goto(f"/bouquet/fiches/{fiche}/difference/")
    assert auditer(page, axe) == []

    page.goto("/bouquet/partenaires/cnaf/")
    page.get_by_role("link", name=re.compile("^Modifier")).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert auditer(page, axe) == []

    for adresse in ("/partenaires/pilotes/", "/statistiques/escalades/"):
        page.goto(adresse)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert auditer(page, axe) == []
