"""Parcours de la gestion de la formation dans Chromium : un animateur crée une session de son département
(une erreur de saisie d'abord, réaffichée sans perte), la voit dans la liste, la modifie, ouvre la page
d'annulation ; l'équipe nationale ouvre le catalogue des modules et le formulaire d'un module. Audit axe de
chaque page.

Comptes et sessions de connexion validés pour le module (tests/core/validees.py) ; le module et les sessions
créés ici ou par le serveur sont effacés ici, `SUIVIS` ne les couvrant pas.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.formations.models import Categorie, Module, Session
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

CODE = "navigateur-gestion-formations"


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        animateur = personne(
            Role.ANIMATEUR,
            departement=structure.departement,
            email="animateur.gestion@navigateur-gestion-formations.example",
        )
        national = personne(
            Role.EQUIPE_NATIONALE, email="national.gestion@navigateur-gestion-formations.example"
        )
        module = Module.objects.create(
            code=CODE,
            titre="Module du parcours de gestion",
            categorie=Categorie.CONTINUE,
            organisme="CNFPT",
            duree_heures=Decimal("3"),
        )
        try:
            yield {
                "module": module,
                "departement": structure.departement,
                "animateur": session_connectee(animateur),
                "national": session_connectee(national),
            }
        finally:
            Session.objects.filter(module=module).delete()
            module.delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_animateur_cree_voit_modifie_une_session(page, contexte, serveur, comptes, axe):
    module = comptes["module"]
    _connecter(contexte, serveur, comptes["animateur"])
    page.goto("/formations/gestion/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organiser des sessions de formation")
    assert auditer(page, axe) == []

    # Création : sans lieu, le formulaire est réaffiché avec l'erreur, la saisie conservée.
    page.locator("[data-action=nouvelle-session]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle session de formation")
    expect(page.locator("#id_departement")).to_be_disabled()
    assert auditer(page, axe) == []
    debut = timezone.localtime() + timedelta(days=30)
    page.select_option("#id_module", str(module.pk))
    page.fill("#id_debut", debut.strftime("%Y-%m-%dT09:00"))
    page.fill("#id_fin", debut.strftime("%Y-%m-%dT12:00"))
    page.fill("#id_capacite", "8")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-erreurs]")).to_contain_text("Ce n'est pas enregistré")
    expect(page.locator("#id_lieu_error")).to_contain_text("Indiquez le lieu")
    expect(page.locator("#id_capacite")).to_have_value("8")
    assert auditer(page, axe) == []
    page.fill("#id_lieu", "Maison départementale, Angoulême")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Session créée.")).to_be_visible()

    # La session est dans la liste, avec ses places (aucune lecture en base ici : sous SQLite, elle
    # verrouillerait la table pour le serveur).
    ligne = page.locator("[data-session]").filter(has_text="Module du parcours de gestion")
    expect(ligne).to_have_count(1)
    expect(ligne).to_contain_text(comptes["departement"].nom)
    pk = ligne.get_attribute("data-session")
    expect(ligne).to_have_attribute("data-places", "8")
    assert auditer(page, axe) == []

    # Modification de la capacité.
    ligne.get_by_role("link", name="Modifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier la session")
    assert auditer(page, axe) == []
    page.fill("#id_capacite", "15")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_role("status").filter(has_text="Modifications de la session enregistrées.")
    ).to_be_visible()
    expect(page.locator(f"[data-session='{pk}']")).to_have_attribute("data-places", "15")

    # Page d'annulation : confirmation exigée.
    page.locator(f"[data-session='{pk}']").get_by_role("link", name="Annuler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler la session")
    page.fill("#id_motif", "Salle indisponible")
    page.get_by_role("button", name="Annuler la session").click()
    expect(page.locator("#id_confirmation_error")).to_contain_text("Cochez la case")
    assert auditer(page, axe) == []
    page.goto("/formations/gestion/?periode=annulees")
    expect(page.locator(f"[data-session='{pk}']")).to_have_count(0)

    # Liste vide des sessions passées.
    page.goto("/formations/gestion/?periode=passees")
    expect(page.locator("[data-vide]")).to_contain_text("Aucune session passée")
    assert auditer(page, axe) == []


def test_national_catalogue_des_modules(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["national"])
    page.goto("/formations/gestion/modules/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue des modules de formation")
    assert auditer(page, axe) == []
    page.locator("[data-action=nouveau-module]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau module")
    assert auditer(page, axe) == []
    page.fill("#id_code", CODE)
    page.fill("#id_titre", "Doublon")
    page.fill("#id_organisme", "CNFPT")
    page.fill("#id_duree_heures", "0")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_code_error")).to_contain_text("Un module porte déjà ce code")
    expect(page.locator("#id_duree_heures_error")).to_contain_text("La durée doit être positive")
    assert auditer(page, axe) == []
    page.goto(f"/formations/gestion/modules/{comptes['module'].pk}/modifier/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier le module")
    assert auditer(page, axe) == []
