"""Réserver, annuler et déplacer un rendez-vous (sans compte, ou par un agent : `par`).

Chaque action écrit le journal d'audit (RDV_RESERVE, RDV_MODIFIE ; jamais le nom, le téléphone ni le
courriel de l'usager dans les détails) et confie les messages à l'usager (confirmation, annulation) à une
tâche de fond lancée après la validation de la transaction (`messages.programmer`)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement
from franceservices.core.telephone import normaliser_telephone
from franceservices.structures.models import Structure

from . import messages
from .creneaux import contexte_de, est_reservable
from .models import RendezVous, Statut

LIEN_NON_VALIDE = (
    "Ce lien n'est pas valide : utilisez le lien reçu à la réservation, ou appelez la France services."
)
LIEN_ANNULATION_NON_VALIDE = (
    "Ce lien d'annulation n'est pas valide : utilisez le lien reçu à la réservation, "
    "ou appelez la France services."
)


def _details(rdv, **autres) -> dict:
    """Détails d'audit : identifiants seulement, aucune donnée de l'usager."""
    return {
        "structure": rdv.structure_id,
        "type": rdv.type_id,
        "arret": rdv.arret_id,
        "debut": rdv.debut.isoformat(),
        **autres,
    }


@transaction.atomic
def reserver(
    *,
    structure,
    type_,
    debut: datetime,
    nom: str,
    telephone: str = "",
    courriel: str = "",
    arret=None,
    maintenant=None,
    par=None,
    request=None,
    deplace_de=None,
):
    """Réserve `debut` pour `type_` dans `structure`. La structure est verrouillée (SELECT … FOR UPDATE) :
    deux réservations simultanées dans la même France services passent l'une après l'autre, la seconde
    voit la première et reçoit « Ce créneau vient d'être pris »."""
    maintenant = maintenant or timezone.now()
    nom = (nom or "").strip()
    telephone, courriel = (telephone or "").strip(), (courriel or "").strip()
    erreurs = {}
    if not nom:
        erreurs["nom"] = "Indiquez votre nom."
    if not telephone and not courriel:
        erreurs["telephone"] = (
            "Indiquez un numéro de téléphone ou une adresse électronique pour être prévenu."
        )
    if telephone:
        try:
            telephone = normaliser_telephone(telephone)
        except ValidationError as exc:
            erreurs["telephone"] = exc.messages[0]
    if courriel:
        try:
            validate_email(courriel)
        except ValidationError:
            erreurs["courriel"] = "Adresse électronique invalide (ex. prenom.nom@exemple.fr)."
    if erreurs:
        raise ValidationError(erreurs)
    if timezone.is_naive(debut):
        raise ValidationError("Heure de rendez-vous sans fuseau horaire.")

    # `of=("self",)` : seule la ligne de la structure est verrouillée, pas celle de son département (sans quoi
    # toutes les réservations d'un département passeraient l'une après l'autre).
    structure = (
        Structure.objects.select_for_update(of=("self",)).select_related("departement").get(pk=structure.pk)
    )
    if type_.structure_id != structure.pk or not type_.actif:
        raise ValidationError("Ce type de rendez-vous n'est pas proposé par cette France services.")
    if arret is not None and arret.structure_id != structure.pk:
        raise ValidationError("Cet arrêt n'est pas desservi par cette France services.")
    jour = debut.astimezone(structure.fuseau).date()
    raison = est_reservable(contexte_de(structure, type_, jour, jour, arret), debut, maintenant)
    if raison:
        raise ValidationError(raison)
    rdv = RendezVous.objects.create(
        structure=structure,
        type=type_,
        debut=debut,
        fin=debut + timedelta(minutes=type_.duree),
        nom=nom,
        telephone=telephone,
        courriel=courriel,
        arret=arret,
        deplace_de=deplace_de,
    )
    if deplace_de is None:
        journaliser(
            Evenement.RDV_RESERVE,
            request=request,
            acteur=par,
            cible=rdv,
            details=_details(rdv, par="agent" if par is not None else "usager"),
        )
    messages.programmer(rdv.pk, messages.CONFIRMATION)
    return rdv


