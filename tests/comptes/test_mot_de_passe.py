"""Mot de passe oublié (courriel reçu par un vrai serveur SMTP), nouveau mot de passe, changement."""

import html
import re

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.core.models import EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import MOT_DE_PASSE, personne

pytestmark = pytest.mark.django_db

NOUVEAU = "Nouvelle-phrase-secrete-2026"
LIEN = re.compile(r"http://testserver(/mot-de-passe/nouveau/[^/\s]+/[^/\s]+/)")


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def agent():
    structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
    return personne(Role.AGENT, structure=structure, email="agent.mdp@exemple.fr")


def demander(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("comptes:mot_de_passe_oublie"), {"email": email})


def lien_recu(message) -> str:
    corps = message.get_body(preferencelist=("plain",)).get_content()
    return LIEN.search(corps).group(1)


def test_parcours_complet_par_smtp(client, agent, serveur_smtp, django_capture_on_commit_callbacks):
    reponse = demander(client, "Agent.MDP@exemple.fr", django_capture_on_commit_callbacks)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("comptes:mot_de_passe_envoye")

    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == agent.email
    assert message["Subject"] == "France services : choisir un nouveau mot de passe"
    assert "ne-pas-repondre@france-services.gouv.fr" in message["From"]
    assert (
        EvenementAudit.objects.filter(evenement="mot_de_passe_demande", acteur_email=agent.email).count() == 1
    )

    lien = lien_recu(message)
    formulaire = client.get(lien, follow=True)
    assert formulaire.status_code == 200
    assert "Choisir un nouveau mot de passe" in texte(formulaire)
    adresse = formulaire.redirect_chain[-1][0]
    assert adresse.endswith("/set-password/")  # le jeton quitte l'adresse (Referer)

    # Règles fortes, messages en français.
    refuse = client.post(adresse, {"new_password1": "court", "new_password2": "court"})
    assert refuse.status_code == 200
    assert "Ce mot de passe est trop court" in texte(refuse)
    differents = client.post(adresse, {"new_password1": NOUVEAU, "new_password2": NOUVEAU + "x"})
    assert "Les deux mots de passe ne sont pas identiques." in texte(differents)

    reponse = client.post(adresse, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("comptes:mot_de_passe_modifie")
    assert client.get(reponse["Location"]).status_code == 200
    assert EvenementAudit.objects.filter(evenement="mot_de_passe_change", acteur=agent).count() == 1

    # Le lien ne sert qu'une fois.
    assert "Lien invalide ou expiré" in texte(client.get(lien, follow=True))

    # Connexion avec le nouveau mot de passe ; l'ancien est refusé.
    connexion = reverse("comptes:connexion")
    assert client.post(connexion, {"username": agent.email, "password": MOT_DE_PASSE}).status_code == 200
    reponse = client.post(connexion, {"username": agent.email, "password": NOUVEAU})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("comptes:espace")


def test_meme_reponse_adresse_inconnue(client, serveur_smtp, django_capture_on_commit_callbacks):
    reponse = demander(client, "personne.inconnue@exemple.fr", django_capture_on_commit_callbacks)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("comptes:mot_de_passe_envoye")
    assert serveur_smtp.attendre(1, delai=0.5) == []
    evenement = EvenementAudit.objects.get(evenement="mot_de_passe_demande")
    assert evenement.acteur_email == "personne.inconnue@exemple.fr"
    assert evenement.details == {"compte_actif_connu": False}


def test_compte_desactive_ne_recoit_rien(client, agent, serveur_smtp, django_capture_on_commit_callbacks):
    agent.is_active = False
    agent.save()
    reponse = demander(client, agent.email, django_capture_on_commit_callbacks)
    assert reponse["Location"] == reverse("comptes:mot_de_passe_envoye")
    assert serveur_smtp.attendre(1, delai=0.5) == []


def test_panne_smtp_meme_reponse(client, agent, settings, django_capture_on_commit_callbacks):
    from tests.comptes.conftest import port_libre

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }
    reponse = demander(client, agent.email, django_capture_on_commit_callbacks)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("comptes:mot_de_passe_envoye")


def test_adresse_invalide(client):
    reponse = client.post(reverse("comptes:mot_de_passe_oublie"), {"email": "pas une adresse"})
    assert reponse.status_code == 200
    assert "Saisissez une adresse électronique valide" in texte(reponse)


def test_limitation_de_debit(client, settings):
    settings.LIMITES_DEBIT = {**settings.LIMITES_DEBIT, "mot_de_passe": 2}
    url = reverse("comptes:mot_de_passe_oublie")
    statuts = [client.post(url, {"email": f"x{n}@exemple.fr"}).status_code for n in range(4)]
    assert statuts == [302, 302, 429, 429]


def test_lien_falsifie(client, agent):
    reponse = client.get("/mot-de-passe/nouveau/MQ/jeton-faux/", follow=True)
    assert reponse.status_code == 200
    assert "Lien invalide ou expiré" in texte(reponse)


def test_reinitialisation_leve_le_verrouillage(
    client, agent, serveur_smtp, django_capture_on_commit_callbacks
):
    connexion = reverse("comptes:connexion")
    for essai in range(5):
        client.post(connexion, {"username": agent.email, "password": f"mauvais-{essai}"})
    assert client.post(connexion, {"username": agent.email, "password": MOT_DE_PASSE}).status_code == 429

    demander(client, agent.email, django_capture_on_commit_callbacks)
    adresse = client.get(lien_recu(serveur_smtp.attendre(1)[0]), follow=True).redirect_chain[-1][0]
    client.post(adresse, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})

    reponse = client.post(connexion, {"username": agent.email, "password": NOUVEAU})
    assert reponse.status_code == 302


# — Changement depuis « Mon compte » —


def test_changer_de_mot_de_passe_garde_la_session(client, agent):
    client.force_login(agent)
    url = reverse("comptes:changer_mot_de_passe")
    assert client.get(url).status_code == 200

    faux = client.post(url, {"old_password": "faux", "new_password1": NOUVEAU, "new_password2": NOUVEAU})
    assert "Votre mot de passe actuel est incorrect" in texte(faux)
    faible = client.post(
        url, {"old_password": MOT_DE_PASSE, "new_password1": "123456789012", "new_password2": "123456789012"}
    )
    contenu = texte(faible)
    assert "Ce mot de passe est entièrement numérique" in contenu or "trop courant" in contenu

    reponse = client.post(
        url, {"old_password": MOT_DE_PASSE, "new_password1": NOUVEAU, "new_password2": NOUVEAU}
    )
    assert reponse.status_code == 302 and reponse["Location"] == reverse("comptes:mon_compte")
    assert client.get(reverse("comptes:mon_compte")).status_code == 200  # toujours connecté
    agent.refresh_from_db()
    assert agent.check_password(NOUVEAU)
    evenement = EvenementAudit.objects.get(evenement="mot_de_passe_change", acteur=agent)
    assert evenement.details == {"moyen": "Mon compte"}
