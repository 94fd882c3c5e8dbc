"""Configuration commune des tests.

La base de test reçoit une fois par session (et par processus xdist) le référentiel réel, importé
depuis REFERENCE_DATA_DIR : les tests travaillent sur les vraies communes et France services.
"""

import os
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command

from tests.smtp import ServeurSMTP, port_libre

DONNEES = Path(settings.REFERENCE_DATA_DIR)


def pytest_configure(config):
    # Variables de gabarit inconnues : échec des tests (les-emplois).
    for moteur in settings.TEMPLATES:
        moteur["OPTIONS"]["string_if_invalid"] = ChaineInvalide("%s")


class ChaineInvalide(str):
    def __mod__(self, autre):
        raise AssertionError(f"Variable de gabarit inconnue : {autre!r}")


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """Importe le référentiel réel dans la base de test, une fois par session.

    pytest-django ne crée la base de test que pour les tests marqués `django_db` (ou qui demandent `db`) ;
    les tests de concurrence (fils, connexions propres, sans transaction de test) ne demandent que
    `django_db_setup` : lancés seuls, ils auraient écrit dans la vraie base. On crée alors la base de test ici."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    alias_crees = None
    with django_db_blocker.unblock():
        if "default" not in _get_databases_for_setup(request.session.items)[0]:
            alias_crees = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        with open(os.devnull, "w") as nulle_part:
            call_command("importer_referentiel", dossier=DONNEES, verbosity=0, stdout=nulle_part)
    yield
    if alias_crees is not None:
        with django_db_blocker.unblock():
            teardown_databases(alias_crees, verbosity=0)


@pytest.fixture
def donnees():
    return DONNEES


@pytest.fixture(autouse=True)
def minute_figee(monkeypatch):
    """La fenêtre de limitation de débit (une minute) ne change pas pendant un test : sinon un test
    qui compte ses requêtes échouerait quand il chevauche deux minutes."""
    from franceservices.core import limitation

    minute = limitation.minute_courante()
    monkeypatch.setattr(limitation, "minute_courante", lambda: minute)


@pytest.fixture(autouse=True)
def cache_vide():
    """Chaque test part d'un cache vide (compteurs de limitation de débit, caches de pages)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def serveur_smtp(settings):
    """Serveur SMTP réel sur 127.0.0.1 ; MAILERS pointe vers lui le temps du test.

    `serveur_smtp.messages` : les `email.message.EmailMessage` reçus ; `serveur_smtp.port`."""
    serveur = ServeurSMTP(port=port_libre())
    controleur = Controller(serveur, hostname="127.0.0.1", port=serveur.port)
    controleur.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": serveur.port, "timeout": 5},
        }
    }
    try:
        yield serveur
    finally:
        controleur.stop()


@pytest.fixture(autouse=True)
def sms_en_memoire(settings):
    """Les SMS partent dans `core.sms.boite` (vidée à chaque test), jamais sur la console."""
    from franceservices.core import sms

    settings.SMS_BACKEND = "franceservices.core.sms.MemoireBackend"
    sms.boite.clear()
    yield sms.boite
    sms.boite.clear()
