"""API privée, par jeton d'API personnel (en-tête `Authorization: Bearer <jeton>`).

Le jeton agit au nom de la personne qui l'a créé : `request.user` devient cette personne, donc toutes les
requêtes partent de `visible_par(request.user)` comme dans les pages. Pas d'authentification par session
sur ces routes (ni cookie, ni CSRF) : seul le jeton compte. Chaque route exige en plus une portée.
"""

from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from franceservices.core.api import ERREURS_VALIDATION, Erreur
from franceservices.core.audit import adresse_ip, journaliser
from franceservices.core.models import Evenement

from .models import Habilitation, JetonAPI, Portee, Utilisateur

LONGUEUR_MAXIMUM_JETON = 200
INTERVALLE_DERNIERE_UTILISATION = timedelta(minutes=1)
TAILLE_PAGE, TAILLE_PAGE_MAXIMUM = 50, 200
ERREURS_JETON = {401: Erreur, 403: Erreur, 429: Erreur}

AUTHENTIFICATION = (
    "Authentification : en-tête `Authorization: Bearer <jeton>`, avec un jeton d'API personnel créé "
    "dans « Mon compte » → « Mes jetons d'API »."
)


class JetonBearer(HttpBearer):
    """Jeton d'API personnel : seule son empreinte SHA-256 est en base."""

    openapi_bearerFormat = "fs_…"
    openapi_description = (
        "Jeton d'API personnel (créé dans « Mes jetons d'API »), transmis dans l'en-tête "
        "`Authorization: Bearer <jeton>`. Il donne accès aux données du périmètre de la personne qui l'a "
        "créé, pour ses portées, jusqu'à son expiration ou sa révocation."
    )

    def __call__(self, request):
        entete = request.headers.get(self.header, "")
        schema, _, valeur = entete.partition(" ")
        if schema.lower() != "bearer" or not valeur.strip():
            refuser(
                request, "absent", "Authentification requise : en-tête « Authorization: Bearer <jeton> »."
            )
        return self.authenticate(request, valeur.strip())

    def authenticate(self, request, token):
        if len(token) > LONGUEUR_MAXIMUM_JETON or not token.isascii():
            refuser(request, "inconnu", "Jeton d'API invalide.")
        empreinte = JetonAPI.empreinte_de(token)
        jeton = JetonAPI.objects.valides().select_related("utilisateur").filter(empreinte=empreinte).first()
        if jeton is None:
            refuser(request, *motif_refus(empreinte))
        utilisateur = jeton.utilisateur
        if utilisateur.perimetre.est_vide:
            refuser(
                request,
                "sans_habilitation",
                "Le compte associé à ce jeton n'a plus d'habilitation active.",
                jeton=jeton,
            )
        maintenant = timezone.now()
        derniere = jeton.derniere_utilisation_le
        if derniere is None or maintenant - derniere >= INTERVALLE_DERNIERE_UTILISATION:
            # Au plus une écriture par minute et par jeton, pas une par appel.
            JetonAPI.objects.filter(pk=jeton.pk).update(derniere_utilisation_le=maintenant)
            jeton.derniere_utilisation_le = maintenant
        request.user = utilisateur
        request.jeton = jeton
        return jeton


def motif_refus(empreinte: str) -> tuple[str, str]:
    """Pourquoi un jeton n'est pas valide (il n'y a que son détenteur pour le présenter)."""
    jeton = JetonAPI.objects.select_related("utilisateur").filter(empreinte=empreinte).first()
    if jeton is None:
        return "inconnu", "Jeton d'API inconnu."
    if jeton.revoque_le is not None:
        return "revoque", "Ce jeton d'API a été révoqué."
    if jeton.expire_le <= timezone.now():
        return "expire", f"Ce jeton d'API a expiré le {timezone.localtime(jeton.expire_le):%d/%m/%Y}."
    return "compte_desactive", "Le compte associé à ce jeton est désactivé."


