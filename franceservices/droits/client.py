"""Client HTTP du simulateur (processus séparé, boucle locale) : `calculer`, `sante`.

Toute panne (refus de connexion, délai dépassé, réponse illisible, erreur 5xx) devient
`SimulateurIndisponible` ; une entrée refusée par le modèle (400) devient `ErreurSimulateur`.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings

DELAI_DEFAUT = 10.0
URL_DEFAUT = "http://127.0.0.1:5001"


class SimulateurIndisponible(Exception):
    """Le simulateur ne répond pas (arrêté, délai dépassé, erreur interne)."""


class ErreurSimulateur(Exception):
    """Le simulateur a refusé la situation (message clair renvoyé par le modèle)."""


def url_simulateur() -> str:
    return getattr(settings, "SIMULATEUR_URL", URL_DEFAUT).rstrip("/")


def delai() -> float:
    return float(getattr(settings, "SIMULATEUR_DELAI", DELAI_DEFAUT))


def _requete(methode: str, chemin: str, corps: dict | None = None, delai_s: float | None = None) -> dict:
    donnees = json.dumps(corps).encode() if corps is not None else None
    requete = urllib.request.Request(
        url_simulateur() + chemin,
        data=donnees,
        method=methode,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(requete, timeout=delai_s or delai()) as reponse:
            return json.loads(reponse.read())
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("erreur", "")
        except (ValueError, AttributeError):
            message = ""
        if exc.code == 400:
            raise ErreurSimulateur(message or "Situation refusée par le simulateur.") from exc
        raise SimulateurIndisponible(f"Le simulateur a répondu {exc.code}. {message}".strip()) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise SimulateurIndisponible(f"Le simulateur ne répond pas ({url_simulateur()}).") from exc
    except ValueError as exc:
        raise SimulateurIndisponible("Réponse illisible du simulateur.") from exc


def sante(delai_s: float = 2.0) -> dict:
    return _requete("GET", "/sante", delai_s=delai_s)


def calculer(situation: dict, calculs: list[dict]) -> dict:
    """{variable: {periode: {identifiant: valeur}}}"""
    return _requete("POST", "/calculer", {"situation": situation, "calculs": calculs})["resultats"]
