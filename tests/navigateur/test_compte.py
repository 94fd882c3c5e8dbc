"""« Mon compte » dans Chromium : changer de mot de passe, activer puis désactiver le second facteur,
mot de passe oublié (lien reçu par un vrai serveur SMTP), liste des invitations d'un responsable.
Audit axe (aucune violation grave ou critique) de chaque page traversée, y compris avec des erreurs.

Le serveur écrit (sessions, journal, mots de passe, second facteur, courriels envoyés après validation) :
les comptes sont validés en base pour le module et effacés à la fin (tests/core/validees.py). Les parcours
ne portent donc pas `django_db` (pas de transaction englobante, qui retiendrait aussi les envois de
courriels `on_commit`) : leurs lectures de la base passent par `django_db_blocker`, en validation
automatique, sans verrou gardé sur SQLite.
"""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import DispositifTOTP, Invitation, Role, Utilisateur
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import MOT_DE_PASSE, personne
from tests.core.validees import donnees_validees

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur]

DOMAINE = "navigateur-compte.example"
AGENT_MDP = f"agent.mdp@{DOMAINE}"
AGENT_TOTP = f"agent.totp@{DOMAINE}"
AGENT_OUBLI = f"agent.oubli@{DOMAINE}"
RESPONSABLE = f"responsable@{DOMAINE}"
INVITE = f"invite@{DOMAINE}"
NOUVEAU = "Salers-Puy-Mary-Aurillac-2026"


@pytest.mark.django_db
def test_base_de_test_prete():
    """Porte django_db : pytest-django ne crée la base de test que si un test de la session le demande."""
    assert Structure.objects.filter(departement__code="15").exists()


@pytest.fixture(scope="module")
def comptes(serveur, django_db_blocker):
    """Trois agents et un responsable (avec une invitation en attente) d'une France services du Cantal."""
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
        for email in (AGENT_MDP, AGENT_TOTP, AGENT_OUBLI):
            personne(Role.AGENT, structure=structure, email=email)
        responsable = personne(Role.RESPONSABLE, structure=structure, email=RESPONSABLE)
        Invitation.objects.create(email=INVITE, role=Role.AGENT, structure=structure, invitee_par=responsable)
        try:
            yield django_db_blocker
        finally:
            # L'invitation protège son auteur : effacée avant les comptes.
            Invitation.objects.filter(invitee_par=responsable).delete()


def se_connecter(page, email, mot_de_passe=MOT_DE_PASSE):
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter").click()


def se_deconnecter(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))


def test_changer_de_mot_de_passe(comptes, page, axe):
    se_connecter(page, AGENT_MDP)
    expect(page).to_have_url(re.compile(r"/espace/$"))
    page.get_by_role("link", name="Mon compte").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.get_by_text(AGENT_MDP)).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Agent France services")
    assert auditer(page, axe) == []

    page.get_by_role("link", name="Changer de mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changer de mot de passe")
    assert auditer(page, axe) == []

    # Nouveau mot de passe trop court et trop courant : refusé, en français, relié au champ.
    page.locator("#id_old_password").fill(MOT_DE_PASSE)
    page.locator("#id_new_password1").fill("azerty")
    page.locator("#id_new_password2").fill("azerty")
    page.get_by_role("button", name="Enregistrer").click()
    erreurs = page.locator(".fr-input-group--error .fr-message--error")
    expect(erreurs.filter(has_text="Ce mot de passe est trop court").first).to_be_visible()
    expect(erreurs.filter(has_text="Ce mot de passe est trop courant.").first).to_be_visible()
    champ = page.locator(".fr-input-group--error input").first
    expect(champ).to_have_attribute("aria-invalid", "true")
    assert auditer(page, axe) == []  # page avec erreurs

    page.locator("#id_old_password").fill(MOT_DE_PASSE)
    page.locator("#id_new_password1").fill(NOUVEAU)
    page.locator("#id_new_password2").fill(NOUVEAU)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_text("Votre mot de passe a été modifié.")).to_be_visible()
    assert auditer(page, axe) == []

    # L'ancien mot de passe ne sert plus ; le nouveau ouvre l'espace.
    se_deconnecter(page)
    se_connecter(page, AGENT_MDP)
    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe incorrect")
    se_connecter(page, AGENT_MDP, NOUVEAU)
    expect(page).to_have_url(re.compile(r"/espace/$"))

    with comptes.unblock():
        assert EvenementAudit.objects.filter(
            evenement=Evenement.MOT_DE_PASSE_CHANGE, acteur_email=AGENT_MDP, details__moyen="Mon compte"
        ).exists()


def loin_d_un_changement_de_pas(marge: float = 8.0) -> None:
    """Attend le début du pas TOTP suivant s'il reste moins de `marge` secondes dans le pas courant : un code
    calculé ici est encore dans la fenêtre admise quand le serveur le vérifie, même sur une machine chargée."""
    reste = 30 - time.time() % 30
    if reste < marge:
        time.sleep(reste + 0.1)


