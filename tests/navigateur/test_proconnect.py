"""Connexion par ProConnect dans Chromium, contre le vrai fournisseur OIDC de la boucle locale.

Page de connexion → bouton ProConnect → formulaire du fournisseur (oidc-provider-mock, tests/comptes/oidc.py)
→ retour sur l'espace personnel. Le compte est validé en base le temps du module (tests/core/validees.py).
La politique de sécurité du contenu (CSP, `form-action 'self'`) reste celle de la production : le bouton
ProConnect est un lien (navigation), pas un formulaire, et n'est donc pas concerné par `form-action`.
"""

import re

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.comptes.oidc import fixture_fournisseur_oidc, fixture_proconnect  # noqa: F401 (fixtures)
from tests.core.validees import donnees_validees

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

ADRESSE = "camille.proconnect@navigateur-proconnect.example"
SUB = "sub-navigateur"


@pytest.fixture(scope="module")
def agent(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
        agent = personne(Role.AGENT, structure=structure, email=ADRESSE)
        agent.last_name = ""
        agent.save(update_fields=["last_name"])
        yield agent


def se_connecter_par_proconnect(page, fournisseur, sub):
    page.goto("/connexion/")
    page.locator("a.fr-connect").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(fournisseur.url)}/oauth2/authorize\?"))
    page.locator("#subject-input").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_connexion_par_proconnect(page, serveur, proconnect, agent, axe):
    proconnect.declarer(SUB, email=ADRESSE.upper(), usual_name="Proconnect")

    reponse = page.goto("/connexion/")
    assert "form-action 'self'" in reponse.headers["content-security-policy"]
    bouton = page.locator("a.fr-connect")
    expect(bouton).to_contain_text("ProConnect")
    assert auditer(page, axe) == []
    bouton.click()

    # Chez le fournisseur : la demande porte PKCE (S256), nonce et état.
    expect(page).to_have_url(re.compile(rf"^{re.escape(proconnect.url)}/oauth2/authorize\?"))
    for parametre in ("code_challenge_method=S256", "nonce=", "state=", "code_challenge="):
        assert parametre in page.url
    page.locator("#subject-input").fill(SUB)
    page.get_by_role("button", name="Authorize", exact=True).click()

    # Retour : connecté, sur l'espace personnel.
    expect(page).to_have_url(f"{serveur.url}/espace/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # Journal et compte (lus après le parcours : voir tests/core/validees.py).
    connexion = EvenementAudit.objects.get(evenement=Evenement.CONNEXION, acteur_id=agent.pk)
    assert connexion.details == {"moyen": "ProConnect"}
    agent.refresh_from_db()
    assert agent.last_name == "Proconnect"  # nom vide rempli par usual_name
    assert agent.last_login is not None


def test_deconnexion_aussi_chez_proconnect(page, serveur, proconnect, agent):
    proconnect.declarer(SUB, email=ADRESSE)
    se_connecter_par_proconnect(page, proconnect, SUB)
    expect(page).to_have_url(f"{serveur.url}/espace/")

    # Déconnexion : aussi chez le fournisseur (fin de session avec id_token_hint), puis retour à la connexion.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(proconnect.url)}/oauth2/end_session\?.*id_token_hint=")
    )
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(serveur.url)}/connexion/\?state="))
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)


def test_adresse_inconnue_renvoyee_a_la_connexion(page, serveur, proconnect, agent):
    proconnect.declarer("sub-inconnu", email="inconnu@navigateur-proconnect.example")

    se_connecter_par_proconnect(page, proconnect, "sub-inconnu")

    expect(page).to_have_url(f"{serveur.url}/connexion/?echec=proconnect")
    expect(page.get_by_role("heading", name="Connexion avec ProConnect impossible")).to_be_visible()
    refus = EvenementAudit.objects.get(
        evenement=Evenement.CONNEXION_REFUSEE, acteur_email="inconnu@navigateur-proconnect.example"
    )
    assert refus.details == {"moyen": "ProConnect", "motif": "adresse inconnue"}
