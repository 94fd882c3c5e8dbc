"""ProConnect : flux « code » complet (PKCE S256 + nonce) contre un vrai fournisseur OIDC sur la boucle locale.

Le client de test de Django joue le navigateur côté application ; `requests` le joue côté fournisseur
(oidc-provider-mock, tests/comptes/oidc.py). Tout échec ramène à la page de connexion
(`LOGIN_REDIRECT_URL_FAILURE`), jamais une erreur 500, et laisse une trace dans le journal d'audit.
"""

import base64
import hashlib
import socket
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from franceservices.comptes.models import Role, Utilisateur
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Structure

from .factories import personne
from .oidc import ID_CLIENT, chemin_et_requete, fixture_fournisseur_oidc, fixture_proconnect, parametres  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ECHEC = "/connexion/?echec=proconnect"
ADRESSE = "jeanne.martin@exemple.fr"


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="15").order_by("pk").first()


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure, email=ADRESSE)


def depart(client, suite=""):
    """GET /oidc/authenticate/ : rend l'URL d'autorisation du fournisseur."""
    reponse = client.get(f"/oidc/authenticate/{suite}")
    assert reponse.status_code == 302
    return reponse["Location"]


def parcours(client, fournisseur, sub="sub-jeanne", suite=""):
    """Départ, consentement chez le fournisseur en tant que `sub`, retour : rend la réponse du retour."""
    retour = fournisseur.autoriser(depart(client, suite), sub)
    return client.get(chemin_et_requete(retour))


def evenements(evenement):
    return list(EvenementAudit.objects.filter(evenement=evenement))


def connecte(client):
    return "_auth_user_id" in client.session


# — Départ vers le fournisseur —


def test_depart_avec_pkce_nonce_et_etat(client, proconnect):
    url = depart(client)

    assert url.startswith(proconnect.configuration["authorization_endpoint"] + "?")
    p = parametres(url)
    assert p["response_type"] == "code"
    assert p["client_id"] == ID_CLIENT
    assert p["redirect_uri"] == "http://testserver/oidc/callback/"
    assert p["scope"].split() == ["openid", "email", "given_name", "usual_name"]
    assert p["acr_values"] == "eidas1"
    assert p["code_challenge_method"] == "S256"
    # État, nonce et vérificateur PKCE gardés en session ; le défi est bien SHA-256 du vérificateur.
    enregistre = client.session["oidc_states"][p["state"]]
    assert enregistre["nonce"] == p["nonce"] and len(p["nonce"]) >= 32
    empreinte = hashlib.sha256(enregistre["code_verifier"].encode()).digest()
    assert p["code_challenge"] == base64.urlsafe_b64encode(empreinte).decode().rstrip("=")


