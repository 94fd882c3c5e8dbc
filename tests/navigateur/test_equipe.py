"""Parcours de l'équipe dans Chromium : un responsable invite un agent, qui accepte et crée son accès ;
le responsable le voit ensuite dans son équipe. Audit axe des pages traversées.

Le serveur vivant lit la base par ses propres connexions (PostgreSQL) : les comptes du parcours doivent
donc être validés en base, pas seulement créés dans la transaction du test. On les crée hors transaction
et on les supprime à la fin (ainsi que les lignes du journal d'audit ajoutées pendant le parcours), pour
laisser la base de test comme on l'a trouvée.
"""

import html
import re

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from playwright.sync_api import expect

from franceservices.comptes.models import Invitation, Role, Utilisateur
from franceservices.core.models import EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.navigateur.test_accessibilite import auditer

# Le parcours n'a pas django_db (pas de transaction englobante : ses données sont validées, voir plus
# haut) ; l'accès à la base est ouvert par `django_db_blocker`.
pytestmark = [pytest.mark.navigateur]


@pytest.mark.django_db
def test_base_de_test_prete():
    """Porte django_db : pytest-django ne crée la base de test que si un test de la session le demande."""
    assert Structure.objects.filter(departement__code="15").exists()


EMAIL_RESPONSABLE = "responsable.parcours@exemple.fr"
EMAIL_AGENT = "agent.parcours@exemple.fr"
MOT_DE_PASSE = "Cantal-Salers-Aurillac-2026"


def _nettoyer(premier_evenement: int):
    # Le journal est en ajout seul (déclencheur sous PostgreSQL) : on le contourne pour ce seul nettoyage.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as curseur:
                curseur.execute("SET LOCAL session_replication_role = replica")
        with connection.cursor() as curseur:
            curseur.execute(f"DELETE FROM {EvenementAudit._meta.db_table} WHERE id > %s", [premier_evenement])
    emails = [EMAIL_RESPONSABLE, EMAIL_AGENT]
    Invitation.objects.filter(email__in=emails).delete()
    Utilisateur.objects.filter(email__in=emails).delete()


@pytest.fixture
def donnees_validees(serveur, django_db_blocker):
    """Un responsable d'une France services du Cantal, validé en base ; tout est supprimé à la fin."""
    with django_db_blocker.unblock():
        premier_evenement = EvenementAudit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        _nettoyer(premier_evenement)
        structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
        responsable = personne(Role.RESPONSABLE, structure=structure, email=EMAIL_RESPONSABLE)
        responsable.first_name, responsable.last_name = "Rémi", "Responsable"
        responsable.save()
        try:
            yield {"structure": structure, "responsable": responsable, "bloqueur": django_db_blocker}
        finally:
            _nettoyer(premier_evenement)


def connecter(contexte, serveur, utilisateur):
    """Session ouverte côté serveur (comme force_login), posée en cookie dans le navigateur."""
    client = Client()
    client.force_login(utilisateur)
    cookie = client.cookies["sessionid"]
    contexte.add_cookies([{"name": "sessionid", "value": cookie.value, "url": serveur.url}])


