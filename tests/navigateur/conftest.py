"""Parcours dans un vrai navigateur : Chromium (Debian) piloté par Playwright, contre un serveur Django vivant.

Serveur : on n'utilise pas la fixture ``live_server`` de pytest-django, qui impose ``transactional_db`` :
celle-ci vide toutes les tables après chaque test, et le référentiel importé une fois par session
(tests/conftest.py) serait perdu pour la suite (``serialized_rollback`` ne l'aurait pas : il est importé
après la sérialisation, et le resérialiser à chaque test serait lent). Les parcours ne font que lire :
le serveur (``LiveServerThread`` de Django, comme ``live_server``) tourne dans un fil le temps du module ;
les tests portent ``django_db`` (transaction annulée à la fin, rien n'est vidé) et le module vérifie
à la fin que le référentiel est intact. PostgreSQL : le serveur lit par ses propres connexions les données
validées ; SQLite en mémoire : il partage la connexion du fil principal, requêtes sérialisées.

Fichiers statiques servis comme en production : ``collectstatic`` avec CompressedStaticFilesStorage
(variantes .br et .gz), puis WhiteNoise sans les finders. La collecte (quelques secondes, surtout la
compression brotli) est gardée en cache dans var/tests/, sous une empreinte des fichiers sources.
"""

import fcntl
import hashlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings

CHROMIUM = "/usr/bin/chromium"
ARGUMENTS_CHROMIUM = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOTES_LOCAUX = {"127.0.0.1", "localhost", "[::1]", "::1"}
DELAI_MS = 15_000

# Fichiers statiques qu'aucune page publique ne charge : hors collecte, pour qu'elle reste rapide. Si une
# page en demandait un, il manquerait (404) et le contrôle des erreurs de console le signalerait.
STATIQUES_IGNORES = [
    "admin",
    "django-dsfr",
    "analytics",
    "artwork",
    "component",
    "core",
    "layout",
    "legacy",
    "scheme",
    "utility",
    "example",
    "draw",
    "dsfr/dist/dsfr/*",
    "*.md",
    "*.map",
    "*.woff",
]
STOCKAGE_STATIQUES = "whitenoise.storage.CompressedStaticFilesStorage"


def _empreinte_statiques() -> str:
    h = hashlib.sha256(STOCKAGE_STATIQUES.encode())
    for finder in finders.get_finders():
        for chemin, stockage in finder.list(STATIQUES_IGNORES):
            st = os.stat(stockage.path(chemin))
            h.update(f"{chemin}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


@pytest.fixture(scope="session")
def statiques() -> Path:
    """STATIC_ROOT collecté et compressé comme en production (partagé entre sessions et processus xdist)."""
    racine = Path(settings.VAR_DIR) / "tests" / "statiques"
    racine.mkdir(parents=True, exist_ok=True)
    cible = racine / _empreinte_statiques()
    with open(racine / ".verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)
        if not (cible / ".complet").exists():
            for ancien in racine.iterdir():
                if ancien.is_dir():
                    shutil.rmtree(ancien)
            stockages = {**settings.STORAGES, "staticfiles": {"BACKEND": STOCKAGE_STATIQUES}}
            with override_settings(STATIC_ROOT=str(cible), STORAGES=stockages):
                call_command(
                    "collectstatic",
                    interactive=False,
                    verbosity=0,
                    ignore_patterns=STATIQUES_IGNORES,
                )
            (cible / ".complet").touch()
    return cible


def _compter_referentiel() -> dict[str, int]:
    from franceservices.structures.models import Structure
    from franceservices.territoires.models import Commune, ContourDepartement

    return {
        "communes": Commune.objects.count(),
        "contours": ContourDepartement.objects.count(),
        "structures": Structure.objects.count(),
    }


class _AppliSerialisee:
    """SQLite en mémoire : une seule connexion, partagée par les fils du serveur ; on sérialise les requêtes."""

    def __init__(self, appli):
        self.appli = appli
        self.verrou = threading.Lock()

    def __call__(self, environ, start_response):
        with self.verrou:
            reponse = self.appli(environ, start_response)
            try:
                return [b"".join(reponse)]
            finally:
                if hasattr(reponse, "close"):
                    reponse.close()


class _FilServeur(LiveServerThread):
    def __init__(self, connexions_partagees):
        super().__init__(
            "127.0.0.1",
            static_handler=_AppliSerialisee if connexions_partagees else (lambda appli: appli),
            connections_override=connexions_partagees,
        )
        self.daemon = True


@dataclass
class Serveur:
    url: str
    referentiel: dict[str, int]


@pytest.fixture(scope="module")
def serveur(django_db_setup, django_db_blocker, statiques):
    """Serveur HTTP vivant (un par module), sur la base de test déjà remplie du référentiel."""
    with django_db_blocker.unblock():
        connexion = connections["default"]
        sur_base_de_test = (
            connexion.is_in_memory_db()
            if connexion.vendor == "sqlite"
            else connexion.settings_dict["NAME"].startswith("test_")
        )
        assert sur_base_de_test, "Pas sur la base de test : les tests doivent porter @pytest.mark.django_db"
        referentiel = _compter_referentiel()
        assert all(referentiel.values()), f"Référentiel absent de la base de test : {referentiel}"
        partagees = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
        reglages = override_settings(
            STATIC_ROOT=str(statiques),
            STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STOCKAGE_STATIQUES}},
            WHITENOISE_USE_FINDERS=False,
            WHITENOISE_AUTOREFRESH=False,
            # _MediaFilesHandler du serveur de test sert tout chemin commençant par MEDIA_URL (vide ici).
            MEDIA_URL="/media/",
            # Hors ligne : pas de fond de carte, seules les limites départementales sont dessinées.
            CARTE_TUILES_URL="",
        )
        reglages.enable()
        # Les fils du serveur ferment leur connexion après chaque requête : aucune ne reste ouverte (connexion
        # HTTP persistante du navigateur) quand pytest-django supprime la base de test.
        duree_connexions = {alias: d.get("CONN_MAX_AGE", 0) for alias, d in connections.settings.items()}
        for reglage in connections.settings.values():
            reglage["CONN_MAX_AGE"] = 0
        for connexion in partagees.values():
            connexion.inc_thread_sharing()
        fil = _FilServeur(partagees)
        fil.start()
        fil.is_ready.wait()
        try:
            if fil.error:
                raise fil.error
            yield Serveur(url=f"http://{fil.host}:{fil.port}", referentiel=referentiel)
        finally:
            fil.terminate()
            for connexion in partagees.values():
                connexion.dec_thread_sharing()
            reglages.disable()
            for alias, duree in duree_connexions.items():
                connections.settings[alias]["CONN_MAX_AGE"] = duree
        # Rien n'a vidé la base pendant les parcours.
        assert _compter_referentiel() == referentiel