def test_activer_puis_desactiver_le_second_facteur(comptes, page, axe):
    se_connecter(page, AGENT_TOTP)
    expect(page).to_have_url(re.compile(r"/espace/$"))  # facultatif pour un agent : pas demandé
    page.goto("/compte/")
    expect(page.get_by_text("Non activé")).to_be_visible()
    page.get_by_role("link", name="Activer le second facteur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer le second facteur")
    expect(page.locator("svg").first).to_be_visible()
    assert auditer(page, axe) == []

    # Un code faux : erreur reliée au champ, page toujours accessible.
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Activer le second facteur").click()
    expect(page.locator("#id_code_error")).to_contain_text("Ce code n'est pas valide")
    assert auditer(page, axe) == []

    secret = page.locator("#secret-totp").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    # Pas précédent (dans la fenêtre admise) : les pas suivants restent libres pour la suite du parcours.
    loin_d_un_changement_de_pas()
    page.locator("#id_code").fill(totp.at(time.time() - 30))
    page.get_by_role("button", name="Activer le second facteur").click()
    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_text("Second facteur activé")).to_be_visible()
    expect(page.get_by_text("Activé", exact=True)).to_be_visible()
    assert auditer(page, axe) == []

    # Connexion suivante : le code est demandé.
    se_deconnecter(page)
    se_connecter(page, AGENT_TOTP)
    expect(page).to_have_url(re.compile(r"/connexion/second-facteur/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Second facteur")
    expect(page.locator("#secret-totp")).to_have_count(0)
    assert auditer(page, axe) == []
    loin_d_un_changement_de_pas()
    page.get_by_label("Code à 6 chiffres").fill(totp.now())
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(re.compile(r"/espace/$"))

    # Désactiver : un code valide est exigé.
    page.goto("/compte/")
    page.get_by_role("link", name="Désactiver le second facteur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Désactiver le second facteur")
    assert auditer(page, axe) == []
    loin_d_un_changement_de_pas()
    page.locator("#id_code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Désactiver le second facteur").click()
    expect(page).to_have_url(re.compile(r"/compte/$"))
    expect(page.get_by_text("Second facteur désactivé.")).to_be_visible()
    expect(page.get_by_text("Non activé")).to_be_visible()

    # Plus de code demandé à la connexion.
    se_deconnecter(page)
    se_connecter(page, AGENT_TOTP)
    expect(page).to_have_url(re.compile(r"/espace/$"))
    with comptes.unblock():
        assert not DispositifTOTP.objects.filter(utilisateur__email=AGENT_TOTP).exists()


def test_mot_de_passe_oublie(comptes, serveur, serveur_smtp, page, axe):
    page.goto("/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    assert auditer(page, axe) == []

    # Adresse mal formée : erreur en français.
    page.locator("#id_email").fill("pas une adresse")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    assert auditer(page, axe) == []

    page.locator("#id_email").fill(AGENT_OUBLI)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe/oublie/envoye/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    assert auditer(page, axe) == []

    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == AGENT_OUBLI
    corps = message.get_body(preferencelist=("plain",)).get_content()
    lien = re.search(r"http://\S+/mot-de-passe/nouveau/\S+/\S+/", corps).group(0)
    assert lien.startswith(serveur.url)

    page.goto(lien)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    expect(page).to_have_url(re.compile(r"/set-password/$"))  # le jeton a quitté l'adresse (Referer)
    assert auditer(page, axe) == []

    page.locator("#id_new_password1").fill(NOUVEAU)
    page.locator("#id_new_password2").fill(NOUVEAU + "x")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator("#id_new_password2_error")).to_be_visible()
    assert auditer(page, axe) == []  # page avec erreurs

    page.locator("#id_new_password1").fill(NOUVEAU)
    page.locator("#id_new_password2").fill(NOUVEAU)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page).to_have_url(re.compile(r"/mot-de-passe/modifie/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe modifié")
    assert auditer(page, axe) == []

    se_connecter(page, AGENT_OUBLI, NOUVEAU)
    expect(page).to_have_url(re.compile(r"/espace/$"))
    with comptes.unblock():
        assert Utilisateur.objects.get(email=AGENT_OUBLI).check_password(NOUVEAU)


def test_responsable_voit_ses_invitations(comptes, page, axe):
    se_connecter(page, RESPONSABLE)
    expect(page).to_have_url(re.compile(r"/espace/$"))
    page.goto("/invitations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    ligne = page.get_by_role("row").filter(has_text=INVITE)
    expect(ligne).to_contain_text("En attente")
    expect(ligne.get_by_role("link", name=f"Annuler l'invitation de {INVITE}")).to_be_visible()
    assert auditer(page, axe) == []
