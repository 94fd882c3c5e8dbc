"""API de gestion des France services, par jeton d'API personnel (portée `structures:lecture`).

L'authentification (jeton Bearer, portées) vient de `comptes.api` ; le périmètre de `visible_par`.
"""

from datetime import datetime

from django.db.models import Count
from ninja import Field, Query, Router, Schema

from franceservices.comptes.api import ERREURS_JETON, Pagination, exiger_portee, jeton_bearer
from franceservices.comptes.models import Portee
from franceservices.core.api import ERREURS_VALIDATION

from .models import Structure


class StructureGestionOut(Schema):
    id_fs: str = Field(..., description="Identifiant France services (open data)")
    nom: str = Field(..., description="Nom de la France services")
    departement: str = Field(..., description="Code du département")
    commune: str = Field(..., description="Commune")
    format: str = Field(..., description="Format (fixe, itinérant…)")
    heures_par_semaine: float = Field(..., description="Heures d'ouverture par semaine")
    jours_ouverts: int = Field(..., description="Jours d'ouverture par semaine")
    anomalies: int = Field(..., description="Nombre d'anomalies relevées à l'import")
    modifie_le: datetime = Field(..., description="Dernière modification de la fiche")


class PageStructuresGestion(Schema):
    total: int = Field(..., description="Nombre total de France services de votre périmètre")
    limit: int = Field(..., description="Taille de la page")
    offset: int = Field(..., description="Position du premier résultat")
    resultats: list[StructureGestionOut]


router_gestion = Router(tags=["gestion (jeton)"], auth=jeton_bearer)


@router_gestion.get(
    "/structures",
    response={200: PageStructuresGestion, **ERREURS_JETON, **ERREURS_VALIDATION},
    summary="Les France services de mon périmètre (gestion)",
)
def structures_gestion(request, pagination: Query[Pagination]):
    """Les France services de votre périmètre avec leurs indicateurs de gestion (heures et jours
    d'ouverture, anomalies, dernière modification) ; paginé par `limit` et `offset`.
    Portée `structures:lecture`."""
    exiger_portee(request, Portee.STRUCTURES_LECTURE)
    structures = Structure.objects.visible_par(request.user)
    total = structures.count()
    page = (
        structures.select_related("commune", "departement")
        .annotate(nombre_anomalies=Count("anomalies"))
        .order_by("departement__code", "nom", "pk")[pagination.offset : pagination.offset + pagination.limit]
    )
    return {
        "total": total,
        "limit": pagination.limit,
        "offset": pagination.offset,
        "resultats": [
            {
                "id_fs": s.id_fs,
                "nom": s.nom,
                "departement": s.departement.code,
                "commune": s.commune.nom if s.commune_id else s.libelle_commune,
                "format": s.format,
                "heures_par_semaine": s.heures_par_semaine,
                "jours_ouverts": s.jours_ouverts,
                "anomalies": s.nombre_anomalies,
                "modifie_le": s.modifie_le,
            }
            for s in page
        ],
    }