def test_responsable_invite_un_agent_qui_accepte(navigateur, serveur, journal, donnees_validees, axe):
    from tests.navigateur.conftest import DELAI_MS

    bloqueur = donnees_validees["bloqueur"]
    structure = donnees_validees["structure"]

    # — Le responsable, connecté, ouvre son équipe et invite un agent —
    ctx_responsable = navigateur.new_context(base_url=serveur.url, locale="fr-FR", timezone_id="Europe/Paris")
    ctx_responsable.set_default_timeout(DELAI_MS)
    ctx_responsable.on("console", lambda m: journal.erreurs.append(m.text) if m.type == "error" else None)
    ctx_responsable.on("request", lambda r: journal.requetes.append(r))
    with bloqueur.unblock():
        connecter(ctx_responsable, serveur, donnees_validees["responsable"])
    page = ctx_responsable.new_page()
    page.goto("/equipe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Équipe")
    expect(page.locator("[data-perimetre]")).to_contain_text("parce que vous êtes responsable de structure")
    assert auditer(page, axe) == []

    page.get_by_role("link", name="Inviter une personne").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inviter une personne")
    assert auditer(page, axe) == []
    page.locator("#id_email").fill(EMAIL_AGENT)
    page.locator("#id_role").select_option(label="Agent France services")
    expect(page.locator("#id_structure")).to_have_value(str(structure.pk))  # sa seule structure
    mail.outbox.clear()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page).to_have_url(re.compile(r"/invitations/$"))
    expect(page.get_by_text(f"Invitation envoyée à {EMAIL_AGENT}")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=EMAIL_AGENT)).to_contain_text("En attente")

    # — Le courriel (boîte locale du serveur de test) porte le lien signé —
    (message,) = mail.outbox
    assert message.to == [EMAIL_AGENT]
    lien = re.search(r"http://\S+/invitation/\S+", message.body).group(0)
    assert lien.startswith(serveur.url)

    # — L'agent, dans un autre navigateur, accepte et crée son accès —
    ctx_agent = navigateur.new_context(base_url=serveur.url, locale="fr-FR", timezone_id="Europe/Paris")
    ctx_agent.set_default_timeout(DELAI_MS)
    ctx_agent.on("console", lambda m: journal.erreurs.append(m.text) if m.type == "error" else None)
    ctx_agent.on("request", lambda r: journal.requetes.append(r))
    agent = ctx_agent.new_page()
    agent.on("pageerror", lambda e: journal.erreurs.append(str(e)))
    agent.goto(lien)
    expect(agent.get_by_role("heading", level=1)).to_have_text("Accepter une invitation")
    expect(agent.get_by_text(f"Adresse invitée : {EMAIL_AGENT}")).to_be_visible()
    assert auditer(agent, axe) == []
    agent.locator("#id_prenom").fill("Aline")
    agent.locator("#id_nom").fill("Agent")
    agent.locator("#id_mot_de_passe").fill("trop-court")
    agent.locator("#id_confirmation").fill("trop-court")
    agent.get_by_role("button", name="Créer mon accès et accepter").click()
    expect(agent.locator("#id_mot_de_passe_error")).to_contain_text("Ce mot de passe est trop court")
    expect(agent.locator("#id_mot_de_passe")).to_have_attribute("aria-invalid", "true")
    assert auditer(agent, axe) == []  # page avec erreurs
    agent.locator("#id_mot_de_passe").fill(MOT_DE_PASSE)
    agent.locator("#id_confirmation").fill(MOT_DE_PASSE)
    agent.get_by_role("button", name="Créer mon accès et accepter").click()
    # Connectée : arrivée dans son espace, son nom dans l'en-tête.
    expect(agent).to_have_url(re.compile(r"/espace/$"))
    expect(agent.get_by_text("Bienvenue : vous êtes maintenant agent france services")).to_be_visible()
    expect(agent.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(agent.locator(".fr-header")).to_contain_text("Aline Agent")

    # Le lien ne sert qu'une fois (réponse 410, que la console signale : c'est la seule erreur admise).
    assert journal.erreurs == []
    agent.goto(lien)
    expect(agent.get_by_role("heading", level=1)).to_have_text("Invitation déjà utilisée")
    assert len(journal.erreurs) == 1 and "410" in journal.erreurs[0]
    journal.erreurs.clear()

    # — Le responsable voit l'agent dans son équipe, puis sa fiche —
    page.goto("/equipe/")
    ligne = page.get_by_role("row").filter(has_text=EMAIL_AGENT)
    expect(ligne).to_contain_text(f"Agent France services — {structure.nom}")
    ligne.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aline Agent")
    expect(page.get_by_role("link", name="Désactiver le compte")).to_be_visible()
    assert auditer(page, axe) == []
    with bloqueur.unblock():
        nouvel_agent = Utilisateur.objects.get(email=EMAIL_AGENT)
        habilitation = nouvel_agent.habilitations.get()
        assert habilitation.accordee_par == donnees_validees["responsable"]
        assert habilitation.structure == structure

    ctx_agent.close()
    ctx_responsable.close()
    assert journal.hors_local() == [], "Requêtes hors de 127.0.0.1"
    assert journal.erreurs == [], html.unescape(" | ".join(journal.erreurs))
