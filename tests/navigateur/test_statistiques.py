"""Un agent consulte le tableau de bord de sa France services dans Chromium : change la période, ouvre
l'explication d'un chiffre, exporte un tableau ; audit axe du tableau de bord et de la page des données
ouvertes (publique).

Comptes, demandes et agrégats sont validés en base pour le module puis effacés (tests/core/validees.py).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from franceservices.activite.actions import enregistrer
from franceservices.activite.models import Origine, Theme
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Structure
from tests.activite.fabriques import demande
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

DOMAINE = "navigateur-statistiques.example"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def agent(django_db_setup, django_db_blocker):
    """Un agent d'une France services de Charente : 3 demandes en septembre 2026, 5 en octobre (dont une
    synthétique)."""
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="16").order_by("pk").first()
        agent = personne(Role.AGENT, structure=structure, email=f"agent@{DOMAINE}")
        lot = [
            demande(structure, agent, date_heure=datetime(2026, 9, j, 10, tzinfo=PARIS)) for j in (1, 2, 3)
        ]
        lot += [
            demande(
                structure, agent, date_heure=datetime(2026, 10, j, 10, tzinfo=PARIS), theme=Theme.LOGEMENT
            )
            for j in (5, 6, 7, 8)
        ]
        lot.append(
            demande(
                structure,
                agent,
                date_heure=datetime(2026, 10, 9, 10, tzinfo=PARIS),
                origine=Origine.SYNTHETIQUE,
            )
        )
        enregistrer(lot)
        yield {"structure": structure, "session": session_connectee(agent), "bloqueur": django_db_blocker}


def test_agent_consulte_change_la_periode_explique_et_exporte(page, contexte, serveur, agent, axe):
    contexte.add_cookies([{**agent["session"], "url": serveur.url}])
    structure = agent["structure"]
    page.goto("/statistiques/?du=2026-09&au=2026-10")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques d'activité")
    expect(page.locator("[data-perimetre]")).to_contain_text(
        f"Vous voyez les statistiques de {structure.nom}"
    )
    expect(page.locator("[data-perimetre]")).to_contain_text("parce que vous êtes agent")
    expect(page.locator("[data-total]")).to_have_text("8")
    expect(page.locator("[data-synthetiques]")).to_contain_text("Données de démonstration")
    assert auditer(page, axe) == []

    # Changer la période : octobre seul → tendance par jour, comparée à septembre.
    page.get_by_label("Du mois").fill("2026-10")
    page.get_by_label("Au mois (inclus)").fill("2026-10")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"du=2026-10.*au=2026-10"))
    expect(page.locator("[data-total]")).to_have_text("5")
    expect(page.get_by_role("heading", name="Évolution par jour")).to_be_visible()
    # Exclure les données de démonstration.
    page.get_by_role("link", name="Les exclure").click()
    expect(page.locator("[data-total]")).to_have_text("4")
    assert auditer(page, axe) == []

    # Ouvrir l'explication d'un chiffre (sans JavaScript : <details>).
    section = page.locator("#tableau-theme")
    explication = section.locator("details")
    expect(explication.get_by_text("Requête équivalente")).to_be_hidden()
    explication.get_by_text("Comment ce chiffre est calculé").click()
    expect(explication.get_by_text("Requête équivalente")).to_be_visible()
    expect(explication).to_contain_text("dimension « theme »")
    expect(explication).to_contain_text("demandes synthétiques (démonstration) exclues")
    expect(section.locator("table caption")).to_contain_text("Thème")
    expect(section.get_by_role("row").filter(has_text="Logement")).to_contain_text("4")
    assert auditer(page, axe) == []

    # Exporter ce tableau (CSV), journalisé.
    with page.expect_download() as telechargement:
        section.get_by_role("link", name=re.compile("CSV")).click()
    lignes = telechargement.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lignes[0].startswith("Thème;Demandes")
    assert any(ligne.startswith("Logement;4;") for ligne in lignes)
    with agent["bloqueur"].unblock():
        export = EvenementAudit.objects.filter(evenement=Evenement.EXPORT, acteur_email=f"agent@{DOMAINE}")
        assert export.get().details["tableau"] == "theme"


def test_donnees_ouvertes_publiques(page, axe):
    page.goto("/donnees-ouvertes/activite/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Données ouvertes")
    expect(page.get_by_role("link", name="Télécharger le fichier CSV")).to_be_visible()
    assert auditer(page, axe) == []
