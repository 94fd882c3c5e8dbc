"""Réserver et annuler un rendez-vous (sans compte)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from franceservices.core.telephone import normaliser_telephone
from franceservices.structures.models import Structure

from .creneaux import contexte_de, est_reservable
from .models import RendezVous, Statut


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

    structure = Structure.objects.select_for_update().select_related("departement").get(pk=structure.pk)
    if type_.structure_id != structure.pk or not type_.actif:
        raise ValidationError("Ce type de rendez-vous n'est pas proposé par cette France services.")
    if arret is not None and arret.structure_id != structure.pk:
        raise ValidationError("Cet arrêt n'est pas desservi par cette France services.")
    jour = debut.astimezone(structure.fuseau).date()
    raison = est_reservable(contexte_de(structure, type_, jour, jour, arret), debut, maintenant)
    if raison:
        raise ValidationError(raison)
    return RendezVous.objects.create(
        structure=structure,
        type=type_,
        debut=debut,
        fin=debut + timedelta(minutes=type_.duree),
        nom=nom,
        telephone=telephone,
        courriel=courriel,
        arret=arret,
    )


@transaction.atomic
def annuler(*, rendez_vous, jeton: str, maintenant=None):
    """Annule par le lien signé reçu à la réservation ; un jeton falsifié ou d'un autre rendez-vous est refusé."""
    rendez_vous = RendezVous.objects.select_for_update().get(pk=rendez_vous.pk)
    if not rendez_vous.jeton_valide(jeton):
        raise ValidationError(
            "Ce lien d'annulation n'est pas valide : utilisez le lien reçu à la réservation, "
            "ou appelez la France services."
        )
    if rendez_vous.statut == Statut.ANNULE:
        return rendez_vous
    if rendez_vous.statut != Statut.PREVU:
        raise ValidationError("Ce rendez-vous a déjà eu lieu : il ne peut plus être annulé.")
    rendez_vous.statut = Statut.ANNULE
    rendez_vous.annule_le = maintenant or timezone.now()
    rendez_vous.save(update_fields=["statut", "annule_le"])
    return rendez_vous
