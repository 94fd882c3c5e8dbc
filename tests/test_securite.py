"""Socle de sécurité : `check --deploy` propre en production, en-têtes, CSRF, nonces CSP, connexion exigée.

Les réglages de production sont ceux de `config/settings.py` lu avec l'environnement de production (dans
un sous-processus) : aucun n'est recopié ici.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse

from franceservices.comptes.models import JetonAPI, Role
from franceservices.structures.models import Structure
from tests.comptes.factories import MOT_DE_PASSE, personne

RACINE = Path(__file__).resolve().parent.parent
# Pages et points d'accès publics (marqués @login_not_required) : toute autre vue exige une connexion.
PUBLICS = {
    "structures:accueil",
    "structures:recherche",
    "structures:detail",
    "structures:contour_departement",
    "structures:sante",
    "ui:accessibilite",
    "ui:mentions_legales",
    "documentation_api",
    "comptes:connexion",
    "comptes:deconnexion",
    "comptes:mot_de_passe_oublie",
    "comptes:mot_de_passe_envoye",
    "comptes:mot_de_passe_nouveau",
    "comptes:mot_de_passe_modifie",
    "comptes:accepter_invitation",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "statistiques:donnees_ouvertes",
    "statistiques:donnees_ouvertes_csv",
    "mediation:export_lieux_mediation",
    "mediation:export_data_inclusion_structures",
    "mediation:export_data_inclusion_services",
    "guichet:aide",
    "guichet:resultat",
    "guichet:choisir",
    "guichet:widget",
    "guichet:widget_resultat",
    "guichet:integrer",
    "rappels:demander_public",
    "rappels:confirmation",
    "rdv:accueil",
    "rdv:structure",
    "rdv:reserver",
    "rdv:gerer",
    "rdv:annuler",
    "rdv:deplacer",
    "rdv:ics",
    "attestations:formulaire",
    "attestations:verifier",
}
REGLAGES_SECURITE = [
    "DEBUG",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
]


def environnement_production(**autres) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "DEBUG"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "france-services.example",
            "DATABASE_URL": "sqlite:///:memory:",
            **autres,
        }
    )
    return env


def lancer(*arguments, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=RACINE,
        env=environnement_production(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def reglages_production() -> dict:
    """Les réglages de sécurité de config/settings.py quand DEBUG est désactivé."""
    programme = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {REGLAGES_SECURITE!r}}}))"
    )
    resultat = lancer("-c", programme)
    assert resultat.returncode == 0, resultat.stderr
    reglages = json.loads(resultat.stdout.strip().splitlines()[-1])
    if reglages["SECURE_PROXY_SSL_HEADER"]:
        reglages["SECURE_PROXY_SSL_HEADER"] = tuple(reglages["SECURE_PROXY_SSL_HEADER"])
    del reglages["DEBUG"]
    return reglages


# — (a) check --deploy —


def test_check_deploy_propre_en_production():
    resultat = lancer("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "no issues" in resultat.stdout


def test_check_deploy_detecte_un_reglage_affaibli():
    """Le contrôle sait échouer : sans HSTS ni redirection HTTPS, il le signale."""
    resultat = lancer(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="0",
    )
    assert resultat.returncode != 0
    assert "security.W004" in resultat.stderr + resultat.stdout
    assert "security.W008" in resultat.stderr + resultat.stdout


def test_secret_key_obligatoire_en_production():
    resultat = lancer("-c", "import config.settings", SECRET_KEY="")
    assert resultat.returncode != 0
    assert "SECRET_KEY doit être défini" in resultat.stderr


# — (b) en-têtes —


def verifier_entetes_communs(reponse):
    csp = reponse["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    scripts = directives["script-src"]
    if reponse["Content-Type"].startswith("text/html"):
        # Le nonce n'apparaît que si la page l'utilise (toute page HTML charge au moins le DSFR).
        assert any(s.startswith("'nonce-") for s in scripts), csp
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, csp
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert reponse["X-Frame-Options"] == "DENY"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Referrer-Policy"] == "same-origin"
    assert reponse["Cross-Origin-Opener-Policy"] == "same-origin"


PAGES_ENTETES = ["/", "/connexion/", "/api/v1/communes?q=laval", "/api/v1/moi"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_ENTETES)
def test_entetes_de_securite(client, url):
    reponse = client.get(url)
    assert reponse.status_code in (200, 401)
    verifier_entetes_communs(reponse)
    assert "Strict-Transport-Security" not in reponse  # développement : pas de HSTS en HTTP


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_ENTETES)
def test_entetes_en_production(client, reglages_production, url):
    assert reglages_production["SECURE_HSTS_SECONDS"] >= 31536000
    with override_settings(**reglages_production):
        # Requête HTTP simple : redirigée vers HTTPS.
        reponse = client.get(url)
        assert reponse.status_code == 301
        assert reponse["Location"].startswith("https://")
        reponse = client.get(url, secure=True)
        assert reponse.status_code in (200, 401)
        verifier_entetes_communs(reponse)
        assert reponse["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_cookies_securises_en_production(reglages_production):
    utilisateur = personne(Role.AGENT, structure=Structure.objects.order_by("id_fs").first())
    client = Client()
    with override_settings(**reglages_production):
        page = client.get("/connexion/", secure=True)
        assert page.status_code == 200
        csrf = page.cookies[settings.CSRF_COOKIE_NAME]
        assert csrf["secure"] is True
        reponse = client.post(
            "/connexion/", {"username": utilisateur.email, "password": MOT_DE_PASSE}, secure=True
        )
        assert reponse.status_code == 302, reponse.content.decode()[:500]
        session = reponse.cookies[settings.SESSION_COOKIE_NAME]
        assert session["secure"] is True
        assert session["httponly"] is True
        assert session["samesite"] == "Lax"


# — (c) CSRF —


@pytest.mark.django_db
def test_csrf_connexion():
    utilisateur = personne(Role.AGENT, structure=Structure.objects.order_by("id_fs").first())
    client = Client(enforce_csrf_checks=True)
    reponse = client.post("/connexion/", {"username": utilisateur.email, "password": MOT_DE_PASSE})
    assert reponse.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_csrf_deconnexion_et_actions():
    utilisateur = personne(Role.AGENT, structure=Structure.objects.order_by("id_fs").first())
    client = Client(enforce_csrf_checks=True)
    client.force_login(utilisateur)
    jeton, _ = JetonAPI.generer(
        utilisateur=utilisateur, nom="csrf", portees=[], expire_le="2099-01-01T00:00:00+00:00"
    )
    assert client.post(reverse("comptes:deconnexion")).status_code == 403
    assert client.session.get("_auth_user_id") == str(utilisateur.pk)  # toujours connecté
    assert client.post(reverse("comptes:revoquer_jeton", args=[jeton.pk])).status_code == 403
    jeton.refresh_from_db()
    assert jeton.revoque_le is None
    reponse = client.post(
        reverse("comptes:jetons"), {"nom": "x", "portees": ["equipe:lecture"], "duree_jours": "9"}
    )
    assert reponse.status_code == 403
    assert JetonAPI.objects.filter(utilisateur=utilisateur).count() == 1


# — (d) nonces —

BALISE_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def motifs_url(resolver=None, prefixe="", espace=None):
    """(chemin brut, nom avec espace de noms, vue) de chaque route."""
    resolver = resolver or get_resolver()
    for motif in resolver.url_patterns:
        if isinstance(motif, URLResolver):
            sous_espace = ":".join(x for x in (espace, motif.namespace) if x) or None
            yield from motifs_url(motif, prefixe + str(motif.pattern), sous_espace)
        else:
            nom = f"{espace}:{motif.name}" if espace and motif.name else (motif.name or "")
            yield prefixe + str(motif.pattern), nom, motif.callback


def chemin_exemple(brut: str, valeurs: dict | None = None) -> str:
    valeurs = valeurs or {}

    def remplacer(m):
        convertisseur, nom = m.group(1) or "str", m.group(2)
        return str(valeurs.get(nom, "1" if convertisseur == "int" else "x"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", remplacer, brut)


DONNEES = re.compile(r'type="application/(?:ld\+)?json"')


def scripts_sans_nonce(html: str, nonce: str) -> list[str]:
    """Balises <script> exécutables sans le nonce (les blocs de données JSON ne s'exécutent pas)."""
    return [b for b in BALISE_SCRIPT.findall(html) if f'nonce="{nonce}"' not in b and not DONNEES.search(b)]


@pytest.mark.django_db
def test_chaque_script_porte_le_nonce(client):
    """Toutes les pages HTML sans paramètre (et quelques-unes avec), publiques ou connectées."""
    structure = Structure.objects.filter(departement__code="15").order_by("id_fs").first()
    nationale = personne(Role.EQUIPE_NATIONALE)
    agent = personne(Role.AGENT, structure=structure)
    valeurs = {"id_fs": structure.id_fs, "pk": structure.pk, "code": "15"}
    urls = {
        chemin_exemple(brut, valeurs)
        for brut, nom, _ in motifs_url()
        if not brut.startswith(("admin/", "api/v1/", "oidc/"))
        and nom not in {"comptes:deconnexion", "comptes:personne", "comptes:desactiver", "comptes:reactiver"}
        and "<" not in brut.replace("<str:id_fs>", "").replace("<int:pk>", "").replace("<str:code>", "")
    }
    urls |= {"/recherche/?q=Laval&commune=53130", "/api/v1/docs/", f"/equipe/{agent.pk}/"}
    verifiees = 0
    for connecte in (None, nationale):
        if connecte:
            client.force_login(connecte)
            session = client.session
            session["double_facteur_verifie"] = True
            session.save()
        for url in sorted(urls):
            reponse = client.get(url)
            if reponse.status_code != 200 or not reponse["Content-Type"].startswith("text/html"):
                continue
            html = reponse.content.decode()
            nonce = re.search(r"'nonce-([^']+)'", reponse["Content-Security-Policy"]).group(1)
            assert scripts_sans_nonce(html, nonce) == [], url
            assert "<script" in html, url
            verifiees += 1
    assert verifiees >= 15


def test_detecteur_de_script_sans_nonce():
    assert scripts_sans_nonce('<script nonce="abc" src="/a.js"></script>', "abc") == []
    assert scripts_sans_nonce("<SCRIPT>alert(1)</SCRIPT>", "abc") == ["<SCRIPT>"]
    assert scripts_sans_nonce('<script type="module" nonce="zzz">', "abc") == [
        '<script type="module" nonce="zzz">'
    ]
    assert scripts_sans_nonce('<script id="d" type="application/json">{}</script>', "abc") == []


# — (e) connexion exigée par défaut —


def test_liste_des_vues_publiques_a_jour():
    """Toute vue publique (hors API et administration) est dans PUBLICS : en ajouter une est un choix explicite."""
    publiques = {
        nom
        for brut, nom, vue in motifs_url()
        if not brut.startswith("admin/")
        and not nom.startswith("api:")
        and getattr(vue, "login_required", True) is False
    }
    assert publiques == PUBLICS


@pytest.mark.django_db
def test_connexion_exigee_par_defaut(client):
    connexion = reverse(settings.LOGIN_URL)
    verifiees = []
    for brut, nom, _ in motifs_url():
        if brut.startswith("admin/") or nom.startswith("api:") or nom in PUBLICS:
            continue
        url = chemin_exemple(brut)
        reponse = client.get(url)
        assert reponse.status_code == 302, (nom, url, reponse.status_code)
        assert reponse["Location"].startswith(f"{connexion}?next="), (nom, url, reponse["Location"])
        verifiees.append(nom)
    assert "comptes:jetons" in verifiees and "structures:gestion" in verifiees and len(verifiees) >= 20


@pytest.mark.django_db
def test_api_privee_protegee_par_le_jeton(client):
    """L'API est exemptée de la connexion par session ; ses routes privées exigent le jeton."""
    privees = [
        (brut, nom)
        for brut, nom, vue in motifs_url()
        if brut.startswith("api/v1/")
        and nom in {"api:moi", "api:equipe", "api:personne", "api:structures_gestion"}
    ]
    assert len(privees) == 4
    for brut, nom in privees:
        reponse = client.get(chemin_exemple(brut))
        assert reponse.status_code == 401, nom


@pytest.mark.django_db
def test_administration_exige_une_connexion(client):
    reponse = client.get("/admin/")
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("admin:login"))
