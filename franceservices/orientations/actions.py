"""Envoi d'une orientation, réponse du destinataire, issue ; purge des coordonnées. Audit `ORIENTATION`."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from . import relances
from .models import EN_COURS, REPONSES, TERMINAUX, Etat, Orientation, Sens

PURGE_JOURS = 90  # par défaut ; réglage ORIENTATIONS_PURGE_JOURS

CONSENTEMENT = (
    "J'accepte que mon prénom (ou mes initiales), mes coordonnées et mon besoin soient transmis à {destinataire} "
    "pour être recontacté(e). Ces informations sont effacées au plus tard {jours} jours après l'envoi."
)


def purge_jours() -> int:
    return int(getattr(settings, "ORIENTATIONS_PURGE_JOURS", PURGE_JOURS))


def texte_consentement(destinataire) -> str:
    return CONSENTEMENT.format(destinataire=destinataire, jours=purge_jours())


@transaction.atomic
def envoyer_orientation(
    *,
    par,
    sens: str,
    structure,
    lieu,
    besoin: str,
    precision: str = "",
    prenom: str = "",
    telephone: str = "",
    courriel: str = "",
    autonomie: str = "",
    consentement: bool,
    request=None,
    maintenant=None,
) -> Orientation:
    """Enregistre une orientation. L'émetteur doit être dans le périmètre de `par` ; consentement et un moyen
    de recontact obligatoires."""
    perimetre = perimetre_de(par)
    if sens == Sens.VERS_MEDIATION and structure.pk not in perimetre.structures:
        raise PermissionDenied("Vous n'orientez que depuis vos France services.")
    if sens == Sens.VERS_FRANCE_SERVICES and lieu.pk not in perimetre.lieux_mediation:
        raise PermissionDenied("Vous n'orientez que depuis vos lieux de médiation.")
    if not consentement:
        raise ValidationError("Le consentement de l'usager est obligatoire pour transmettre ses coordonnées.")
    if not (telephone or courriel):
        raise ValidationError("Indiquez un téléphone ou un courriel pour que l'usager soit recontacté.")
    maintenant = maintenant or timezone.now()
    destinataire = lieu if sens == Sens.VERS_MEDIATION else structure
    orientation = Orientation.objects.create(
        sens=sens,
        structure=structure,
        lieu=lieu,
        departement_id=structure.departement_id,
        envoyee_par=par,
        envoyee_le=maintenant,
        besoin=besoin,
        precision=precision,
        prenom=prenom,
        telephone=telephone,
        courriel=courriel,
        autonomie=autonomie,
        consentement_texte=texte_consentement(destinataire),
        consentement_le=maintenant,
        consentement_par=par,
    )
    journaliser(
        Evenement.ORIENTATION,
        request=request,
        acteur=par,
        cible=orientation,
        details={"action": "envoi", "sens": sens, "structure": structure.pk, "lieu": lieu.pk},
    )
    relances.programmer_avis(orientation.pk)
    return orientation


def est_destinataire(user, orientation) -> bool:
    perimetre = perimetre_de(user)
    if orientation.sens == Sens.VERS_MEDIATION:
        return orientation.lieu_id in perimetre.lieux_mediation
    return orientation.structure_id in perimetre.structures


def est_emetteur(user, orientation) -> bool:
    perimetre = perimetre_de(user)
    if orientation.sens == Sens.VERS_MEDIATION:
        return orientation.structure_id in perimetre.structures
    return orientation.envoyee_par_id == user.pk or orientation.lieu_id in perimetre.lieux_mediation


def actions_possibles(user, orientation) -> set[str]:
    """États vers lesquels `user` peut faire passer l'orientation. Le destinataire répond et dit l'issue ;
    l'émetteur peut seulement la classer sans suite tant qu'elle est en cours."""
    possibles = set()
    suivants = {Etat(e) for e in Etat if orientation.peut_passer_a(e)}
    if est_destinataire(user, orientation):
        possibles |= suivants
    if est_emetteur(user, orientation) and Etat.SANS_SUITE in suivants:
        possibles.add(Etat.SANS_SUITE)
    return {str(e) for e in possibles}


@transaction.atomic
def changer_etat(
    *,
    par,
    orientation_id: int,
    etat: str,
    motif: str = "",
    creneau_le=None,
    creneau_lieu: str = "",
    request=None,
    maintenant=None,
) -> Orientation:
    """Réponse (accepter, proposer un créneau, décliner avec motif) ou issue (honorée, sans suite). Verrou de la
    ligne : deux réponses simultanées ne se contredisent pas (la seconde est refusée)."""
    maintenant = maintenant or timezone.now()
    orientation = Orientation.objects.visible_par(par).select_for_update().filter(pk=orientation_id).first()
    if orientation is None:
        raise Orientation.DoesNotExist
    if etat not in Etat.values or etat not in actions_possibles(par, orientation):
        raise ValidationError(
            f"Impossible de passer de « {orientation.get_etat_display()} » à « {Etat(etat).label if etat in Etat.values else etat} »."
        )
    motif = (motif or "").strip()
    if etat == Etat.DECLINEE and not motif:
        raise ValidationError("Indiquez le motif du refus.")
    if etat == Etat.CRENEAU:
        if creneau_le is None:
            raise ValidationError("Indiquez la date et l'heure du créneau proposé.")
        if creneau_le < maintenant:
            raise ValidationError("Le créneau proposé doit être dans le futur.")
        if not creneau_lieu.strip():
            raise ValidationError("Indiquez le lieu du créneau.")
        orientation.creneau_le, orientation.creneau_lieu = creneau_le, creneau_lieu.strip()
    if etat == Etat.DECLINEE:
        orientation.motif_declin = motif
    if etat in REPONSES and orientation.repondue_le is None:
        orientation.repondue_le, orientation.repondue_par = maintenant, par
        orientation.delai_reponse_heures = max(
            0, int((maintenant - orientation.envoyee_le).total_seconds() // 3600)
        )
    if etat in TERMINAUX:
        orientation.close_le = maintenant
    ancien = orientation.etat
    orientation.etat = etat
    orientation.save()
    journaliser(
        Evenement.ORIENTATION,
        request=request,
        acteur=par,
        cible=orientation,
        details={"action": "etat", "de": ancien, "vers": etat},
    )
    return orientation


def purger(*, maintenant=None, dry_run=False) -> int:
    """Efface les coordonnées et précisions des orientations envoyées il y a plus de N jours (idempotent)."""
    maintenant = maintenant or timezone.now()
    a_purger = Orientation.objects.filter(
        purgee_le__isnull=True, envoyee_le__lt=maintenant - timedelta(days=purge_jours())
    )
    if dry_run:
        return a_purger.count()
    return a_purger.update(prenom="", telephone="", courriel="", precision="", purgee_le=maintenant)


__all__ = ["EN_COURS", "changer_etat", "envoyer_orientation", "purger"]
