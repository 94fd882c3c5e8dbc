"""Qui reçoit, qui voit, qui gère une diffusion (événement ou publication du réseau).

- `destinataires(diffusion)` : les personnes ayant une habilitation active d'un des rôles visés dans le
  périmètre (France services, département ou lieu de médiation du département ; de la région par ses
  départements ; tout le monde pour le national). Une seule requête, jamais une par personne.
- `filtre_adressees(utilisateur)` : l'inverse — le filtre (Q) des diffusions qui s'adressent à la personne,
  d'après ses habilitations actives (déjà chargées par `perimetre_de`) ; une requête pour les régions.
- `filtre_gerables(perimetre)` : ce que la personne organise ou publie : tout (équipe nationale), le
  département qu'elle anime ou suit en préfecture, les diffusions de son partenaire (référent national).
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.comptes.perimetre import RIEN, perimetre_de
from franceservices.territoires.models import Departement

from .models import CHAMPS_PUBLIC, Portee


def filtre_habilitations(*, portee: str, region_id=None, departement_id=None, roles) -> Q:
    """Habilitations (à prendre parmi les actives) des rôles `roles` dans le périmètre donné."""
    filtre = Q(role__in=list(roles))
    if portee == Portee.DEPARTEMENT:
        filtre &= (
            Q(structure__departement_id=departement_id)
            | Q(departement_id=departement_id)
            | Q(lieu_mediation__departement_id=departement_id)
        )
    elif portee == Portee.REGION:
        filtre &= (
            Q(structure__departement__region_id=region_id)
            | Q(departement__region_id=region_id)
            | Q(lieu_mediation__departement__region_id=region_id)
        )
    return filtre


def destinataires(diffusion, *, le=None):
    """Les destinataires d'un événement ou d'une publication (QuerySet d'utilisateurs actifs)."""
    habilitations = Habilitation.objects.actives(le).filter(
        filtre_habilitations(
            portee=diffusion.portee,
            region_id=diffusion.region_id,
            departement_id=diffusion.departement_id,
            roles=diffusion.roles_vises,
        )
    )
    return Utilisateur.objects.filter(is_active=True, pk__in=habilitations.values("utilisateur_id"))


def _departement_de(habilitation) -> int | None:
    if habilitation.structure_id:
        return habilitation.structure.departement_id
    if habilitation.lieu_mediation_id:
        return habilitation.lieu_mediation.departement_id
    return habilitation.departement_id


def filtre_adressees(utilisateur) -> Q:
    """Les diffusions qui s'adressent à `utilisateur` (gardé sur l'objet : calculé une fois par requête)."""
    cache = getattr(utilisateur, "_reseau_adressees", None)
    if cache is not None:
        return cache
    perimetre = perimetre_de(utilisateur)
    par_role: dict[str, set] = {}
    for h in perimetre.habilitations:
        if h.role in CHAMPS_PUBLIC:
            par_role.setdefault(h.role, set()).add(_departement_de(h))
    tous = {d for ds in par_role.values() for d in ds if d is not None}
    regions = dict(Departement.objects.filter(pk__in=tous).values_list("pk", "region_id")) if tous else {}
    conditions = []
    for role, departements in par_role.items():
        departements.discard(None)
        territoire = Q(portee=Portee.NATIONAL)
        if departements:
            territoire |= Q(portee=Portee.DEPARTEMENT, departement_id__in=departements)
            territoire |= Q(portee=Portee.REGION, region_id__in={regions[d] for d in departements})
        conditions.append(Q(**{CHAMPS_PUBLIC[Role(role)]: True}) & territoire)
    filtre = reduce(or_, conditions) if conditions else RIEN
    if utilisateur.is_authenticated:
        utilisateur._reseau_adressees = filtre
    return filtre


def peut_organiser(perimetre) -> bool:
    """Organiser des événements, publier : équipe nationale, animateurs, préfectures, référents nationaux."""
    return perimetre.national or bool(perimetre.departements_pilotes or perimetre.partenaires_nationaux)


def filtre_gerables(perimetre) -> Q:
    if perimetre.national:
        return Q()
    conditions = []
    if perimetre.departements_pilotes:
        conditions.append(Q(portee=Portee.DEPARTEMENT, departement_id__in=perimetre.departements_pilotes))
    if perimetre.partenaires_nationaux:
        conditions.append(Q(partenaire_id__in=perimetre.partenaires_nationaux))
    return reduce(or_, conditions) if conditions else RIEN


def explication(perimetre) -> str:
    if perimetre.national:
        return "Équipe nationale : vous voyez et gérez toutes les diffusions du réseau."
    morceaux = []
    if perimetre.departements_pilotes:
        morceaux.append("celles de votre département, que vous gérez")
    if perimetre.partenaires_nationaux:
        morceaux.append("celles de votre partenaire, que vous gérez")
    texte = "Vous voyez ce qui s'adresse à vous (votre rôle, votre département, votre région, le national)"
    if morceaux:
        texte += ", et " + " et ".join(morceaux)
    return texte + "."
