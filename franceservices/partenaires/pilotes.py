"""Règles des pilotes : un partenaire en expérimentation n'est proposé que dans le périmètre d'un pilote en
cours, et seulement par un agent déclaré formé quand le pilote l'exige."""

from django.db.models import Q
from django.utils import timezone

from .models import FormationPilote, Pilote, Presence


def pilotes_couvrant(partenaire, structure, le=None):
    return Pilote.objects.en_cours(le).couvrant_structure(structure).filter(partenaire=partenaire)


def motif_refus(utilisateur, partenaire, structure, le=None) -> str | None:
    """None si `utilisateur` peut proposer `partenaire` dans `structure` ; sinon, pourquoi (en français)."""
    if partenaire.presence != Presence.PILOTE:
        return None
    pilotes = list(pilotes_couvrant(partenaire, structure, le))
    if not pilotes:
        return f"{partenaire.nom_court} n'est pas proposé dans cette France services (hors du périmètre du pilote)."
    exigeants = [p for p in pilotes if p.formation_requise]
    if len(exigeants) < len(pilotes):
        return None
    jour = le or timezone.localdate()
    forme = FormationPilote.objects.filter(
        pilote__in=exigeants, agent=utilisateur, formee_le__lte=jour
    ).exists()
    if not forme:
        return (
            f"Pour proposer {partenaire.nom_court}, vous devez d'abord être déclaré(e) formé(e) au pilote "
            f"« {exigeants[0].nom} » (par votre responsable ou l'animateur départemental)."
        )
    return None


def peut_proposer(utilisateur, partenaire, structure, le=None) -> bool:
    return motif_refus(utilisateur, partenaire, structure, le) is None


# — Qui gère les pilotes et déclare les formations —


def peut_gerer_pilotes(utilisateur) -> bool:
    """Créer ou modifier un pilote : l'équipe nationale seulement."""
    from franceservices.comptes.perimetre import perimetre_de

    return perimetre_de(utilisateur).national


def structures_declarables(utilisateur, pilote):
    """France services couvertes par `pilote` dont `utilisateur` peut déclarer les agents formés :
    équipe nationale (toutes), animateur (celles de son département), responsable (la sienne)."""
    from franceservices.comptes.perimetre import perimetre_de

    perimetre = perimetre_de(utilisateur)
    couvertes = pilote.structures_couvertes()
    if perimetre.national:
        return couvertes
    condition = Q(pk__in=perimetre.structures_responsable) | Q(
        departement_id__in=perimetre.departements_animateur
    )
    return couvertes.filter(condition)


def agents_declarables(utilisateur, pilote):
    """Personnes (agents et responsables actifs) d'une France services couverte par le pilote et gérée par
    `utilisateur` : ceux qu'il peut déclarer formés (ou dont il peut retirer la formation)."""
    from franceservices.comptes.models import Habilitation, Role, Utilisateur

    habilitations = Habilitation.objects.actives().filter(
        role__in=[Role.AGENT, Role.RESPONSABLE],
        structure__in=structures_declarables(utilisateur, pilote),
    )
    return Utilisateur.objects.filter(pk__in=habilitations.values("utilisateur_id"), is_active=True)


def peut_declarer(utilisateur, pilote) -> bool:
    """La personne a-t-elle au moins une France services couverte où déclarer des agents formés ?"""
    from franceservices.comptes.perimetre import perimetre_de

    perimetre = perimetre_de(utilisateur)
    if not (perimetre.national or perimetre.structures_responsable or perimetre.departements_animateur):
        return False
    return structures_declarables(utilisateur, pilote).exists()


def formations_visibles(utilisateur, pilote):
    """Formations du pilote que la personne voit sur la fiche : toutes pour l'équipe nationale et les
    référents du partenaire ; sinon celles des agents des France services de son périmètre."""
    from franceservices.comptes.models import Habilitation, Role
    from franceservices.comptes.perimetre import perimetre_de
    from franceservices.structures.models import Structure

    perimetre = perimetre_de(utilisateur)
    formations = pilote.formations.select_related("agent", "declaree_par").order_by(
        "agent__last_name", "agent__first_name", "agent__email"
    )
    if perimetre.national or pilote.partenaire_id in {p for p, _ in perimetre.partenaires}:
        return formations
    structures = Structure.objects.filter(perimetre.filtre_structures())
    habilitations = Habilitation.objects.filter(
        role__in=[Role.AGENT, Role.RESPONSABLE], structure__in=structures
    )
    return formations.filter(agent_id__in=habilitations.values("utilisateur_id"))


def pilotes_evaluables(utilisateur):
    """Pilotes dont la personne voit l'évaluation : équipe nationale (tous), référents du partenaire (ses
    pilotes), animateurs et préfectures (pilotes couvrant leur département). Les autres : aucun (404)."""
    from franceservices.comptes.perimetre import perimetre_de

    perimetre = perimetre_de(utilisateur)
    if perimetre.national:
        return Pilote.objects.all()
    conditions = Q(pk__in=[])
    if perimetre.partenaires:
        conditions |= Q(partenaire_id__in={p for p, _ in perimetre.partenaires})
    territoire = perimetre.departements_animateur | perimetre.departements_prefecture
    if territoire:
        conditions |= Q(pk__in=Pilote.objects.filter(departements__in=territoire).values("pk"))
        conditions |= Q(pk__in=Pilote.objects.filter(structures__departement_id__in=territoire).values("pk"))
    return Pilote.objects.filter(conditions)
