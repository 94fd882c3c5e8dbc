"""API publique des données ouvertes de l'activité : `GET /api/v1/activite/mensuelle` (voir `ouvertes.py`)."""

from django.conf import settings
from ninja import Field, Query, Router, Schema

from franceservices.core.api import ERREURS_VALIDATION, Erreur

from . import ouvertes

router = Router(tags=["activité (données ouvertes)"])
TAILLE_PAGE = 100
SANS_NUL = r"^[^\x00]*$"  # le caractère nul est refusé (400) avant la vue : hors schéma
MOTIF_MOIS = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"


class CaseOut(Schema):
    partenaire: str = Field(description="Code du partenaire, ou « autre » (partenaires locaux)")
    libelle: str
    nombre: int | None = Field(description="Nombre de demandes ; null si la case est sous secret statistique")
    secret: bool


class LigneOut(Schema):
    mois: str = Field(description="AAAA-MM")
    id_fs: str
    structure: str
    departement: str = Field(description="Code du département")
    total: int | None = Field(description="Total des demandes ; null s'il est sous le seuil du secret")
    total_secret: bool
    partenaires: list[CaseOut]


class PageActivite(Schema):
    total: int = Field(description="Nombre de lignes (mois × France services)")
    page: int
    pages: int
    seuil_secret: int
    resultats: list[LigneOut]


class FiltresActivite(Schema):
    mois: str | None = Field(None, pattern=MOTIF_MOIS, description="Mois au format AAAA-MM (ex. 2026-10)")
    departement: str | None = Field(
        None, max_length=3, pattern=SANS_NUL, description="Code du département (ex. 16, 2A, 974)"
    )
    structure: str | None = Field(
        None, max_length=20, pattern=SANS_NUL, description="Identifiant France services (id_fs)"
    )
    synthetiques: bool = Field(
        False, description="Inclure les demandes synthétiques (démonstration) ; exclues par défaut"
    )
    page: int = Field(1, ge=1, le=100_000)


@router.get(
    "/mensuelle",
    response={200: PageActivite, 400: Erreur, **ERREURS_VALIDATION},
    summary="Demandes par mois, France services et partenaire (secret statistique appliqué)",
    description=(
        "Agrégats mensuels des demandes traitées par chaque France services, par partenaire, hors demandes "
        "synthétiques. Les cases de moins de `seuil_secret` demandes sont masquées (`nombre` null, "
        "`secret` vrai) ; si une seule case d'une ligne est masquée, la plus petite autre case l'est aussi "
        "(secret secondaire), pour qu'on ne puisse pas la retrouver par différence avec le total. "
        "Licence Ouverte 2.0."
    ),
)
def mensuelle(request, filtres: Query[FiltresActivite]):
    from datetime import date

    mois = date(int(filtres.mois[:4]), int(filtres.mois[5:7]), 1) if filtres.mois else None
    total, pages, lignes = ouvertes.page(
        filtres.page,
        TAILLE_PAGE,
        mois=mois,
        departement=filtres.departement,
        structure=filtres.structure,
        synthetiques=filtres.synthetiques,
    )
    return {
        "total": total,
        "page": filtres.page,
        "pages": pages,
        "seuil_secret": settings.SEUIL_SECRET_STATISTIQUE,
        "resultats": lignes,
    }
