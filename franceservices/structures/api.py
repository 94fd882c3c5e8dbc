from datetime import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator, model_validator

from franceservices.core.api import ERREURS_VALIDATION, Erreur
from franceservices.territoires.recherche import index_communes

from .horaires import JOURS
from .models import Structure
from .proximite import fiches_proches
from .serialisation import resume

router = Router(tags=["structures"])
TAILLE_PAGE = 50
ANNEE_MIN, ANNEE_MAX = 1900, 2100  # bornes de « ouvert_le »


class PlageOut(Schema):
    debut: str
    fin: str
    sur_rdv: bool


class JourOut(Schema):
    plages: list[PlageOut]
    note: str = ""
    non_communique: bool = False


class StructureResume(Schema):
    id_fs: str
    nom: str
    adresse: str
    code_postal: str
    commune: str
    code_insee: str
    departement: str
    lat: float | None
    lon: float | None
    telephone: str
    email: str
    type: str
    format: str
    url: str


class StructureDetail(StructureResume):
    complement_adresse: str
    groupe: str
    date_labellisation: str | None
    prise_rdv: bool
    commentaire: str
    horaires: dict[str, JourOut]
    heures_par_semaine: float
    ouvert_maintenant: bool
    prochaine_ouverture: datetime | None


class StructureProche(StructureResume):
    distance_km: float
    ouvert_maintenant: bool
    prochaine_ouverture: datetime | None


class PageStructures(Schema):
    total: int
    page: int
    pages: int
    resultats: list[StructureResume]


class FiltresRegistre(Schema):
    departement: str | None = Field(None, max_length=3, description="Code du département (ex. 53, 2A, 974)")
    commune: str | None = Field(None, max_length=5, description="Code INSEE de la commune")
    q: str | None = Field(
        None, max_length=100, description="Texte cherché dans le nom, l'adresse ou la commune"
    )
    page: int = Field(1, ge=1, le=10_000)


class FiltresProximite(Schema):
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False, description="Latitude WGS84")
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, description="Longitude WGS84")
    commune: str | None = Field(
        None, min_length=5, max_length=5, description="Code INSEE (à la place de lat/lon)"
    )
    limit: int = Field(settings.RECHERCHE_RESULTATS_PAR_DEFAUT, ge=1, le=settings.RECHERCHE_RESULTATS_MAXIMUM)
    ouvert_le: datetime | None = Field(
        None,
        description=(
            f"Seulement les lieux ouverts à cet instant (ISO 8601, heure de Paris si le fuseau n'est pas "
            f"précisé ; années {ANNEE_MIN}-{ANNEE_MAX})"
        ),
    )

    @model_validator(mode="after")
    def position_ou_commune(self):
        if self.commune is None and (self.lat is None or self.lon is None):
            raise ValueError("Indiquez une position (lat et lon) ou un code commune (commune).")
        if self.commune is not None and (self.lat is not None or self.lon is not None):
            raise ValueError("Indiquez soit une position (lat et lon), soit un code commune, pas les deux.")
        return self

    @field_validator("ouvert_le")
    @classmethod
    def annee_raisonnable(cls, valeur):
        # Au-delà, la conversion vers le fuseau du lieu sortirait des dates représentables (erreur 500).
        if valeur is not None and not ANNEE_MIN <= valeur.year <= ANNEE_MAX:
            raise ValueError(f"l'année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}")
        return valeur


def horaires_out(structure: Structure) -> dict:
    return {
        jour: {
            "plages": [
                {"debut": f"{p.debut:%H:%M}", "fin": f"{p.fin:%H:%M}", "sur_rdv": p.sur_rdv} for p in h.plages
            ],
            "note": h.note,
            "non_communique": h.non_communique,
        }
        for jour in JOURS
        for h in [structure.semaine.jour(jour)]
    }


def instant_local(valeur: datetime | None) -> datetime:
    if valeur is None:
        return timezone.now()
    if timezone.is_naive(valeur):
        return timezone.make_aware(valeur)  # heure de Paris par défaut
    return valeur


@router.get(
    "",
    response={200: PageStructures, 404: Erreur, **ERREURS_VALIDATION},
    summary="Registre des France services (paginé)",
)
def liste(request, filtres: Query[FiltresRegistre]):
    qs = Structure.objects.pour_affichage().order_by("departement__code", "nom", "pk")
    if filtres.departement:
        qs = qs.filter(departement__code=filtres.departement.upper())
    if filtres.commune:
        qs = qs.filter(Q(code_insee=filtres.commune) | Q(commune__code_insee=filtres.commune))
    if filtres.q:
        qs = qs.recherche(filtres.q)
    pages = Paginator(qs, TAILLE_PAGE)
    if filtres.page > max(pages.num_pages, 1):
        raise HttpError(404, f"Page {filtres.page} inexistante : il y a {pages.num_pages} page(s).")
    page = pages.page(filtres.page)
    return {
        "total": pages.count,
        "page": page.number,
        "pages": pages.num_pages,
        "resultats": [resume(s) for s in page],
    }


@router.get(
    "/proximite",
    response={200: list[StructureProche], 404: Erreur, **ERREURS_VALIDATION},
    summary="Les France services les plus proches",
)
def proximite(request, filtres: Query[FiltresProximite]):
    """Triées par distance à vol d'oiseau (`distance_km`), depuis une position ou le centre d'une commune."""
    if filtres.commune:
        commune = index_communes().commune_de_code(filtres.commune)
        if commune is None:
            raise HttpError(404, f"Commune inconnue : « {filtres.commune} ».")
        if commune.position is None:
            raise HttpError(422, f"La commune {commune.nom} n'a pas de coordonnées connues.")
        lat, lon = commune.position
    else:
        lat, lon = filtres.lat, filtres.lon
    ouvert_le = instant_local(filtres.ouvert_le) if filtres.ouvert_le else None
    # Les fiches sont précalculées et conformes au schéma (vérifié par schemathesis) : on les sérialise
    # directement, sans revalidation pydantic (le débit de cette route double).
    fiches = fiches_proches(lat, lon, filtres.limit, ouvert_le, timezone.now())
    return JsonResponse(fiches, safe=False, json_dumps_params={"ensure_ascii": False})


@router.get("/{id_fs}", response={200: StructureDetail, 404: Erreur}, summary="Une France services")
def detail(request, id_fs: str):
    structure = get_object_or_404(Structure.objects.pour_affichage(), id_fs=id_fs)
    maintenant = timezone.now()
    return {
        **resume(structure),
        "complement_adresse": structure.complement_adresse,
        "groupe": structure.groupe,
        "date_labellisation": structure.date_labellisation.isoformat()
        if structure.date_labellisation
        else None,
        "prise_rdv": structure.prise_rdv,
        "commentaire": structure.commentaire,
        "horaires": horaires_out(structure),
        "heures_par_semaine": structure.heures_par_semaine,
        "ouvert_maintenant": structure.ouvert_a(maintenant),
        "prochaine_ouverture": structure.prochaine_ouverture(maintenant),
    }