def test_proconnect_non_configure_introuvable(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get("/oidc/authenticate/").status_code == 404


# — Connexion réussie —


def test_connexion_par_proconnect(client, proconnect, agent):
    # L'adresse transmise par ProConnect n'a pas la casse enregistrée : elle est retrouvée quand même.
    proconnect.declarer("sub-jeanne", email="Jeanne.Martin@Exemple.FR", usual_name="Martin")

    reponse = parcours(client, proconnect)

    assert reponse.status_code == 302
    assert reponse["Location"] == "/espace/"
    assert client.session["_auth_user_id"] == str(agent.pk)
    assert client.session["_auth_user_backend"] == "franceservices.comptes.backends.ProConnectBackend"
    assert client.session["oidc_id_token"].count(".") == 2  # gardé pour la déconnexion ProConnect
    [evenement] = evenements(Evenement.CONNEXION)
    assert evenement.acteur == agent
    assert evenement.details == {"moyen": "ProConnect"}
    assert evenement.adresse_ip == "127.0.0.1"
    assert evenements(Evenement.CONNEXION_ECHEC) == evenements(Evenement.CONNEXION_REFUSEE) == []
    assert Utilisateur.objects.filter(email__iexact=ADRESSE).count() == 1
    # Le code a été échangé avec le vérificateur PKCE (contrôlé par le fournisseur de test).
    echange = proconnect.pkce.demandes_de_jeton[-1]
    assert echange["grant_type"] == "authorization_code"
    assert echange["client_id"] == ID_CLIENT
    assert len(echange["code_verifier"]) == 64


def test_retour_vers_la_page_demandee(client, proconnect, agent):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    reponse = parcours(client, proconnect, suite="?next=/gestion/structures/")
    assert reponse["Location"] == "/gestion/structures/"


def test_page_demandee_hors_site_ignoree(client, proconnect, agent):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    reponse = parcours(client, proconnect, suite="?next=https://pirate.example/")
    assert reponse["Location"] == "/espace/"
    assert connecte(client)


def test_noms_vides_remplis_par_proconnect(client, proconnect, agent, settings):
    # Le fournisseur de test ne transmet given_name qu'avec la portée standard « profile ».
    settings.OIDC_RP_SCOPES += " profile"
    Utilisateur.objects.filter(pk=agent.pk).update(first_name="", last_name="")
    proconnect.declarer("sub-jeanne", email=ADRESSE, given_name="Jeanne", usual_name="Martin")

    parcours(client, proconnect)

    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name) == ("Jeanne", "Martin")


def test_noms_renseignes_conserves(client, proconnect, agent, settings):
    settings.OIDC_RP_SCOPES += " profile"
    Utilisateur.objects.filter(pk=agent.pk).update(first_name="Jeanne-Marie", last_name="Dupont")
    proconnect.declarer("sub-jeanne", email=ADRESSE, given_name="Autre", usual_name="Autre")

    parcours(client, proconnect)

    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name) == ("Jeanne-Marie", "Dupont")


def test_equipe_nationale_doit_encore_passer_le_second_facteur(client, proconnect):
    personne(Role.EQUIPE_NATIONALE, email=ADRESSE)
    proconnect.declarer("sub-jeanne", email=ADRESSE)

    parcours(client, proconnect)

    assert connecte(client)
    reponse = client.get("/journal/")
    assert reponse.status_code == 302
    assert reponse["Location"].startswith("/connexion/second-facteur/")


# — Refus : personne inconnue ou sans habilitation active —


def _sans_habilitation(structure):
    return personne(email=ADRESSE)


def _desactive(structure):
    utilisateur = personne(Role.AGENT, structure=structure, email=ADRESSE)
    Utilisateur.objects.filter(pk=utilisateur.pk).update(is_active=False)
    return utilisateur


def _habilitation_expiree(structure):
    utilisateur = personne(Role.AGENT, structure=structure, email=ADRESSE)
    hier = timezone.localdate() - timedelta(days=1)
    utilisateur.habilitations.update(debut=hier - timedelta(days=30), fin=hier)
    return utilisateur


def _habilitation_retiree(structure):
    utilisateur = personne(Role.AGENT, structure=structure, email=ADRESSE)
    utilisateur.habilitations.update(revoquee_le=timezone.now())
    return utilisateur


def _habilitation_future(structure):
    utilisateur = personne(Role.AGENT, structure=structure, email=ADRESSE)
    utilisateur.habilitations.update(debut=timezone.localdate() + timedelta(days=3))
    return utilisateur


