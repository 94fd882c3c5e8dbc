"""Parcours de connexion dans Chromium : mot de passe → espace ; équipe nationale : enrôlement TOTP → espace.
Audit axe (aucune violation grave ou critique) des pages de connexion, de second facteur et de l'espace.

Contrairement aux autres parcours, le serveur écrit ici (sessions, journal, django-axes). Les comptes sont
créés et validés en base par une fixture du module (le serveur vivant, sur PostgreSQL, lit par ses propres
connexions), puis supprimés à la fin, avec ce que les parcours ont écrit.

SQLite en mémoire : Playwright change le contexte du fil principal, où le test ouvrirait alors une seconde
connexion ; sa transaction (BEGIN IMMEDIATE) bloquerait les écritures du serveur (« database table is
locked »). `meme_connexion` redonne au test la connexion partagée avec le serveur : ses écritures tombent dans
la transaction du test, annulée à la fin.
"""

import re
import time

import pyotp
import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.comptes.factories import MOT_DE_PASSE
from tests.navigateur.test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

AGENT = "agent.navigateur@exemple.fr"
NATIONAL = "national.navigateur@exemple.fr"


@pytest.fixture(scope="module")
def connexions_du_serveur(serveur, django_db_blocker):
    """Les connexions SQLite en mémoire partagées avec le serveur (prises avant le démarrage de Playwright)."""
    from django.db import connections

    with django_db_blocker.unblock():
        return {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}


@pytest.fixture(scope="module")
def meme_connexion(connexions_du_serveur, navigateur):
    from django.db import connections

    avant = {alias: connections[alias] for alias in connexions_du_serveur}
    for alias, partagee in connexions_du_serveur.items():
        connections[alias] = partagee
    yield
    for alias, connexion in avant.items():
        connections[alias] = connexion


@pytest.fixture(scope="module")
def comptes(connexions_du_serveur, serveur, django_db_blocker):
    from franceservices.comptes.models import DispositifTOTP, Habilitation, Role, Utilisateur
    from franceservices.structures.models import Structure
    from tests.comptes.factories import personne

    with django_db_blocker.unblock():
        structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
        crees = [
            personne(Role.AGENT, structure=structure, email=AGENT),
            personne(Role.EQUIPE_NATIONALE, email=NATIONAL),
        ]
    yield {u.email: u for u in crees}
    with django_db_blocker.unblock():
        from axes.models import AccessAttempt, AccessLog
        from django.contrib.sessions.models import Session

        from franceservices.core.models import EvenementAudit

        ids = [u.pk for u in crees]
        emails = [u.email for u in crees]
        DispositifTOTP.objects.filter(utilisateur_id__in=ids).delete()
        AccessAttempt.objects.filter(username__in=emails).delete()
        AccessLog.objects.filter(username__in=emails).delete()
        Session.objects.all().delete()
        if connection.vendor == "sqlite":
            # Journal en ajout seul (l'ORM refuse) ; sur PostgreSQL, le déclencheur refuse : les lignes restent.
            EvenementAudit.objects.filter(acteur_email__in=emails)._raw_delete(connection.alias)
        Habilitation.objects.filter(utilisateur_id__in=ids)._raw_delete(connection.alias)
        Utilisateur.objects.filter(pk__in=ids)._raw_delete(
            connection.alias
        )  # sans la protection PROTECT du journal


def se_connecter(page, email):
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()


def test_connexion_par_mot_de_passe(comptes, meme_connexion, page, axe):
    page.goto("/connexion/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l'espace professionnels")
    assert auditer(page, axe) == []

    # Erreur : message clair, page toujours accessible.
    page.get_by_label("Adresse électronique").fill(AGENT)
    page.get_by_label("Mot de passe", exact=True).fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe incorrect")
    assert auditer(page, axe) == []

    se_connecter(page, AGENT)
    expect(page).to_have_url(re.compile(r"/espace/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Bonjour "))
    expect(page.get_by_role("table")).to_contain_text("Agent France services")
    assert auditer(page, axe) == []

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    expect(page.get_by_text("Vous êtes déconnecté(e).")).to_be_visible()


def test_equipe_nationale_enrole_son_second_facteur(comptes, meme_connexion, page, axe):
    se_connecter(page, NATIONAL)
    expect(page).to_have_url(re.compile(r"/connexion/second-facteur/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer le second facteur")
    expect(page.locator("svg").first).to_be_visible()
    assert auditer(page, axe) == []

    secret = page.locator("#secret-totp").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer et continuer").click()
    expect(page).to_have_url(re.compile(r"/espace/$"))
    expect(page.get_by_text("Second facteur activé")).to_be_visible()
    expect(page.get_by_role("link", name="Journal d'audit").first).to_be_visible()
    assert auditer(page, axe) == []

    # À la connexion suivante : vérification seule (plus de secret affiché).
    page.get_by_role("button", name="Se déconnecter").click()
    se_connecter(page, NATIONAL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Second facteur")
    expect(page.locator("#secret-totp")).to_have_count(0)
    assert auditer(page, axe) == []
    # Le code du pas suivant : celui de l'enrôlement ne peut pas resservir.
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(re.compile(r"/espace/$"))
