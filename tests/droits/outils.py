"""Démarrage du simulateur (environnement séparé `simulateur/.venv`) pour les tests et le calcul de référence
fait directement avec OpenFisca, hors de notre serveur.

Si l'environnement du simulateur manque, les tests qui en dépendent **échouent** avec la commande à lancer
(`uv sync --project simulateur --frozen`) : ils ne sont jamais sautés en silence.
"""

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
PYTHON = RACINE / "simulateur" / ".venv" / "bin" / "python"
SERVEUR = RACINE / "simulateur" / "serveur.py"
REFERENCE = Path(__file__).with_name("reference.py")
A_FAIRE = (
    "L'environnement du simulateur OpenFisca est absent ({}). Installez-le : "
    "`uv sync --project simulateur --frozen` (depuis la racine du dépôt)."
)
ATTENTE_MAX = 120  # s : le chargement du modèle prend quelques secondes


def exiger_environnement():
    if not PYTHON.exists():
        pytest.fail(A_FAIRE.format(PYTHON), pytrace=False)


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demarrer(port: int | None = None):
    """Lance le serveur et attend `/sante`. Renvoie (processus, url)."""
    exiger_environnement()
    port = port or port_libre()
    processus = subprocess.Popen(
        [str(PYTHON), str(SERVEUR), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    fin = time.monotonic() + ATTENTE_MAX
    while time.monotonic() < fin:
        if processus.poll() is not None:
            pytest.fail(
                f"Le simulateur s'est arrêté au démarrage :\n{processus.stdout.read()}", pytrace=False
            )
        try:
            with urllib.request.urlopen(url + "/sante", timeout=1) as reponse:
                if json.loads(reponse.read()).get("statut") == "ok":
                    return processus, url
        except OSError:
            time.sleep(0.2)
    processus.kill()
    pytest.fail(f"Le simulateur n'a pas répondu sur {url}/sante en {ATTENTE_MAX} s.", pytrace=False)


def arreter(processus):
    processus.terminate()
    try:
        processus.wait(timeout=10)
    except subprocess.TimeoutExpired:
        processus.kill()
        processus.wait()
    if processus.stdout:
        processus.stdout.close()


def calcul_de_reference(demandes: list[dict]) -> list[dict]:
    """Calcule chaque {situation, calculs} directement avec OpenFisca, dans l'environnement du simulateur."""
    exiger_environnement()
    sortie = subprocess.run(
        [str(PYTHON), str(REFERENCE)],
        input=json.dumps(demandes),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if sortie.returncode != 0:
        pytest.fail(f"Le calcul de référence a échoué :\n{sortie.stderr[-3000:]}", pytrace=False)
    return json.loads(sortie.stdout)


@pytest.fixture(scope="session")
def simulateur_url():
    """Le simulateur démarré une fois par session (par processus de test)."""
    processus, url = demarrer()
    yield url
    arreter(processus)


@pytest.fixture
def simulateur(simulateur_url, settings):
    settings.SIMULATEUR_URL = simulateur_url
    settings.SIMULATEUR_DELAI = 60  # machine de CI chargée : le délai court de production ne sert pas ici
    return simulateur_url