@pytest.mark.parametrize(
    ("preparer", "motif"),
    [
        (_sans_habilitation, "aucune habilitation"),
        (_desactive, "compte désactivé"),
        (_habilitation_expiree, "aucune habilitation"),
        (_habilitation_retiree, "aucune habilitation"),
        (_habilitation_future, "aucune habilitation"),
    ],
    ids=[
        "sans-habilitation",
        "compte-desactive",
        "habilitation-expiree",
        "habilitation-retiree",
        "pas-commencee",
    ],
)
def test_refus_sans_habilitation_active(client, proconnect, structure, preparer, motif):
    utilisateur = preparer(structure)
    proconnect.declarer("sub-jeanne", email=ADRESSE)

    reponse = parcours(client, proconnect)

    assert reponse.status_code == 302
    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [refus] = evenements(Evenement.CONNEXION_REFUSEE)
    assert refus.acteur_id == utilisateur.pk
    assert refus.details == {"moyen": "ProConnect", "motif": motif}
    assert evenements(Evenement.CONNEXION) == evenements(Evenement.CONNEXION_ECHEC) == []


def test_adresse_inconnue_aucun_compte_cree(client, proconnect, agent):
    proconnect.declarer("sub-inconnu", email="inconnu@exemple.fr", usual_name="Inconnu")
    comptes = Utilisateur.objects.count()

    reponse = parcours(client, proconnect, sub="sub-inconnu")

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    assert Utilisateur.objects.count() == comptes
    [refus] = evenements(Evenement.CONNEXION_REFUSEE)
    assert refus.acteur is None
    assert refus.acteur_email == "inconnu@exemple.fr"
    assert refus.details == {"moyen": "ProConnect", "motif": "adresse inconnue"}


def test_sans_adresse(client, proconnect, agent):
    proconnect.declarer("sub-sans-adresse", usual_name="Martin")

    reponse = parcours(client, proconnect, sub="sub-sans-adresse")

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [echec] = evenements(Evenement.CONNEXION_ECHEC)
    assert echec.details == {"moyen": "ProConnect", "motif": "attributs d'identité inutilisables"}


# — Refus : parcours altéré —


def test_etat_forge(client, proconnect, agent):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    retour = parametres(proconnect.autoriser(depart(client), "sub-jeanne"))

    reponse = client.get("/oidc/callback/", {"code": retour["code"], "state": "etat-forge"})

    assert reponse.status_code == 302
    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [echec] = evenements(Evenement.CONNEXION_ECHEC)
    assert echec.details["motif"] == "état inconnu (retour rejoué ou forgé)"


def test_retour_sans_session(client, proconnect, agent):
    """Le retour arrive dans un autre navigateur que le départ (lien transmis, session perdue)."""
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    retour = proconnect.autoriser(depart(client), "sub-jeanne")
    client.cookies.clear()

    reponse = client.get(chemin_et_requete(retour))

    assert reponse["Location"] == ECHEC
    assert not connecte(client)


def test_retour_rejoue(client, proconnect, agent):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    retour = proconnect.autoriser(depart(client), "sub-jeanne")
    assert client.get(chemin_et_requete(retour))["Location"] == "/espace/"
    client.logout()

    reponse = client.get(chemin_et_requete(retour))

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    assert len(evenements(Evenement.CONNEXION)) == 1


def test_code_rejoue_avec_un_nouvel_etat(client, proconnect, agent):
    """Un code déjà échangé, présenté avec un état valide : le fournisseur refuse l'échange."""
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    premier = parametres(proconnect.autoriser(depart(client), "sub-jeanne"))
    client.get("/oidc/callback/", premier)
    client.logout()
    nouvel_etat = parametres(depart(client))["state"]

    reponse = client.get("/oidc/callback/", {"code": premier["code"], "state": nouvel_etat})

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [echec] = evenements(Evenement.CONNEXION_ECHEC)
    assert echec.details == {"moyen": "ProConnect", "motif": "échange du code refusé par le fournisseur"}


def _alterer_etat(client, **valeurs):
    session = client.session
    for etat in session["oidc_states"].values():
        etat.update(valeurs)
    session.save()


def test_nonce_different(client, proconnect, agent):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    retour = proconnect.autoriser(depart(client), "sub-jeanne")
    _alterer_etat(client, nonce="un-autre-nonce")

    reponse = client.get(chemin_et_requete(retour))

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [echec] = evenements(Evenement.CONNEXION_ECHEC)
    assert echec.details == {"moyen": "ProConnect", "motif": "jeton d'identité invalide"}


