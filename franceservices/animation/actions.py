"""Ce qui écrit : comptes rendus de visite, actions faites, objectif et grille, relances des actions échues."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import ActionSuivi, ReponseControle

logger = logging.getLogger(__name__)


@transaction.atomic
def enregistrer_visite(*, par, form, actions, request=None):
    """Crée ou modifie une visite (formulaire validé), ses réponses à la grille et ses actions de suivi."""
    creation = form.instance.pk is None
    visite = form.save(commit=False)
    if creation:
        visite.auteur = par
    visite.save()
    ReponseControle.objects.filter(visite=visite).delete()
    ReponseControle.objects.bulk_create(form.reponses(visite))
    actions.instance = visite
    actions.save()
    journaliser(
        Evenement.VISITE,
        request=request,
        acteur=par,
        cible=visite,
        details={
            "operation": "creation" if creation else "modification",
            "structure": visite.structure_id,
            "date": visite.date.isoformat(),
            "actions": visite.actions.count(),
        },
    )
    return visite


@transaction.atomic
def marquer_action(*, par, action: ActionSuivi, faite: bool, request=None) -> ActionSuivi:
    """Marque faite (ou rouvre) une action de suivi."""
    action = ActionSuivi.objects.select_for_update().get(pk=action.pk)
    if faite and action.faite_le is None:
        action.faite_le, action.faite_par = timezone.now(), par
    elif not faite:
        action.faite_le, action.faite_par = None, None
    action.save(update_fields=["faite_le", "faite_par"])
    journaliser(
        Evenement.VISITE,
        request=request,
        acteur=par,
        cible=action,
        details={"operation": "action_faite" if faite else "action_rouverte", "visite": action.visite_id},
    )
    return action


@transaction.atomic
def enregistrer_objectif(*, par, form, request=None):
    objectif = form.save(commit=False)
    objectif.modifie_par = par
    objectif.save()
    journaliser(
        Evenement.VISITE,
        request=request,
        acteur=par,
        cible=objectif,
        details={"operation": "objectif_couverture", "part_cible": str(objectif.part_cible)},
    )
    return objectif


@transaction.atomic
def enregistrer_point(*, par, form, request=None):
    creation = form.instance.pk is None
    point = form.save()
    journaliser(
        Evenement.VISITE,
        request=request,
        acteur=par,
        cible=point,
        details={"operation": "grille_ajout" if creation else "grille_modification", "actif": point.actif},
    )
    return point


# — Relances des actions échues —


def actions_a_relancer(aujourdhui=None):
    aujourdhui = aujourdhui or timezone.localdate()
    return ActionSuivi.objects.en_retard(aujourdhui).filter(relance_envoyee_le__isnull=True)


def destinataires(action: ActionSuivi) -> list[str]:
    adresses = []
    for personne in (action.porteur, action.visite.auteur):
        if personne is not None and personne.is_active and personne.email and personne.email not in adresses:
            adresses.append(personne.email)
    return adresses


def _envoyer(action_id: int) -> bool:
    """Envoie la relance (appelé après validation) ; en cas d'échec, retire la marque pour le prochain passage."""
    action = ActionSuivi.objects.select_related("visite__structure", "visite__auteur", "porteur").get(
        pk=action_id
    )
    adresses = destinataires(action)
    contexte = {
        "action": action,
        "visite": action.visite,
        "lien": settings.SITE_URL.rstrip("/") + reverse("animation:visite", args=[action.visite_id]),
    }
    try:
        message = EmailMultiAlternatives(
            subject=f"Action de suivi en retard : {action.libelle[:80]}",
            body=render_to_string("animation/courriels/relance.txt", contexte),
            to=adresses,
        )
        message.send()
    except Exception:
        logger.exception(
            "Relance de l'action de suivi %s : échec de l'envoi, retentée au prochain passage", action_id
        )
        ActionSuivi.objects.filter(pk=action_id).update(relance_envoyee_le=None)
        return False
    return True


@dataclass
class BilanRelances:
    """Tenu à jour par les envois (faits après validation de chaque marque)."""

    envoyees: int = 0
    echecs: int = 0
    sans_destinataire: int = 0
    a_relancer: int = 0

    def noter(self, ok: bool):
        if ok:
            self.envoyees += 1
        else:
            self.echecs += 1


def relancer_actions_echues(*, aujourdhui=None, essai=False) -> BilanRelances:
    """Une relance par action échue non faite (porteur et auteur de la visite). Chaque action est marquée dans sa
    transaction, le courriel part après validation ; un échec retire la marque (rattrapé au passage suivant).
    `essai` : ne fait que compter (`a_relancer`)."""
    bilan = BilanRelances()
    for action in actions_a_relancer(aujourdhui).select_related("visite__auteur", "porteur").order_by("pk"):
        if not destinataires(action):
            bilan.sans_destinataire += 1
            continue
        bilan.a_relancer += 1
        if essai:
            continue
        with transaction.atomic():
            pris = ActionSuivi.objects.filter(pk=action.pk, relance_envoyee_le__isnull=True).update(
                relance_envoyee_le=timezone.now()
            )
            if pris:
                transaction.on_commit(lambda pk=action.pk: bilan.noter(_envoyer(pk)))
    return bilan
