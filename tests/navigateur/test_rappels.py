"""Parcours des rappels dans Chromium : un agent ouvre la file, s'attribue une demande, note « pas de réponse »,
puis « joint », et enregistre la demande d'activité de l'appel (créée, liée au rappel) ; un usager remplit le
formulaire public prérempli par le guichet unique. Audit axe de chaque page (file, fiche, saisie, indicateurs,
appel reçu, formulaire public, confirmation).

Comptes et sessions validés pour le module (tests/core/validees.py) ; les demandes de rappel créées ici ou
par le serveur (tentatives en cascade) sont effacées à la fin, `SUIVIS` ne les couvrant pas.
"""

import re

import pytest
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from franceservices.activite.models import Canal, Theme
from franceservices.comptes.models import Role
from franceservices.partenaires.models import Partenaire
from franceservices.rappels import actions
from franceservices.rappels.models import DemandeRappel, Origine, Statut
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        depuis = DemandeRappel.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        taches = set(DBTaskResult.objects.values_list("pk", flat=True))
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        caf = Partenaire.objects.get(code="cnaf")
        agent = personne(Role.AGENT, structure=structure, email="agent.rappels@navigateur-rappels.example")
        rappel = actions.demander_rappel(
            telephone="05 45 00 00 00",
            besoin="Question sur la prime d'activité",
            consentement=True,
            origine=Origine.FORMULAIRE_PUBLIC,
            structure=structure,
            partenaire=caf,
            creneaux=["matin"],
        )
        try:
            yield {"structure": structure, "caf": caf, "rappel": rappel, "agent": session_connectee(agent)}
        finally:
            DemandeRappel.objects.filter(pk__gt=depuis).delete()
            DBTaskResult.objects.exclude(pk__in=taches).delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def _choisir(page, selecteur):
    # Le bouton radio DSFR (transparent, sous son libellé) : on le coche directement. Un clic forcé échouait
    # parfois en CI (« did not change its state ») quand la page venait d'être remplacée par htmx.
    case = page.locator(selecteur)
    expect(case).to_be_attached()
    case.evaluate("e => { e.checked = true; e.dispatchEvent(new Event('change', {bubbles: true})); }")
    expect(case).to_be_checked()


def test_agent_rappelle_et_enregistre_la_demande(page, contexte, serveur, comptes, axe):
    rappel = comptes["rappel"]
    _connecter(contexte, serveur, comptes["agent"])

    page.goto("/rappels/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes de rappel")
    expect(page.locator("[data-perimetre]")).to_contain_text("agent")
    expect(page.locator(f"[data-rappel='{rappel.pk}']")).to_contain_text("À rappeler")
    assert auditer(page, axe) == []
    # Filtre sans recharger la page (htmx) ; l'adresse suit.
    page.select_option("#id_attribution", "moi")
    expect(page.locator("[data-vide]")).to_contain_text("Aucune demande ne correspond")
    assert "attribution=moi" in page.url
    page.select_option("#id_attribution", "")
    expect(page.locator("#table-rappels")).to_contain_text(f"Rappel n° {rappel.pk}")

    page.get_by_role("link", name=f"Rappel n° {rappel.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Demande de rappel n° {rappel.pk}")
    expect(page.locator("[data-telephone]")).to_have_attribute("href", "tel:+33545000000")
    expect(page.locator("[data-besoin]")).to_have_text("Question sur la prime d'activité")
    assert auditer(page, axe) == []

    page.get_by_role("button", name="M'attribuer cette demande").click()
    expect(page.locator("[data-attribuee]")).to_contain_text("(vous)")

    _choisir(page, "#id_resultat_0")  # pas de réponse
    page.get_by_role("button", name="Noter la tentative").click()
    expect(page.get_by_role("status").filter(has_text="Tentative notée : pas de réponse.")).to_be_visible()
    expect(page.locator("[data-statut]")).to_have_text("En cours")
    assert auditer(page, axe) == []

    _choisir(page, "#id_resultat_3")  # joint
    page.get_by_role("button", name="Noter la tentative").click()
    expect(page.locator("[data-statut]")).to_have_text("Rappelé")
    expect(page.locator("[data-tentatives] li")).to_have_count(2)
    assert auditer(page, axe) == []

    # La demande d'activité de l'appel : partenaire prérempli, thème, issue.
    expect(page.locator("#id_appel-0-partenaire")).to_have_value(str(comptes["caf"].pk))
    page.select_option("#id_appel-0-theme", Theme.SOCIAL_SANTE)
    page.get_by_role("button", name="Enregistrer la demande d'activité").click()
    expect(page.locator("[data-demande-liee]")).to_be_visible()
    assert auditer(page, axe) == []
    page.locator("[data-demande-liee]").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert auditer(page, axe) == []

    rappel.refresh_from_db()
    assert rappel.statut == Statut.RAPPELE and rappel.demande is not None
    assert rappel.demande.canal == Canal.TELEPHONE and rappel.demande.partenaire == comptes["caf"]
    assert rappel.demande.structure == comptes["structure"]


def test_autres_pages_de_l_agent(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["agent"])
    for url, titre in (
        ("/rappels/nouveau/", "Enregistrer une demande de rappel"),
        ("/rappels/indicateurs/", "Indicateurs des rappels"),
        ("/activite/appel/", "Enregistrer un appel reçu"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(titre)
        assert auditer(page, axe) == [], url
    # Un appel reçu, puis « appel suivant ».
    page.select_option("#id_appel-0-partenaire", str(comptes["caf"].pk))
    page.select_option("#id_appel-0-theme", Theme.SOCIAL_SANTE)
    page.get_by_role("button", name="Enregistrer et saisir l'appel suivant").click()
    expect(page.get_by_role("status").filter(has_text="Appel enregistré")).to_be_visible()
    expect(page.locator("#id_appel-0-partenaire")).to_have_value("")
    assert auditer(page, axe) == []


def test_usager_demande_a_etre_rappele(page, contexte, serveur, comptes, axe):
    contexte.clear_cookies()
    page.goto("/rappels/demander/?partenaire=cnaf&commune=16015")
    expect(page.get_by_role("heading", level=1)).to_have_text("Être rappelé par une France services")
    expect(page.locator("#id_partenaire")).to_have_value("cnaf")
    expect(page.locator("#id_commune")).to_have_value(re.compile(r"\(16015\)$"))
    assert auditer(page, axe) == []
    page.fill("#id_besoin", "Je ne comprends pas mon courrier de la CAF")
    page.fill("#id_telephone", "06 12 34 56")  # trop court
    page.get_by_role("button", name="Demander à être rappelé").click()
    expect(page.locator("[data-erreurs]")).to_contain_text("n'a pas été envoyée")
    expect(page.locator("[data-erreurs]")).to_contain_text("Cochez la case de consentement")
    expect(page.locator("#id_besoin")).to_have_value("Je ne comprends pas mon courrier de la CAF")
    assert auditer(page, axe) == []
    page.fill("#id_telephone", "06 12 34 56 78")
    _choisir(page, "#id_moments_1")  # l'après-midi
    page.locator("label[for=id_consentement]").click()
    page.get_by_role("button", name="Demander à être rappelé").click()
    expect(page.locator("[data-confirmation]")).to_contain_text("Vous serez rappelé avant le")
    assert auditer(page, axe) == []
    cree = DemandeRappel.objects.filter(besoin="Je ne comprends pas mon courrier de la CAF").get()
    assert cree.telephone == "+33612345678" and cree.creneaux == ["apres_midi"]
    assert cree.departement.code == "16" and cree.partenaire == comptes["caf"]
