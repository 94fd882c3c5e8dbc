"""Parcours des dossiers de formation dans Chromium : la responsable consulte l'état de sa France services
(compteurs, conformité) puis le dossier d'un agent en retard ; un agent présent à une session donne son avis
depuis son dossier. Audit axe de chaque page.

Comptes et sessions validés en base pour le module (tests/core/validees.py) ; modules, sessions,
inscriptions et avis, que `SUIVIS` ne couvre pas, sont effacés ici.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.formations.models import Avis, Categorie, Inscription, Module, Presence, Session, Statut
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


def _module(code, titre):
    return Module.objects.create(
        code=code,
        titre=titre,
        categorie=Categorie.SOCLE,
        organisme="CNFPT",
        duree_heures=7,
        compte_pour_label=True,
    )


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        modules = sessions = ()
        try:
            structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
            aujourdhui = timezone.localdate()
            responsable = personne(
                Role.RESPONSABLE, structure=structure, email="responsable@navigateur-formation.example"
            )
            agent = personne(
                Role.AGENT,
                structure=structure,
                debut=aujourdhui - timedelta(days=30),
                email="agent@navigateur-formation.example",
            )
            retard = personne(
                Role.AGENT,
                structure=structure,
                debut=aujourdhui - timedelta(days=250),
                email="retard@navigateur-formation.example",
            )
            retard.first_name, retard.last_name = "Bruno", "Tardif"
            retard.save()
            modules = [
                _module("nav-accueil", "Accueil des usagers (parcours)"),
                _module("nav-numerique", "Démarches en ligne (parcours)"),
            ]
            debut = timezone.now() - timedelta(days=3)
            sessions = [
                Session.objects.create(module=m, debut=debut, fin=debut + timedelta(hours=7), capacite=10)
                for m in modules
            ]
            Inscription.objects.create(
                session=sessions[0],
                agent=agent,
                statut=Statut.CONFIRMEE,
                demandee_le=debut - timedelta(days=10),
                presence=Presence.PRESENT,
                reussie_le=sessions[0].fin,
            )
            Inscription.objects.create(
                session=sessions[1],
                agent=retard,
                statut=Statut.CONFIRMEE,
                demandee_le=debut - timedelta(days=10),
                presence=Presence.ABSENT,
            )
            yield {
                "structure": structure,
                "retard": retard,
                "agent": agent,
                "responsable": session_connectee(responsable),
                "agent_cookie": session_connectee(agent),
            }
        finally:
            Avis.objects.filter(inscription__session__in=sessions).delete()
            Inscription.objects.filter(session__in=sessions).delete()
            Session.objects.filter(pk__in=[s.pk for s in sessions]).delete()
            Module.objects.filter(pk__in=[m.pk for m in modules]).delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_responsable_consulte_sa_structure_et_un_dossier(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["responsable"])
    page.goto("/formations/dossiers/moi/")
    assert auditer(page, axe) == []
    page.get_by_role("link", name=f"Formation des agents de {comptes['structure'].nom}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formation des agents")
    expect(page.locator("[data-compteur=actifs]")).to_have_text("Agents actifs : 3")
    expect(page.locator("[data-compteur=en_retard]")).to_have_text("En retard : 1")
    expect(page.locator("[data-non-conforme]")).to_contain_text("au moins 2 demandés")
    assert auditer(page, axe) == []

    page.get_by_role("link", name="Bruno Tardif").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossier de formation de Bruno Tardif")
    expect(page.locator("[data-en-retard]")).to_be_visible()
    expect(page.locator("#table-inscriptions")).to_contain_text("Absent")
    assert auditer(page, axe) == []


def test_agent_donne_son_avis(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["agent_cookie"])
    page.goto("/formations/dossiers/moi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon dossier de formation")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Donner mon avis sur Accueil des usagers (parcours)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mon avis sur")
    assert auditer(page, axe) == []

    # Une note manque : message clair, rien n'est perdu.
    page.locator("label[for=id_utilite_3]").click()
    page.locator("label[for=id_clarte_4]").click()
    page.fill("#id_commentaire", "Beaucoup d'exemples utiles.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.locator("#id_cas_concrets_error")).to_have_text("Donnez une note de 1 à 5.")
    expect(page.locator("#id_commentaire")).to_have_value("Beaucoup d'exemples utiles.")
    assert auditer(page, axe) == []

    page.locator("label[for=id_cas_concrets_2]").click()
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon dossier de formation")
    expect(page.locator(".fr-alert, .fr-notice").first).to_contain_text("votre avis est enregistré")
    expect(page.locator("#table-inscriptions")).to_contain_text("Avis donné")
    assert auditer(page, axe) == []
    avis = Avis.objects.get(inscription__agent=comptes["agent"])
    assert (avis.utilite, avis.clarte, avis.cas_concrets) == (4, 5, 3)
