"""Parcours de la formation dans Chromium : un agent trouve une session dans le catalogue et demande son
inscription ; sa responsable l'approuve depuis la liste des demandes (htmx, sans recharger) ; l'agent se
voit inscrit. Audit axe de chaque page (catalogue, session, mes inscriptions, approbations, groupe).

Comptes et sessions de connexion validés pour le module (tests/core/validees.py) ; le module, la session
et les inscriptions créés ici ou par le serveur sont effacés ici, `SUIVIS` ne les couvrant pas.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.formations.models import Categorie, Inscription, Module, Session, Statut
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        agent = personne(
            Role.AGENT, structure=structure, email="agent.formation@navigateur-formations.example"
        )
        responsable = personne(
            Role.RESPONSABLE, structure=structure, email="responsable.formation@navigateur-formations.example"
        )
        module = Module.objects.create(
            code="navigateur-tronc-commun",
            titre="Tronc commun du parcours navigateur",
            categorie=Categorie.SOCLE,
            organisme="CNFPT",
            duree_heures=Decimal("7"),
            description="Module créé pour le parcours dans le navigateur.",
        )
        debut = timezone.now() + timedelta(days=20)
        session = Session.objects.create(
            module=module,
            debut=debut,
            fin=debut + timedelta(hours=7),
            capacite=5,
            departement=structure.departement,
            lieu="Salle de test",
        )
        try:
            yield {
                "agent_id": agent.pk,
                "session": session,
                "agent": session_connectee(agent),
                "responsable": session_connectee(responsable),
            }
        finally:
            Inscription.objects.filter(session__module=module).delete()
            Session.objects.filter(module=module).delete()
            module.delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_agent_demande_responsable_approuve(page, contexte, serveur, comptes, axe):
    session = comptes["session"]

    # L'agent trouve la session dans le catalogue et demande son inscription.
    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/formations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Formations des agents")
    ligne = page.locator(f"[data-session='{session.pk}']")
    expect(ligne).to_contain_text("5 places restantes")
    assert auditer(page, axe) == []
    ligne.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tronc commun du parcours navigateur")
    assert auditer(page, axe) == []
    page.get_by_role("button", name=re.compile("^M'inscrire")).click()
    expect(page.locator(".fr-alert, .fr-notice").first).to_contain_text("Demande envoyée")
    expect(page.locator("[data-mon-statut]")).to_contain_text("En attente d'approbation")
    assert auditer(page, axe) == []
    page.goto("/formations/mes-inscriptions/")
    expect(page.locator("[data-statut=demandee]")).to_contain_text("Tronc commun du parcours navigateur")
    assert auditer(page, axe) == []

    # La responsable approuve la demande sans recharger la page (htmx).
    _connecter(contexte, serveur, comptes["responsable"])
    page.goto("/formations/approbations/")
    demande = page.locator("[data-demande]").filter(has_text="agent.formation@navigateur-formations.example")
    expect(demande).to_have_count(1)
    assert auditer(page, axe) == []
    demande.get_by_role("button", name=re.compile("^Approuver")).click()
    expect(page.locator("[data-fait]")).to_contain_text("confirmée")
    expect(page.get_by_role("button", name=re.compile("^Approuver"))).to_have_count(0)
    assert auditer(page, axe) == []
    page.goto(f"/formations/sessions/{session.pk}/groupe/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inscrire un groupe")
    assert auditer(page, axe) == []

    # L'agent se voit inscrit.
    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/formations/mes-inscriptions/")
    expect(page.locator("[data-statut=confirmee]")).to_contain_text("Tronc commun du parcours navigateur")
    assert Inscription.objects.get(agent_id=comptes["agent_id"]).statut == Statut.CONFIRMEE