@transaction.atomic
def annuler(*, rendez_vous, jeton: str = "", maintenant=None, par=None, request=None):
    """Annule par le lien signé reçu à la réservation ; un jeton falsifié ou d'un autre rendez-vous est refusé.
    Un agent (`par`, dont la vue a vérifié le périmètre) annule sans jeton. L'usager est prévenu."""
    maintenant = maintenant or timezone.now()
    rendez_vous = RendezVous.objects.select_for_update().get(pk=rendez_vous.pk)
    if par is None and not rendez_vous.jeton_valide(jeton):
        raise ValidationError(LIEN_ANNULATION_NON_VALIDE)
    if rendez_vous.statut == Statut.ANNULE:
        return rendez_vous
    if rendez_vous.statut != Statut.PREVU or rendez_vous.debut <= maintenant:
        raise ValidationError("Ce rendez-vous a déjà eu lieu : il ne peut plus être annulé.")
    rendez_vous.statut = Statut.ANNULE
    rendez_vous.annule_le = maintenant
    rendez_vous.save(update_fields=["statut", "annule_le"])
    journaliser(
        Evenement.RDV_MODIFIE,
        request=request,
        acteur=par,
        cible=rendez_vous,
        details=_details(rendez_vous, action="annulation", par="agent" if par is not None else "usager"),
    )
    messages.programmer(rendez_vous.pk, messages.ANNULATION)
    return rendez_vous


@transaction.atomic
def deplacer(*, rendez_vous, debut: datetime, jeton: str = "", maintenant=None, par=None, request=None):
    """Déplace un rendez-vous prévu vers `debut` (même type, même arrêt) : dans une seule transaction, sous
    le verrou de la structure (celui de `reserver`), l'ancien est annulé et le nouveau créé avec `deplace_de`.
    Si le nouveau créneau est pris ou refusé, rien ne change (l'ancien reste prévu)."""
    maintenant = maintenant or timezone.now()
    # Même ordre de verrouillage que `reserver` (structure, puis rendez-vous) : pas d'interblocage.
    structure = (
        Structure.objects.select_for_update(of=("self",))
        .select_related("departement")
        .get(pk=rendez_vous.structure_id)
    )
    ancien = (
        RendezVous.objects.select_for_update(of=("self",))
        .select_related("type", "arret")
        .get(pk=rendez_vous.pk)
    )
    if par is None and not ancien.jeton_valide(jeton):
        raise ValidationError(LIEN_NON_VALIDE)
    if ancien.statut != Statut.PREVU or ancien.debut <= maintenant or ancien.anonymise_le:
        raise ValidationError("Ce rendez-vous n'est plus prévu : il ne peut pas être déplacé.")
    if debut == ancien.debut:
        raise ValidationError("C'est déjà l'heure de votre rendez-vous : choisissez un autre créneau.")
    ancien.statut = Statut.ANNULE
    ancien.annule_le = maintenant
    ancien.save(update_fields=["statut", "annule_le"])  # libère son créneau pour le calcul du nouveau
    nouveau = reserver(
        structure=structure,
        type_=ancien.type,
        debut=debut,
        nom=ancien.nom,
        telephone=ancien.telephone,
        courriel=ancien.courriel,
        arret=ancien.arret,
        maintenant=maintenant,
        par=par,
        request=request,
        deplace_de=ancien,
    )  # ValidationError (créneau pris, passé…) : toute la transaction est annulée, l'ancien reste prévu
    journaliser(
        Evenement.RDV_MODIFIE,
        request=request,
        acteur=par,
        cible=ancien,
        details=_details(
            ancien,
            action="deplacement",
            vers=nouveau.pk,
            nouveau_debut=nouveau.debut.isoformat(),
            par="agent" if par is not None else "usager",
        ),
    )
    return nouveau
