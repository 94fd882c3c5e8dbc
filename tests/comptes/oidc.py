"""Un vrai fournisseur OpenID Connect sur la boucle locale : oidc-provider-mock (Flask + authlib).

Le fournisseur tourne dans un fil (serveur werkzeug sur 127.0.0.1, port libre) le temps de la session de
tests ; l'application y est pointée par les réglages OIDC_* lus dans son
`/.well-known/openid-configuration`. Les personnes (sub + attributs) y sont déclarées par son API
(`PUT /users/<sub>`), puis on « s'y connecte » en postant son formulaire d'autorisation, comme le ferait
un navigateur.

Dans un module de tests : `from .oidc import fixture_fournisseur_oidc, fixture_proconnect  # noqa: F401`,
puis demander la fixture `proconnect` (réglages du test pointés sur le fournisseur).

Différence avec ProConnect : le fournisseur de test ne connaît que les portées standard (openid, email,
profile…). Il ignore les portées ProConnect `given_name` et `usual_name` ; un attribut non standard
(`usual_name`) est toujours transmis, un attribut standard (`given_name`) seulement avec la portée
`profile`. Il n'applique pas non plus PKCE (l'extension CodeChallenge d'authlib n'y est pas branchée) :
`VerificationPkce`, une fine couche WSGI devant lui, l'applique comme le fait ProConnect (RFC 7636, S256).
Ses pages chargent enfin une feuille de style depuis un CDN et n'ont pas d'icône : `SansCdn` retire la
feuille et répond 204 pour /favicon.ico (les parcours dans le navigateur n'acceptent ni requête hors de
127.0.0.1, ni erreur dans la console).
"""

import base64
import hashlib
import io
import json
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import werkzeug.serving
from oidc_provider_mock import app as appli_fournisseur

ID_CLIENT = "franceservices-tests"
SECRET_CLIENT = "secret-de-test"


class VerificationPkce:
    """Devant le fournisseur de test : retient le défi PKCE de chaque code émis et, à l'échange du code,
    refuse (400 invalid_grant) un vérificateur absent ou faux. Garde aussi les demandes de jeton reçues."""

    def __init__(self, appli):
        self.appli = appli
        self.defis: dict[str, tuple[str, str]] = {}
        self.demandes_de_jeton: list[dict[str, str]] = []

    def __call__(self, environ, start_response):
        chemin = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] == "POST" and chemin == "/oauth2/authorize":
            return self._autorisation(environ, start_response)
        if environ["REQUEST_METHOD"] == "POST" and chemin == "/oauth2/token":
            corps = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(corps)
            demande = {cle: v[0] for cle, v in parse_qs(corps.decode()).items()}
            self.demandes_de_jeton.append(demande)
            if demande.get("grant_type") == "authorization_code" and not self._verifie(demande):
                erreur = json.dumps({"error": "invalid_grant", "error_description": "PKCE"}).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [erreur]
        return self.appli(environ, start_response)

    def _autorisation(self, environ, start_response):
        requete = {cle: v[0] for cle, v in parse_qs(environ.get("QUERY_STRING", "")).items()}

        def retenir(statut, entetes, *args):
            for nom, valeur in entetes:
                code = parse_qs(urlsplit(valeur).query).get("code") if nom.lower() == "location" else None
                if code and "code_challenge" in requete:
                    self.defis[code[0]] = (
                        requete["code_challenge"],
                        requete.get("code_challenge_method", "plain"),
                    )
            return start_response(statut, entetes, *args)

        return self.appli(environ, retenir)

    def _verifie(self, demande) -> bool:
        defi = self.defis.get(demande.get("code", ""))
        if defi is None:
            return True  # code inconnu : le fournisseur le refusera lui-même
        attendu, methode = defi
        verificateur = demande.get("code_verifier", "")
        if methode == "S256":
            empreinte = hashlib.sha256(verificateur.encode()).digest()
            verificateur = base64.urlsafe_b64encode(empreinte).decode().rstrip("=")
        return bool(demande.get("code_verifier")) and verificateur == attendu


