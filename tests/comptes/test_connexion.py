"""Connexion par adresse + mot de passe : formulaire, messages, verrouillage, déconnexion, comptes de démo."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from franceservices.comptes.models import Habilitation, Role
from franceservices.core.models import EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import MOT_DE_PASSE, personne

pytestmark = pytest.mark.django_db

URL = reverse("comptes:connexion")


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="15").order_by("pk").first()


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure, email="agent.connexion@exemple.fr")


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def evenements(nom, **filtres):
    return EvenementAudit.objects.filter(evenement=nom, **filtres)


def se_connecter(client, email, mot_de_passe=MOT_DE_PASSE, **extra):
    return client.post(URL, {"username": email, "password": mot_de_passe, **extra})


def test_page_de_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert 'name="username"' in contenu
    assert 'type="password"' in contenu
    assert "Adresse électronique" in contenu
    assert reverse("comptes:mot_de_passe_oublie") in contenu
    assert "Se connecter avec ProConnect" not in contenu and "fr-connect" not in contenu


def test_connexion_reussie_vers_l_espace(client, agent):
    reponse = se_connecter(client, "Agent.Connexion@Exemple.fr")  # insensible à la casse
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("comptes:espace")
    assert client.get(reverse("comptes:espace")).status_code == 200
    assert evenements("connexion", acteur=agent).count() == 1


def test_mauvais_mot_de_passe_message_generique(client, agent):
    reponse = se_connecter(client, agent.email, "pas-le-bon-mot-de-passe")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Adresse électronique ou mot de passe incorrect" in contenu
    assert "_auth_user_id" not in client.session
    assert evenements("connexion_echec", acteur_email=agent.email).count() == 1


def test_adresse_inconnue_meme_message(client):
    reponse = se_connecter(client, "inconnu@exemple.fr")
    assert reponse.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in texte(reponse)
    assert evenements("connexion_echec", acteur_email="inconnu@exemple.fr").count() == 1


def test_saisie_invalide_messages_francais(client):
    reponse = client.post(URL, {"username": "pas-une-adresse", "password": ""})
    contenu = texte(reponse)
    assert reponse.status_code == 200
    assert "Saisissez une adresse électronique valide" in contenu
    assert "Saisissez votre mot de passe." in contenu
    assert 'aria-describedby="id_username_helptext id_username_error"' in contenu
    assert 'aria-invalid="true"' in contenu
    assert EvenementAudit.objects.count() == 0  # rien n'est tenté


def test_sans_habilitation_active_mot_de_passe_juste(client, structure):
    sans = personne(email="sans.habilitation@exemple.fr")
    reponse = se_connecter(client, sans.email)
    assert reponse.status_code == 200
    assert "Votre mot de passe est correct mais votre compte n'a aucune habilitation active" in (
        texte(reponse)
    )
    assert "_auth_user_id" not in client.session
    assert evenements("connexion_refusee", acteur=sans).count() == 1
    assert not evenements("connexion_echec", acteur_email=sans.email).exists()


def test_sans_habilitation_mauvais_mot_de_passe_ne_revele_rien(client):
    sans = personne(email="sans.habilitation2@exemple.fr")
    reponse = se_connecter(client, sans.email, "pas-le-bon-mot-de-passe")
    contenu = texte(reponse)
    assert "aucune habilitation" not in contenu
    assert "Adresse électronique ou mot de passe incorrect" in contenu


def test_habilitation_terminee_refusee(client, agent):
    from datetime import timedelta

    from django.utils import timezone

    Habilitation.objects.filter(utilisateur=agent).update(
        debut=timezone.localdate() - timedelta(days=30), fin=timezone.localdate() - timedelta(days=1)
    )
    reponse = se_connecter(client, agent.email)
    assert "aucune habilitation active" in texte(reponse)


def test_compte_desactive_refuse(client, agent):
    agent.is_active = False
    agent.save()
    reponse = se_connecter(client, agent.email)
    assert reponse.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("suivant", "attendu"),
    [
        ("/compte/", "/compte/"),
        ("/gestion/structures/?q=Murat", "/gestion/structures/?q=Murat"),
        ("https://exemple.invalid/piege", "/espace/"),
        ("//exemple.invalid/piege", "/espace/"),
        ("javascript:alert(1)", "/espace/"),
    ],
)
def test_suivant_seulement_sur_ce_site(client, agent, suivant, attendu):
    reponse = se_connecter(client, agent.email, next=suivant)
    assert reponse.status_code == 302
    assert reponse["Location"] == attendu


def test_suivant_repris_dans_le_formulaire(client):
    contenu = texte(client.get(URL + "?next=/compte/"))
    assert 'name="next" value="/compte/"' in contenu
    contenu = texte(client.get(URL + "?next=https://exemple.invalid/"))
    assert 'name="next"' not in contenu


def test_deja_connecte_renvoye_vers_l_espace(client, agent):
    client.force_login(agent)
    reponse = client.get(URL)
    assert reponse.status_code == 302 and reponse["Location"] == reverse("comptes:espace")


def test_anonyme_renvoye_vers_la_connexion_avec_next(client):
    reponse = client.get(reverse("comptes:mon_compte"))
    assert reponse.status_code == 302
    assert reponse["Location"] == f"{URL}?next=/compte/"


def test_parametres_de_retour_proconnect_refuses(client, agent):
    """?code=…&state=… déclencheraient un échange de jetons avec le fournisseur : refusés ici."""
    reponse = client.post(URL + "?code=abc&state=def", {"username": agent.email, "password": MOT_DE_PASSE})
    assert reponse.status_code == 400
    assert "_auth_user_id" not in client.session


# — ProConnect (bouton, échec) —


def test_bouton_proconnect_si_configure(client, settings):
    settings.OIDC_RP_CLIENT_ID = "client-de-test"
    contenu = texte(client.get(URL + "?next=/compte/"))
    assert "fr-connect fs-proconnect" in contenu
    assert "ProConnect" in contenu
    assert f'href="{reverse("oidc_authentication_init")}?next=/compte/"' in contenu
    assert "/static/comptes/proconnect.css" in contenu


def test_echec_proconnect(client):
    contenu = texte(client.get(URL + "?echec=proconnect"))
    assert "Connexion avec ProConnect impossible" in contenu


# — Comptes de démonstration : affichés en DEBUG seulement —


@pytest.fixture
def compte_demo(structure):
    utilisateur = personne(Role.AGENT, structure=structure, email="agent@demo.france-services.invalid")
    utilisateur.demo = True
    utilisateur.save()
    return utilisateur


def test_comptes_de_demo_listes_en_debug(client, settings, compte_demo):
    settings.DEBUG = True
    contenu = texte(client.get(URL))
    assert "Comptes de démonstration" in contenu
    assert compte_demo.email in contenu
    assert settings.MOT_DE_PASSE_DEMO in contenu
    assert "Agent France services" in contenu


def test_comptes_de_demo_jamais_hors_debug(client, settings, compte_demo):
    settings.DEBUG = False
    contenu = texte(client.get(URL))
    assert "Comptes de démonstration" not in contenu
    assert compte_demo.email not in contenu
    assert settings.MOT_DE_PASSE_DEMO not in contenu


def test_compte_de_demo_desactive_non_liste(client, settings, compte_demo):
    settings.DEBUG = True
    compte_demo.is_active = False
    compte_demo.save()
    assert compte_demo.email not in texte(client.get(URL))


# — Verrouillage (django-axes) —


def test_verrouillage_apres_cinq_echecs(client, agent):
    for essai in range(1, 6):
        reponse = se_connecter(client, agent.email, f"mauvais-{essai}")
        assert reponse.status_code == (429 if essai == 5 else 200)
    assert evenements("connexion_echec", acteur_email=agent.email).count() == 5
    assert evenements("verrouillage", acteur_email=agent.email).count() == 1

    reponse = se_connecter(client, agent.email)  # même le bon mot de passe est refusé
    assert reponse.status_code == 429
    contenu = texte(reponse)
    assert "Trop d'échecs : compte verrouillé pendant 15 minutes" in contenu
    assert "mot de passe oublié" in contenu
    assert "_auth_user_id" not in client.session
    assert not evenements("connexion", acteur=agent).exists()


def test_verrouillage_par_adresse_et_ip(client, agent, structure):
    for essai in range(5):
        se_connecter(client, agent.email, f"mauvais-{essai}")
    # Une autre adresse, depuis la même IP, n'est pas verrouillée.
    autre = personne(Role.AGENT, structure=structure, email="autre.agent@exemple.fr")
    assert se_connecter(client, autre.email).status_code == 302


def test_succes_remet_les_echecs_a_zero(client, agent):
    for essai in range(4):
        se_connecter(client, agent.email, f"mauvais-{essai}")
    assert se_connecter(client, agent.email).status_code == 302
    client.post(reverse("comptes:deconnexion"))
    for essai in range(4):
        assert se_connecter(client, agent.email, f"encore-{essai}").status_code == 200


def test_limitation_de_debit(client, settings):
    settings.LIMITES_DEBIT = {**settings.LIMITES_DEBIT, "connexion": 3}
    statuts = [se_connecter(client, f"x{n}@exemple.fr", "x").status_code for n in range(5)]
    assert statuts == [200, 200, 200, 429, 429]
    assert client.get(URL).status_code == 200  # l'affichage n'est pas limité


# — Déconnexion —


def test_deconnexion_en_post_seulement(client, agent):
    client.force_login(agent)
    assert client.get(reverse("comptes:deconnexion")).status_code == 405
    assert "_auth_user_id" in client.session
    reponse = client.post(reverse("comptes:deconnexion"), follow=True)
    assert reponse.redirect_chain[0][0] == URL
    assert "Vous êtes déconnecté(e)." in texte(reponse)
    assert "_auth_user_id" not in client.session
    assert evenements("deconnexion", acteur=agent).count() == 1


def test_deconnexion_proconnect_chez_le_fournisseur(client, agent, settings):
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://fournisseur.invalid/session/end"
    client.force_login(agent)
    session = client.session
    session["oidc_id_token"] = "jeton.id.test"
    session.save()
    reponse = client.post(reverse("comptes:deconnexion"))
    assert reponse.status_code == 302
    adresse = urlsplit(reponse["Location"])
    assert f"{adresse.scheme}://{adresse.netloc}{adresse.path}" == settings.OIDC_OP_LOGOUT_ENDPOINT
    parametres = parse_qs(adresse.query)
    assert parametres["id_token_hint"] == ["jeton.id.test"]
    assert parametres["post_logout_redirect_uri"] == [f"http://testserver{URL}"]
    assert len(parametres["state"][0]) >= 16
    assert "_auth_user_id" not in client.session