def refuser(request, motif: str, message: str, jeton: JetonAPI | None = None):
    """401 ; journalisé au plus une fois par minute et par adresse IP (pas d'inondation du journal)."""
    if motif != "absent" and cache.add(f"jeton_refuse:{adresse_ip(request) or 'inconnue'}", 1, timeout=60):
        journaliser(
            Evenement.JETON_REFUSE,
            request=request,
            acteur=jeton.utilisateur if jeton else None,
            cible=jeton,
            details={"motif": motif, "chemin": request.path[:200]},
        )
    raise AuthenticationError(message=message)


def exiger_portee(request, portee: Portee) -> None:
    if portee.value not in request.auth.portees:
        raise HttpError(403, f"Ce jeton n'a pas la portée « {portee.value} » ({portee.label.lower()}).")


jeton_bearer = JetonBearer()


# — Schémas —


class HabilitationOut(Schema):
    role: str = Field(..., description="Code du rôle (agent, responsable, animateur…)")
    role_libelle: str = Field(..., description="Libellé du rôle")
    perimetre: str = Field(..., description="Élément de périmètre, en clair")
    structure: str | None = Field(None, description="Identifiant `id_fs` de la France services")
    departement: str | None = Field(None, description="Code du département")
    partenaire: str | None = Field(None, description="Code du partenaire (référent partenaire)")
    debut: date = Field(..., description="Début de l'habilitation")
    fin: date | None = Field(None, description="Fin de l'habilitation (incluse), ou null")


class JetonOut(Schema):
    nom: str = Field(..., description="Nom donné au jeton")
    debut: str = Field(..., description="Premiers caractères du jeton")
    portees: list[str] = Field(..., description="Portées du jeton")
    expire_le: datetime = Field(..., description="Fin de validité")


class MoiOut(Schema):
    email: str = Field(..., description="Adresse électronique de la personne")
    prenom: str = Field(..., description="Prénom")
    nom: str = Field(..., description="Nom")
    habilitations: list[HabilitationOut] = Field(..., description="Habilitations en cours")
    jeton: JetonOut = Field(..., description="Le jeton utilisé pour cet appel")


class PersonneOut(Schema):
    id: int = Field(..., description="Identifiant de la personne")
    email: str = Field(..., description="Adresse électronique")
    prenom: str = Field(..., description="Prénom")
    nom: str = Field(..., description="Nom")
    actif: bool = Field(..., description="Faux si le compte est désactivé")
    habilitations: list[HabilitationOut] = Field(
        ..., description="Habilitations en cours, visibles dans votre périmètre"
    )


class PagePersonnes(Schema):
    total: int = Field(..., description="Nombre total de personnes de votre périmètre")
    limit: int = Field(..., description="Taille de la page")
    offset: int = Field(..., description="Position du premier résultat")
    resultats: list[PersonneOut]


class IdPersonne(Schema):
    id: int = Field(..., ge=1, le=2**63 - 1, description="Identifiant de la personne")


class Pagination(Schema):
    limit: int = Field(TAILLE_PAGE, ge=1, le=TAILLE_PAGE_MAXIMUM, description="Nombre de résultats par page")
    offset: int = Field(0, ge=0, le=1_000_000, description="Nombre de résultats à sauter")


# — Sérialisation —


def habilitation_out(h: Habilitation) -> dict:
    return {
        "role": h.role,
        "role_libelle": h.get_role_display(),
        "perimetre": h.libelle_perimetre,
        "structure": h.structure.id_fs if h.structure_id else None,
        "departement": h.departement.code if h.departement_id else None,
        "partenaire": h.partenaire.code if h.partenaire_id else None,
        "debut": h.debut,
        "fin": h.fin,
    }


RELATIONS_HABILITATION = ("structure", "departement", "partenaire", "lieu_mediation")


