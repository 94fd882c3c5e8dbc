from django.views.decorators.cache import cache_control
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from franceservices.core.api import ERREURS_VALIDATION

from .recherche import chercher_communes

router = Router(tags=["communes"])


class CommuneOut(Schema):
    code_insee: str
    nom: str
    type: str
    codes_postaux: list[str]
    departement: str
    departement_nom: str
    population: int | None
    lat: float | None
    lon: float | None


class RechercheCommunes(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="Nom (tolérant), code postal ou code INSEE")
    limit: int = Field(10, ge=1, le=50, description="Nombre de résultats (1 à 50)")


def commune_out(commune) -> dict:
    position = commune.position or (None, None)
    return {
        "code_insee": commune.code_insee,
        "nom": commune.nom,
        "type": commune.type,
        "codes_postaux": commune.liste_codes_postaux,
        "departement": commune.departement.code,
        "departement_nom": commune.departement.nom,
        "population": commune.population,
        "lat": position[0],
        "lon": position[1],
    }


@router.get("", response={200: list[CommuneOut], **ERREURS_VALIDATION}, summary="Rechercher une commune")
@decorate_view(cache_control(public=True, max_age=3600))
def communes(request, filtres: Query[RechercheCommunes]):
    """Correspondances classées : nom exact, puis préfixe, puis approché (fautes de frappe) ; à égalité,
    la plus peuplée d'abord. Insensible à la casse, aux accents, aux tirets et apostrophes ; « st »/« ste »
    valent « saint »/« sainte »."""
    return [commune_out(c) for c in chercher_communes(filtres.q, filtres.limit)]
