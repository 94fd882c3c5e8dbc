"""L'équipe nationale consulte et filtre le journal d'audit dans Chromium ; audit axe de la page.

Le compte, sa session et les événements sont validés en base pour le module (le serveur des parcours ne
voit pas la transaction du test sur PostgreSQL), puis effacés : voir tests/core/validees.py.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from tests.comptes.factories import personne
from tests.core.conftest import evenement_le
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

DOMAINE = "navigateur-journal.example"
ECHECS = 55  # plus d'une page (50 par page)


@pytest.fixture(scope="module")
def equipe_nationale(django_db_setup, django_db_blocker):
    """Une personne de l'équipe nationale connectée (cookie de session) et un journal à filtrer."""
    with django_db_blocker.unblock(), donnees_validees():
        nationale = personne(Role.EQUIPE_NATIONALE, email=f"nationale@{DOMAINE}")
        debut = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
        for i in range(ECHECS):
            evenement_le(
                debut + timedelta(minutes=i),
                evenement=Evenement.CONNEXION_ECHEC,
                acteur_email=f"essai{i}@{DOMAINE}",
                adresse_ip="198.51.100.7",
            )
        evenement_le(
            debut + timedelta(days=40),
            evenement=Evenement.HABILITATION_ACCORDEE,
            acteur=nationale,
            acteur_email=nationale.email,
            cible_type="comptes.Utilisateur",
            cible_id="1",
            cible_libelle="Camille Exemple",
            details={"role": "animateur"},
        )
        yield session_connectee(nationale)


@pytest.fixture
def page_nationale(page, contexte, serveur, equipe_nationale):
    contexte.add_cookies([{**equipe_nationale, "url": serveur.url}])
    return page


def test_filtrer_paginer_et_exporter(page_nationale, axe):
    page = page_nationale
    page.goto("/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Journal d'audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal d'audit")
    assert auditer(page, axe) == []

    # Filtrer : échecs de connexion d'un domaine, sur une période.
    page.locator("#id_evenement").select_option(label="Échec de connexion")
    page.locator("#id_acteur").fill(DOMAINE)
    page.locator("#id_du").fill("2026-02-01")
    page.locator("#id_au").fill("2026-02-28")
    page.get_by_role("button", name="Filtrer").click()

    expect(page).to_have_url(re.compile(r"evenement=connexion_echec"))
    tableau = page.locator("#table-journal table")
    expect(tableau.locator("caption")).to_have_text(
        f"Événements correspondant aux filtres : {ECHECS}, page 1 sur 2"
    )
    expect(tableau.locator("tbody tr")).to_have_count(50)
    # Le plus récent d'abord, à l'heure de Paris (UTC+1 en février).
    expect(tableau.locator("tbody tr").first).to_contain_text("02/02/2026 09:54:00")
    expect(tableau.locator("tbody tr").first).to_contain_text(f"essai{ECHECS - 1}@{DOMAINE}")
    assert auditer(page, axe) == []

    # Page suivante : les filtres sont conservés.
    page.get_by_role("link", name="Page suivante").click()
    expect(page).to_have_url(re.compile(r"evenement=connexion_echec.*page=2"))
    expect(tableau.locator("tbody tr")).to_have_count(ECHECS - 50)
    expect(page.locator("#id_acteur")).to_have_value(DOMAINE)

    # Export CSV des événements filtrés, lui-même journalisé.
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile("Exporter ces événements")).click()
    contenu = telechargement.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(contenu) == 1 + ECHECS
    export = EvenementAudit.objects.filter(evenement=Evenement.EXPORT, acteur_email=f"nationale@{DOMAINE}")
    assert export.get().details["lignes"] == ECHECS


def test_dates_incoherentes_signalees(page_nationale, axe):
    page = page_nationale
    page.goto("/journal/")
    page.locator("#id_du").fill("2026-03-12")
    page.locator("#id_au").fill("2026-03-01")
    page.get_by_role("button", name="Filtrer").click()

    erreur = page.locator("#id_au_error")
    expect(erreur).to_have_text("La date de fin doit être postérieure ou égale à la date de début.")
    expect(page.locator("#id_au")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Certains filtres sont invalides")
    assert auditer(page, axe) == []


def test_aucun_resultat(page_nationale, axe):
    page = page_nationale
    page.goto("/journal/?acteur=personne-de-tel")
    expect(page.get_by_role("heading", name="Aucun événement")).to_be_visible()
    assert auditer(page, axe) == []