def _en_cours() -> Q:
    jour = timezone.localdate()
    return Q(revoquee_le__isnull=True, debut__lte=jour) & (Q(fin__isnull=True) | Q(fin__gte=jour))


def _habilitations_visibles(utilisateur) -> Prefetch:
    filtre = utilisateur.perimetre.filtre_habilitations()
    visibles = (
        Q(utilisateur_id=utilisateur.pk) if filtre is None else filtre | Q(utilisateur_id=utilisateur.pk)
    )
    return Prefetch(
        "habilitations",
        queryset=Habilitation.objects.filter(_en_cours())
        .filter(visibles)
        .select_related(*RELATIONS_HABILITATION)
        .order_by("role", "pk"),
        to_attr="habilitations_visibles",
    )


def personne_out(personne: Utilisateur) -> dict:
    return {
        "id": personne.pk,
        "email": personne.email,
        "prenom": personne.first_name,
        "nom": personne.last_name,
        "actif": personne.is_active,
        "habilitations": [habilitation_out(h) for h in personne.habilitations_visibles],
    }


# — Routes —

router = Router(tags=["compte et équipe (jeton)"], auth=jeton_bearer)


@router.get("/moi", response={200: MoiOut, **ERREURS_JETON}, summary="La personne du jeton")
def moi(request):
    """La personne au nom de qui le jeton agit : identité, habilitations en cours, portées du jeton.
    Aucune portée n'est exigée."""
    utilisateur, jeton = request.user, request.auth
    return {
        "email": utilisateur.email,
        "prenom": utilisateur.first_name,
        "nom": utilisateur.last_name,
        "habilitations": [habilitation_out(h) for h in utilisateur.perimetre.habilitations],
        "jeton": {
            "nom": jeton.nom,
            "debut": jeton.debut,
            "portees": jeton.portees,
            "expire_le": jeton.expire_le,
        },
    }


@router.get(
    "/equipe",
    response={200: PagePersonnes, **ERREURS_JETON, **ERREURS_VALIDATION},
    summary="Les personnes de mon périmètre",
)
def equipe(request, pagination: Query[Pagination]):
    """Les personnes habilitées (ou l'ayant été) dans votre périmètre, avec leurs habilitations en cours ;
    paginé par `limit` et `offset`. Portée `equipe:lecture`."""
    exiger_portee(request, Portee.EQUIPE_LECTURE)
    personnes = Utilisateur.objects.visible_par(request.user)
    total = personnes.count()
    page = list(
        personnes.order_by("last_name", "first_name", "email", "pk").prefetch_related(
            _habilitations_visibles(request.user)
        )[pagination.offset : pagination.offset + pagination.limit]
    )
    journaliser(
        Evenement.ACCES_DONNEES_PERSONNELLES,
        request=request,
        details={"api": "equipe", "offset": pagination.offset, "nombre": len(page), "jeton": request.auth.pk},
    )
    return {
        "total": total,
        "limit": pagination.limit,
        "offset": pagination.offset,
        "resultats": [personne_out(p) for p in page],
    }


@router.get(
    "/equipe/{id}",
    response={200: PersonneOut, 404: Erreur, **ERREURS_JETON, **ERREURS_VALIDATION},
    summary="Une personne de mon périmètre",
)
def personne(request, chemin: Path[IdPersonne]):
    """Une personne de votre périmètre et ses habilitations en cours ; hors périmètre : 404.
    Portée `equipe:lecture`."""
    exiger_portee(request, Portee.EQUIPE_LECTURE)
    qs = Utilisateur.objects.visible_par(request.user).prefetch_related(_habilitations_visibles(request.user))
    cible = get_object_or_404(qs, pk=chemin.id)
    if cible.pk != request.user.pk:
        journaliser(
            Evenement.ACCES_DONNEES_PERSONNELLES,
            request=request,
            cible=cible,
            details={"api": "equipe/{id}", "jeton": request.auth.pk},
        )
    return personne_out(cible)
