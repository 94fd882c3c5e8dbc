"""API publique en lecture du catalogue : les démarches des partenaires nationaux (socle et ajoutés).

Les partenaires en pilote n'y figurent pas (proposés seulement sur le périmètre d'une expérimentation).
La règle, les pièces et les liens sont des valeurs par défaut du projet, à confirmer par la charte de
chaque partenaire (champ `source_regle`).
"""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from franceservices.activite.models import Demarche
from franceservices.core.api import ERREURS_VALIDATION, Erreur
from franceservices.partenaires.models import Partenaire, Presence

router = Router(tags=["catalogue"])
PRESENCES_PUBLIQUES = [Presence.SOCLE, Presence.AJOUTE]
SOURCE_REGLE = "Valeur par défaut du projet, à confirmer par la charte du partenaire."


class PartenaireOut(Schema):
    code: str
    nom_court: str
    nom_complet: str
    presence: str


class DemarcheOut(Schema):
    id: int
    partenaire: str = Field(description="Code du partenaire")
    libelle: str
    theme: str
    regle: str = Field(description="guichet, orientation ou escalade")
    regle_libelle: str
    mode_orientation: str
    precisions_orientation: str
    pieces: list[str]
    lien_en_ligne: str
    lien_service_public: str
    source_regle: str


class FiltresDemarches(Schema):
    partenaire: str | None = Field(
        None, max_length=20, pattern=r"^[a-z0-9-]+$", description="Code du partenaire (ex. cnaf, ants)"
    )


def _partenaires():
    return Partenaire.objects.filter(presence__in=PRESENCES_PUBLIQUES, actif=True)


@router.get(
    "/partenaires",
    response={200: list[PartenaireOut], **ERREURS_VALIDATION},
    summary="Partenaires nationaux du bouquet de services",
)
def partenaires(request):
    return list(_partenaires().order_by("presence", "nom_court"))


@router.get(
    "/demarches",
    response={200: list[DemarcheOut], 404: Erreur, **ERREURS_VALIDATION},
    summary="Démarches du catalogue (règle de la charte, pièces, liens officiels)",
)
def demarches(request, filtres: Query[FiltresDemarches]):
    qs = demarches_publiques().select_related("partenaire")
    if filtres.partenaire:
        if not _partenaires().filter(code=filtres.partenaire).exists():
            raise HttpError(
                404, f"Partenaire inconnu ou absent du catalogue public : « {filtres.partenaire} »."
            )
        qs = qs.filter(partenaire__code=filtres.partenaire)
    return [_demarche(d) for d in qs.order_by("partenaire__nom_court", "ordre", "libelle")]


@router.get(
    "/demarches/{demarche_id}",
    response={200: DemarcheOut, 404: Erreur, **ERREURS_VALIDATION},
    summary="Une démarche du catalogue",
)
def demarche(request, demarche_id: int):
    d = get_object_or_404(demarches_publiques().select_related("partenaire"), pk=demarche_id)
    return _demarche(d)


def demarches_publiques():
    """Les démarches publiées par l'API : actives, des partenaires du socle et ajoutés."""
    return Demarche.objects.filter(actif=True, partenaire__in=_partenaires())


def _demarche(d: Demarche) -> dict:
    return {
        "id": d.pk,
        "partenaire": d.partenaire.code,
        "libelle": d.libelle,
        "theme": d.theme,
        "regle": d.regle,
        "regle_libelle": d.get_regle_display(),
        "mode_orientation": d.mode_orientation,
        "precisions_orientation": d.precisions_orientation,
        "pieces": d.liste_pieces,
        "lien_en_ligne": d.lien_en_ligne,
        "lien_service_public": d.lien_service_public,
        "source_regle": SOURCE_REGLE,
    }
