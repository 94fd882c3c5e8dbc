"""Parcours de la couverture du territoire dans Chromium : une animatrice ouvre la couverture nationale
(carte SVG et tableaux), change de seuil, trie, ouvre son département (communes les plus éloignées), lance
un placement de 3 points d'accès et voit les propositions sur la carte et dans le tableau ; une saisie
invalide affiche un message clair. Audit axe de chaque page.

Le calcul de couverture est fait (et validé en base) une fois par session (tests/couverture/outils.py) ;
le compte de l'animatrice est validé pour le module (tests/core/validees.py).
"""

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee
from tests.couverture.outils import couverture_calculee  # noqa: F401

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def animatrice(django_db_setup, django_db_blocker, couverture_calculee):  # noqa: F811
    with django_db_blocker.unblock(), donnees_validees():
        lozere = Departement.objects.get(code="48")
        utilisateur = personne(
            Role.ANIMATEUR, departement=lozere, email="animatrice@navigateur-couverture.example"
        )
        yield {"cookie": session_connectee(utilisateur), "departement": lozere}


def test_animatrice_couverture_departement_et_placement(page, contexte, serveur, animatrice, axe):
    contexte.clear_cookies()
    contexte.add_cookies([{**animatrice["cookie"], "url": serveur.url}])

    page.goto("/couverture/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Couverture du territoire")
    expect(page.locator("svg[data-carte=nationale] path[data-departement]")).to_have_count(101)
    expect(page.locator("[data-national]")).to_contain_text("à 20 km ou moins")
    assert auditer(page, axe) == []

    page.get_by_label("Seuil de distance").select_option("10")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("[data-national]")).to_contain_text("à 10 km ou moins")
    page.get_by_role("link", name="Part à ≤ 10 km").click()
    expect(page.locator("#table-departements th[aria-sort=ascending]")).to_have_text("Part à ≤ 10 km")

    page.get_by_role("link", name="Lozère", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Couverture — Lozère (48)")
    expect(page.locator("#table-communes tbody tr").first).to_be_visible()
    assert auditer(page, axe) == []

    page.get_by_role("link", name="Où ouvrir de nouveaux points d'accès ?").click()
    page.get_by_label("Nombre de nouveaux points d'accès").fill("0")
    page.get_by_role("button", name="Proposer des emplacements").click()
    expect(page.locator("[data-erreurs]")).to_be_visible()
    expect(page.locator("#id_k_error")).to_have_text("Proposez au moins un point d'accès.")
    assert auditer(page, axe) == []

    page.get_by_label("Nombre de nouveaux points d'accès").fill("3")
    page.get_by_role("button", name="Proposer des emplacements").click()
    expect(page.locator("#table-propositions tbody tr")).to_have_count(3)
    expect(page.locator("svg[data-carte=departement] [data-proposition-carte]")).to_have_count(3)
    expect(page.locator("[data-resume]")).to_contain_text("habitants rapprochés")
    assert auditer(page, axe) == []
