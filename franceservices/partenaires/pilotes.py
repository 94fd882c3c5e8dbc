"""Règles des pilotes : un partenaire en expérimentation n'est proposé que dans le périmètre d'un pilote en
cours, et seulement par un agent déclaré formé quand le pilote l'exige."""

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
