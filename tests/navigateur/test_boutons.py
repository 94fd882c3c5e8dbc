"""Boutons à icône et libellé dans un groupe de boutons : le DSFR les réduirait à un carré (libellé masqué) ;
ui/franceservices.css garde le libellé visible. Mesuré dans Chromium avec les feuilles de style du site."""

import pytest

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

GROUPES = """
<ul class="fr-btns-group fr-btns-group--inline-md" data-essai>
  <li><a class="fr-btn fr-btn--icon-left fr-icon-add-line" href="#">Enregistrer une demande de rappel</a></li>
</ul>
<ul class="fr-btns-group fr-btns-group--inline fr-btns-group--sm" data-essai>
  <li><a class="fr-btn fr-btn--sm fr-btn--secondary fr-icon-add-line fr-btn--icon-left" href="#">Prendre un rendez-vous</a></li>
  <li><a class="fr-btn fr-btn--sm fr-btn--tertiary fr-icon-arrow-right-s-line fr-btn--icon-right" href="#">Semaine suivante</a></li>
</ul>
"""


def test_libelle_des_boutons_a_icone_visible(page):
    page.goto("/aide/")
    page.locator("main").evaluate("(main, html) => main.insertAdjacentHTML('beforeend', html)", GROUPES)
    boutons = page.locator("[data-essai] .fr-btn")
    assert boutons.count() == 3
    for i in range(3):
        bouton = boutons.nth(i)
        largeur, defilement = bouton.evaluate("b => [b.getBoundingClientRect().width, b.scrollWidth]")
        assert largeur > 100, bouton.inner_text()
        assert defilement <= largeur + 1, f"libellé coupé : {bouton.inner_text()}"