class SansCdn:
    """Retire des pages HTML du fournisseur de test la feuille de style chargée depuis un CDN ; pas d'icône."""

    FEUILLE_EXTERNE = re.compile(rb'<link\s+rel="stylesheet"\s+href="https://[^"]*"\s*/?>')

    def __init__(self, appli):
        self.appli = appli

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/favicon.ico":
            start_response("204 No Content", [])
            return [b""]
        retenu = {}

        def retenir(statut, entetes, exc_info=None):
            retenu.update(statut=statut, entetes=entetes)
            return lambda _: None

        corps = b"".join(self.appli(environ, retenir))
        entetes = retenu["entetes"]
        if any(n.lower() == "content-type" and v.startswith("text/html") for n, v in entetes):
            corps = self.FEUILLE_EXTERNE.sub(b"", corps)
            entetes = [(n, v) for n, v in entetes if n.lower() != "content-length"]
            entetes.append(("Content-Length", str(len(corps))))
        start_response(retenu["statut"], entetes)
        return [corps]


@dataclass
class Fournisseur:
    url: str
    configuration: dict
    pkce: VerificationPkce = field(repr=False)

    @property
    def reglages(self) -> dict:
        """Réglages Django qui pointent mozilla-django-oidc sur ce fournisseur."""
        c = self.configuration
        return {
            "OIDC_RP_CLIENT_ID": ID_CLIENT,
            "OIDC_RP_CLIENT_SECRET": SECRET_CLIENT,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": c["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": c["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": c["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": c["jwks_uri"],
            "OIDC_OP_LOGOUT_ENDPOINT": c["end_session_endpoint"],
        }

    def declarer(self, sub: str, **attributs) -> None:
        """Déclare (ou remplace) une personne chez le fournisseur : `declarer("sub-1", email="a@b.fr")`."""
        reponse = requests.put(f"{self.url}/users/{sub}", json=attributs, timeout=5)
        assert reponse.status_code == 204, reponse.text

    def autoriser(self, url_autorisation: str, sub: str) -> str:
        """Consent à la demande d'autorisation en tant que `sub` ; rend l'URL de retour (callback + code)."""
        formulaire = requests.get(url_autorisation, timeout=5)
        assert formulaire.status_code == 200, formulaire.text
        reponse = requests.post(url_autorisation, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert reponse.status_code == 302, reponse.text
        return reponse.headers["Location"]

    def refuser(self, url_autorisation: str) -> str:
        """La personne refuse chez le fournisseur : retour avec `error=access_denied`."""
        reponse = requests.post(url_autorisation, data={"action": "deny"}, allow_redirects=False, timeout=5)
        assert reponse.status_code == 302, reponse.text
        return reponse.headers["Location"]


def parametres(url: str) -> dict[str, str]:
    """Paramètres de requête d'une URL, une valeur chacun."""
    return {cle: valeurs[0] for cle, valeurs in parse_qs(urlsplit(url).query).items()}


def chemin_et_requete(url: str) -> str:
    morceaux = urlsplit(url)
    return f"{morceaux.path}?{morceaux.query}"


@pytest.fixture(scope="session", name="fournisseur_oidc")
def fixture_fournisseur_oidc():
    """oidc-provider-mock sur 127.0.0.1 (port libre), le temps de la session (un par processus xdist)."""
    pkce = VerificationPkce(appli_fournisseur(require_nonce=True))
    serveur = werkzeug.serving.make_server("127.0.0.1", 0, SansCdn(pkce), threaded=True)
    fil = threading.Thread(target=serveur.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    fil.start()
    try:
        url = f"http://127.0.0.1:{serveur.server_port}"
        configuration = requests.get(f"{url}/.well-known/openid-configuration", timeout=5).json()
        yield Fournisseur(url=url, configuration=configuration, pkce=pkce)
    finally:
        serveur.shutdown()
        fil.join(5)
        serveur.server_close()


@pytest.fixture(name="proconnect")
def fixture_proconnect(fournisseur_oidc, settings):
    """ProConnect configuré (réglages du test) et pointé sur le fournisseur de la boucle locale."""
    for nom, valeur in fournisseur_oidc.reglages.items():
        setattr(settings, nom, valeur)
    # Comme config/settings.py quand ProConnect est configuré : la déconnexion peut rejoindre le fournisseur.
    from config.settings import origine

    origine_fournisseur = origine(settings.OIDC_OP_LOGOUT_ENDPOINT)
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [*settings.SECURE_CSP["form-action"], origine_fournisseur],
    }
    return fournisseur_oidc
