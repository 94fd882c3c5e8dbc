import math
import time

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.throttling import BaseThrottle

from franceservices.bouquet.api import router as catalogue_router
from franceservices.comptes.api import router as compte_router
from franceservices.core.limitation import depasse
from franceservices.statistiques.api import router as activite_router
from franceservices.structures.api import router as structures_router
from franceservices.structures.api_gestion import router_gestion
from franceservices.territoires.api import router as communes_router


class LimiteDebitApi(BaseThrottle):
    """Limite par adresse IP (`LIMITES_DEBIT["api"]` requêtes par minute), lue à chaque requête ; même
    compteur à fenêtre fixe que les pages (`core.limitation`)."""

    def allow_request(self, request) -> bool:
        return not depasse(request, "api")

    def wait(self) -> float:
        return 60 - time.time() % 60  # fin de la minute en cours


api = NinjaAPI(
    title="API France services",
    version="1.0.0",
    description=(
        "Registre public des France services et recherche de proximité. Données : liste des France "
        "services de l'ANCT (Licence Ouverte 2.0), référentiel des communes (COG, API Découpage administratif).\n\n"
        "Les routes `/moi`, `/equipe` et `/gestion/…` sont privées : elles demandent un jeton d'API personnel "
        "(en-tête `Authorization: Bearer <jeton>`) et ne montrent que le périmètre de la personne qui l'a créé."
    ),
    urls_namespace="api",
    docs_url=None,
    throttle=[LimiteDebitApi()],
)
api.add_router("/communes", communes_router)
api.add_router("/structures", structures_router)
api.add_router("/catalogue", catalogue_router)
# API privée, par jeton d'API personnel (Bearer) : voir franceservices/comptes/api.py.
api.add_router("", compte_router)
api.add_router("/gestion", router_gestion)
api.add_router("/activite", activite_router)


EXEMPLE_DATE_HEURE = "2026-03-02T10:00"

# Messages de pydantic (en anglais) traduits d'après le type d'erreur ; {…} : valeurs du contexte (ctx).
MESSAGES_VALIDATION = {
    "missing": "paramètre obligatoire manquant",
    "float_parsing": "doit être un nombre (séparateur décimal : le point, par exemple 48.07)",
    "float_type": "doit être un nombre",
    "finite_number": "doit être un nombre fini",
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier, sans décimale",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "less_than": "doit être strictement inférieur à {lt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "greater_than": "doit être strictement supérieur à {gt}",
    "string_too_long": "doit comporter au plus {max_length} caractère(s)",
    "string_too_short": "doit comporter au moins {min_length} caractère(s)",
    "string_type": "doit être une chaîne de caractères",
    "string_pattern_mismatch": "contient des caractères non autorisés",
    "bool_parsing": "doit valoir true ou false",
    "bool_type": "doit valoir true ou false",
    "date_parsing": "doit être une date au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "doit être une date au format AAAA-MM-JJ",
    "datetime_parsing": f"doit être une date et heure ISO 8601, par exemple {EXEMPLE_DATE_HEURE}",
    "datetime_from_date_parsing": f"doit être une date et heure ISO 8601, par exemple {EXEMPLE_DATE_HEURE}",
    "datetime_type": f"doit être une date et heure ISO 8601, par exemple {EXEMPLE_DATE_HEURE}",
    "datetime_object_invalid": "date et heure invalide",
    "timezone_aware": "doit préciser le fuseau horaire (par exemple +01:00)",
    "literal_error": "doit valoir {expected}",
    "enum": "doit valoir {expected}",
    "json_invalid": "JSON invalide",
    "extra_forbidden": "paramètre inconnu",
}

# Détails d'analyse des dates (pydantic-core) les plus courants.
DETAILS_DATE = {
    "input is too short": "texte trop court",
    "input is too long": "texte trop long",
    "month value is outside expected range of 1-12": "le mois doit être entre 1 et 12",
    "day value is outside expected range": "jour inexistant dans ce mois",
    "hour value is outside expected range of 0-23": "l'heure doit être entre 0 et 23",
    "minute value is outside expected range of 0-59": "les minutes doivent être entre 0 et 59",
    "second value is outside expected range of 0-59": "les secondes doivent être entre 0 et 59",
    "unexpected extra characters at the end of the input": "caractères en trop à la fin",
    "invalid character in year": "année invalide",
    "invalid character in month": "mois invalide",
    "invalid character in day": "jour invalide",
    "invalid character in hour": "heure invalide",
    "invalid date separator, expected `-`": "séparateur de date attendu : « - »",
    "invalid timezone sign": "fuseau horaire invalide",
}


def _nombre(valeur):
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    return str(valeur).replace(".", ",") if isinstance(valeur, float) else valeur


def message_francais(erreur: dict) -> str:
    """Le message d'une erreur de validation pydantic, en français."""
    type_ = erreur.get("type", "")
    ctx = {cle: _nombre(valeur) for cle, valeur in (erreur.get("ctx") or {}).items()}
    if type_ in ("value_error", "assertion_error") and ctx.get("error"):
        # Nos propres validateurs lèvent déjà des messages en français.
        return str(ctx["error"]).removeprefix("Assertion failed, ")
    modele = MESSAGES_VALIDATION.get(type_)
    if modele is None:
        return "valeur invalide"
    try:
        message = modele.format(**ctx)
    except (KeyError, IndexError, ValueError):
        message = modele.split(" {")[0]
    if type_.startswith(("datetime", "date")) and str(ctx.get("error", "")) in DETAILS_DATE:
        message += f" ({DETAILS_DATE[str(ctx['error'])]})"
    return message


@api.exception_handler(ValidationError)
def erreur_validation(request, exc):
    erreurs = []
    for e in exc.errors:
        champ = ".".join(str(x) for x in e.get("loc", [])[1:] if x not in ("filtres",)) or "requête"
        erreurs.append({"champ": champ, "message": message_francais(e)})
    message = "Paramètres invalides : " + " ; ".join(f"{e['champ']} — {e['message']}" for e in erreurs)
    return api.create_response(request, {"message": message, "erreurs": erreurs}, status=422)


@api.exception_handler(Http404)
def introuvable(request, exc):
    return api.create_response(request, {"message": "Ressource introuvable."}, status=404)


@api.exception_handler(HttpError)
def erreur_http(request, exc):
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def non_authentifie(request, exc):
    message = str(exc)
    if message == "Unauthorized":
        message = "Authentification requise : en-tête « Authorization: Bearer <jeton> »."
    reponse = api.create_response(request, {"message": message}, status=401)
    reponse["WWW-Authenticate"] = 'Bearer realm="api"'
    return reponse


@api.exception_handler(Throttled)
def trop_de_requetes(request, exc):
    attente = math.ceil(exc.wait) if exc.wait else 60
    return api.create_response(
        request,
        {"message": f"Trop de requêtes : la limite est atteinte, réessayez dans {attente} seconde(s)."},
        status=429,
    )