def test_verificateur_pkce_different(client, proconnect, agent):
    """Le code intercepté ne sert à rien sans le vérificateur PKCE de la session d'origine."""
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    retour = proconnect.autoriser(depart(client), "sub-jeanne")
    _alterer_etat(client, code_verifier="v" * 64)

    reponse = client.get(chemin_et_requete(retour))

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [echec] = evenements(Evenement.CONNEXION_ECHEC)
    assert echec.details["motif"] == "échange du code refusé par le fournisseur"


def test_refus_chez_le_fournisseur(client, proconnect, agent):
    retour = proconnect.refuser(depart(client))
    assert parametres(retour)["error"] == "access_denied"

    reponse = client.get(chemin_et_requete(retour))

    assert reponse["Location"] == ECHEC
    assert not connecte(client)
    [echec] = evenements(Evenement.CONNEXION_ECHEC)
    assert echec.details == {"moyen": "ProConnect", "motif": "refus du fournisseur (access_denied)"}


def test_retour_incomplet(client, proconnect):
    reponse = client.get("/oidc/callback/", {"state": "seul"})
    assert reponse["Location"] == ECHEC
    assert evenements(Evenement.CONNEXION_ECHEC)[0].details["motif"] == "retour incomplet"


def test_fournisseur_injoignable(client, proconnect, agent, settings):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    retour = proconnect.autoriser(depart(client), "sub-jeanne")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port_ferme = s.getsockname()[1]
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{port_ferme}/token"

    reponse = client.get(chemin_et_requete(retour))

    assert reponse["Location"] == ECHEC
    assert not connecte(client)


def test_connexion_par_mot_de_passe_non_concernee(client, agent):
    """Le moteur ProConnect ignore une authentification sans code (formulaire adresse + mot de passe)."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from .factories import MOT_DE_PASSE

    requete = RequestFactory().post("/connexion/")
    requete.session = client.session
    assert authenticate(requete, username=ADRESSE.upper(), password=MOT_DE_PASSE) == agent


# — Page de connexion et déconnexion (vues écrites à part : vérifiées dès qu'elles existent) —


def _page_ou_passer(client, url):
    try:
        return client.get(url)
    except NotImplementedError:
        pytest.skip(f"{url} : vue pas encore écrite")


def test_bouton_proconnect_selon_configuration(client, proconnect, settings):
    reponse = _page_ou_passer(client, "/connexion/")
    assert reponse.status_code == 200
    assert 'href="/oidc/authenticate/' in reponse.text or 'action="/oidc/authenticate/' in reponse.text
    assert "ProConnect" in reponse.text

    settings.OIDC_RP_CLIENT_ID = ""
    reponse = client.get("/connexion/")
    assert "/oidc/authenticate/" not in reponse.text


def test_deconnexion_aupres_de_proconnect(client, proconnect, agent):
    proconnect.declarer("sub-jeanne", email=ADRESSE)
    parcours(client, proconnect)
    jeton = client.session["oidc_id_token"]

    try:
        reponse = client.post("/deconnexion/")
    except NotImplementedError:
        pytest.skip("/deconnexion/ : vue pas encore écrite")

    assert not connecte(client)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(proconnect.configuration["end_session_endpoint"] + "?")
    fin_de_session = parametres(reponse["Location"])
    assert fin_de_session["id_token_hint"] == jeton
    assert fin_de_session["post_logout_redirect_uri"] == "http://testserver/connexion/"
    # Le fournisseur accepte la demande de fin de session (formulaire de confirmation).
    fin = requests.get(reponse["Location"], timeout=5)
    assert fin.status_code == 200
    assert jeton in fin.text
    assert evenements(Evenement.DECONNEXION)[0].acteur == agent