@pytest.fixture(scope="module")
def navigateur(serveur):
    """Chromium, un par module.

    L'API synchrone de Playwright laisse sa boucle asyncio « en cours » dans le fil principal : Django y
    refuse alors l'ORM (SynchronousOnlyOperation). On l'autorise le temps du module — rien d'asynchrone
    n'y touche la base — et Playwright s'arrête à la fin du module, pour ne pas gêner les autres tests
    du même processus (xdist).
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium absent ({CHROMIUM}) : apt-get install -y chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    avant = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS_CHROMIUM)
            yield chromium
            chromium.close()
            # Playwright a changé le contexte (contextvars) du fil principal : les connexions ouvertes par les
            # tests y sont rangées et deviendraient inaccessibles à sa sortie, donc jamais fermées (PostgreSQL
            # refuserait alors de supprimer la base de test).
            connections.close_all()
    finally:
        if avant is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = avant


def est_local(url: str) -> bool:
    morceaux = urlsplit(url)
    if morceaux.scheme in ("data", "blob", "about"):
        return True
    return morceaux.hostname in HOTES_LOCAUX


@dataclass
class Journal:
    """Ce que la page a demandé et signalé pendant le test."""

    requetes: list = field(default_factory=list)
    erreurs: list = field(default_factory=list)

    def hors_local(self) -> list[str]:
        return [r.url for r in self.requetes if not est_local(r.url)]


@pytest.fixture
def journal():
    return Journal()


@pytest.fixture
def contexte(request, navigateur, serveur, journal):
    """Un profil de navigateur neuf (cache vide) ; options supplémentaires par paramétrage indirect."""
    ctx = navigateur.new_context(
        base_url=serveur.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
        **getattr(request, "param", {}),
    )
    ctx.set_default_timeout(DELAI_MS)
    ctx.on("request", lambda r: journal.requetes.append(r))
    ctx.on(
        "console",
        lambda m: (
            journal.erreurs.append(f"console : {m.text} ({m.location.get('url', '')})")
            if m.type == "error"
            else None
        ),
    )
    yield ctx
    ctx.close()
    # Chaque parcours : rien ne sort de 127.0.0.1, aucune erreur (dont violation CSP, 404, exception JS).
    assert journal.hors_local() == [], "Requêtes hors de 127.0.0.1"
    assert journal.erreurs == [], "Erreurs dans la console du navigateur"


@pytest.fixture
def page(contexte, journal):
    p = contexte.new_page()
    p.on("pageerror", lambda e: journal.erreurs.append(f"exception : {e}"))
    return p


@pytest.fixture(scope="session")
def axe():
    """Le moteur axe-core (audit d'accessibilité), injecté dans les pages par `test_accessibilite.auditer`."""
    return Axe()
