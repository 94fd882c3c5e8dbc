"""Parcours des jetons d'API dans Chromium : créer un jeton, le lire une seule fois, appeler l'API avec,
le révoquer, l'appel est alors refusé. Audit axe de la page (jeton affiché compris).

Comme tests/navigateur/test_connexion.py : le compte est créé et validé en base par une fixture du module
(le serveur vivant, sur PostgreSQL, lit par ses propres connexions), puis supprimé à la fin avec ce que le
parcours a écrit ; sur SQLite en mémoire, `meme_connexion` partage la connexion du serveur.
"""

import re

import pytest
import requests
from django.db import connection
from playwright.sync_api import expect

from tests.comptes.factories import MOT_DE_PASSE
from tests.navigateur.test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

RESPONSABLE = "responsable.jetons@exemple.fr"


@pytest.fixture(scope="module")
def connexions_du_serveur(serveur, django_db_blocker):
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
def responsable(connexions_du_serveur, serveur, django_db_blocker):
    from franceservices.comptes.models import Habilitation, JetonAPI, Role, Utilisateur
    from franceservices.structures.models import Structure
    from tests.comptes.factories import personne

    with django_db_blocker.unblock():
        structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
        utilisateur = personne(Role.RESPONSABLE, structure=structure, email=RESPONSABLE)
    yield utilisateur
    with django_db_blocker.unblock():
        from axes.models import AccessAttempt, AccessLog
        from django.contrib.sessions.models import Session

        from franceservices.core.models import EvenementAudit

        AccessAttempt.objects.filter(username=RESPONSABLE).delete()
        AccessLog.objects.filter(username=RESPONSABLE).delete()
        Session.objects.all().delete()
        JetonAPI.objects.filter(utilisateur_id=utilisateur.pk).delete()
        if connection.vendor == "sqlite":
            EvenementAudit.objects.filter(acteur_email=RESPONSABLE)._raw_delete(connection.alias)
        Habilitation.objects.filter(utilisateur_id=utilisateur.pk)._raw_delete(connection.alias)
        Utilisateur.objects.filter(pk=utilisateur.pk)._raw_delete(connection.alias)


def appeler_moi(serveur, valeur):
    return requests.get(
        f"{serveur.url}/api/v1/moi", headers={"Authorization": f"Bearer {valeur}"}, timeout=10
    )


def test_creer_utiliser_et_revoquer_un_jeton(responsable, meme_connexion, serveur, page, axe):
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(RESPONSABLE)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/espace/$"))

    page.get_by_role("link", name="Jetons d'API").click()
    expect(page).to_have_url(re.compile(r"/compte/jetons/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes jetons d'API")
    expect(page.get_by_text("Vous n'avez encore créé aucun jeton")).to_be_visible()
    assert auditer(page, axe) == []

    # Création : nom, portées (celles de mes habilitations), durée.
    page.get_by_label("Nom du jeton").fill("Tableau de bord du Cantal")
    # Case à cocher du DSFR : on clique son libellé (qui recouvre la case), comme une personne.
    page.get_by_text("Lire les personnes et habilitations de mon périmètre").click()
    expect(page.get_by_label("Lire les personnes et habilitations de mon périmètre")).to_be_checked()
    page.get_by_label("Durée de validité (en jours)").fill("30")
    page.get_by_role("button", name="Créer le jeton").click()

    alerte = page.locator("#jeton-cree")
    expect(alerte).to_contain_text("il ne sera plus jamais affiché")
    valeur = page.get_by_label("Votre jeton").input_value()
    assert valeur.startswith("fs_")
    assert auditer(page, axe) == []

    # L'API répond au nom de la personne du jeton.
    reponse = appeler_moi(serveur, valeur)
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["email"] == RESPONSABLE
    assert reponse.json()["jeton"]["portees"] == ["equipe:lecture"]

    # Plus jamais affiché ensuite : seulement son début, et la dernière utilisation.
    page.goto("/compte/jetons/")
    expect(page.locator("#jeton-cree")).to_have_count(0)
    assert valeur not in page.content()
    ligne = page.get_by_role("row", name=re.compile("Tableau de bord du Cantal"))
    expect(ligne).to_contain_text(valeur[:10] + "…")
    expect(ligne).to_contain_text("Actif")
    expect(ligne).not_to_contain_text("Jamais")

    # Révocation : l'appel est refusé.
    ligne.get_by_role("button", name=re.compile("^Révoquer")).click()
    expect(page.get_by_role("status")).to_contain_text("est révoqué")
    expect(page.get_by_role("row", name=re.compile("Tableau de bord du Cantal"))).to_contain_text("Révoqué")
    assert auditer(page, axe) == []
    refus = appeler_moi(serveur, valeur)
    assert refus.status_code == 401
    assert refus.json()["message"] == "Ce jeton d'API a été révoqué."
