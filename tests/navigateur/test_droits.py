"""Parcours de l'estimation des droits dans Chromium : un agent remplit le questionnaire avec l'usager, une
erreur de saisie (salaire négatif) est signalée clairement, puis l'estimation s'affiche (prime d'activité,
partenaire, lien en ligne, avertissement). Audit axe de chaque page. Le simulateur est lancé pour la session
(`tests/droits/outils.py` : échec explicite si son environnement n'est pas installé)."""

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee
from tests.droits.outils import simulateur, simulateur_url  # noqa: F401

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def agent(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.order_by("id_fs").first()
        yield session_connectee(
            personne(Role.AGENT, structure=structure, email="agent@navigateur-droits.example")
        )


def test_agent_estime_les_droits_d_un_usager(page, contexte, serveur, agent, axe, simulateur):  # noqa: F811
    contexte.clear_cookies()
    contexte.add_cookies([{**agent, "url": serveur.url}])
    page.goto("/droits/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Estimation des droits")
    assert auditer(page, axe) == []

    page.fill("#id_age", "30")
    page.fill("#id_salaire_brut", "-1800")
    page.select_option("#id_logement", "locataire_vide")
    page.fill("#id_loyer", "450")
    page.get_by_role("button", name="Estimer les droits").click()
    expect(page.locator("#id_salaire_brut_error")).to_have_text("Un montant ne peut pas être négatif.")
    expect(page.locator("#id_loyer")).to_have_value("450")
    assert auditer(page, axe) == []

    page.fill("#id_salaire_brut", "1801,80")
    page.get_by_role("button", name="Estimer les droits").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("résultat", timeout=60_000)
    expect(page.locator("[data-avertissement]")).to_contain_text("Estimation, pas une décision")
    ligne = page.locator("tr[data-aide=ppa]")
    expect(ligne).to_contain_text("Prime d'activité")
    expect(ligne.get_by_role("link", name="Démarche en ligne : Prime d'activité")).to_be_visible()
    expect(page.locator("[data-non-enregistree]")).to_have_text("Rien n'a été enregistré.")
    assert auditer(page, axe) == []
