from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from franceservices.structures.api import router as structures_router
from franceservices.territoires.api import router as communes_router

api = NinjaAPI(
    title="API France services",
    version="1.0.0",
    description=(
        "Registre public des France services et recherche de proximité. Données : liste des France "
        "services de l'ANCT (Licence Ouverte 2.0), référentiel des communes (COG, API Découpage administratif)."
    ),
    urls_namespace="api",
    docs_url=None,
)
api.add_router("/communes", communes_router)
api.add_router("/structures", structures_router)


@api.exception_handler(ValidationError)
def erreur_validation(request, exc):
    erreurs = []
    for e in exc.errors:
        champ = ".".join(str(x) for x in e.get("loc", [])[1:] if x not in ("filtres",)) or "requête"
        erreurs.append(
            {"champ": champ, "message": e.get("msg", "valeur invalide").removeprefix("Value error, ")}
        )
    message = "Paramètres invalides : " + " ; ".join(f"{e['champ']} — {e['message']}" for e in erreurs)
    return api.create_response(request, {"message": message, "erreurs": erreurs}, status=422)


@api.exception_handler(Http404)
def introuvable(request, exc):
    return api.create_response(request, {"message": "Ressource introuvable."}, status=404)


@api.exception_handler(HttpError)
def erreur_http(request, exc):
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)
