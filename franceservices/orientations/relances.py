"""Avis et relances des orientations (commande `relancer_orientations`, idempotente).

À l'envoi d'une orientation : un courriel d'avis au destinataire, par une tâche de fond après validation de la
transaction (`taches.aviser_tache`) ; s'il n'a pas pu partir (serveur de courriel ou moteur de tâches en
panne), la commande le reprend (`avis_envoye_le` vide).

Après `ORIENTATIONS_RELANCE_JOURS_OUVRES` jours ouvrés (3 par défaut) sans réponse : un courriel, une seule
fois, au destinataire (conseillers numériques du lieu, ou agents et responsables de la France services) ;
encore autant de jours ouvrés plus tard, toujours sans réponse : un courriel, une seule fois, à la personne
qui a envoyé l'orientation (pour qu'elle recontacte l'usager ou oriente ailleurs).

Chaque relance part sous le verrou de la ligne (`SKIP LOCKED` sur PostgreSQL) et sa marque
(`relance_destinataire_le`, `relance_emetteur_le`) n'est posée qu'une fois le courriel accepté par le
serveur : une panne SMTP laisse la relance à faire, reprise au passage suivant. Les courriels ne contiennent
aucune donnée personnelle de l'usager (un lien vers la fiche, à consulter connecté).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.territoires.jours_ouvres import ajouter_jours_ouvres

from .models import Etat, Orientation, Sens

logger = logging.getLogger(__name__)

RELANCE_JOURS_OUVRES = 3
DESTINATAIRE, EMETTEUR, AVIS = "destinataire", "emetteur", "avis"
MARQUES = {
    AVIS: "avis_envoye_le",
    DESTINATAIRE: "relance_destinataire_le",
    EMETTEUR: "relance_emetteur_le",
}


def jours_ouvres() -> int:
    return int(getattr(settings, "ORIENTATIONS_RELANCE_JOURS_OUVRES", RELANCE_JOURS_OUVRES))


def _jour(instant):
    return timezone.localtime(instant).date()


def adresses(orientation, qui: str) -> list[str]:
    if qui == EMETTEUR:
        personne = orientation.envoyee_par
        return [personne.email] if personne is not None and personne.is_active and personne.email else []
    actives = Habilitation.objects.actives().filter(utilisateur__is_active=True)
    if orientation.sens == Sens.VERS_MEDIATION:
        actives = actives.filter(role=Role.CONSEILLER_NUMERIQUE, lieu_mediation_id=orientation.lieu_id)
    else:
        actives = actives.filter(
            role__in=[Role.AGENT, Role.RESPONSABLE], structure_id=orientation.structure_id
        )
    return sorted({a for a in actives.values_list("utilisateur__email", flat=True) if a})


def message(orientation, qui: str, destinataires: list[str]) -> EmailMultiAlternatives:
    lien = settings.SITE_URL.rstrip("/") + reverse("orientations:fiche", args=[orientation.pk])
    envoyee = f"{timezone.localtime(orientation.envoyee_le):%d/%m/%Y}"
    if qui == AVIS:
        sujet = f"Nouvelle orientation reçue : {orientation.get_besoin_display()}"
        paragraphes = [
            f"{orientation.emetteur} vous oriente un usager (besoin : {orientation.get_besoin_display()}), "
            "avec son accord. Consultez l'orientation (connexion requise) pour le recontacter : acceptez, "
            "proposez un créneau ou déclinez avec un motif."
        ]
    elif qui == DESTINATAIRE:
        sujet = f"Orientation en attente de réponse depuis le {envoyee}"
        paragraphes = [
            f"{orientation.emetteur} vous a orienté un usager le {envoyee} "
            f"(besoin : {orientation.get_besoin_display()}). Elle attend votre réponse : acceptez, "
            "proposez un créneau ou déclinez avec un motif."
        ]
    else:
        sujet = f"Votre orientation du {envoyee} est toujours sans réponse"
        paragraphes = [
            f"L'orientation envoyée le {envoyee} à {orientation.destinataire} n'a pas reçu de réponse malgré "
            "une relance. Vous pouvez recontacter l'usager ou l'orienter ailleurs.",
        ]
    ctx = {
        "sujet": sujet,
        "salutation": "Bonjour,",
        "paragraphes": paragraphes,
        "lien": lien,
        "lien_libelle": "Voir l'orientation",
        "details": [],
    }
    courriel = EmailMultiAlternatives(
        subject=sujet,
        body=render_to_string("ui/courriels/message.txt", ctx),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=destinataires,
    )
    courriel.attach_alternative(render_to_string("ui/courriels/message.html", ctx), "text/html")
    return courriel


def a_relancer(maintenant) -> list[tuple[int, str]]:
    """(identifiant, à qui) des relances dues : sans réponse depuis N jours ouvrés (destinataire), puis encore
    N jours ouvrés après la première relance (émetteur). Filtre large en SQL (N jours calendaires au moins),
    jours ouvrés (fériés du département) vérifiés ensuite."""
    n = jours_ouvres()
    aujourd_hui = _jour(maintenant)
    limite = maintenant - timedelta(days=max(n - 1, 0))  # n jours de date d'écart : plus de n − 1 jours
    candidates = (
        Orientation.objects.filter(etat=Etat.ENVOYEE, relance_emetteur_le__isnull=True, envoyee_le__lt=limite)
        .select_related("departement")
        .only("pk", "envoyee_le", "relance_destinataire_le", "departement__code")
        .order_by("envoyee_le", "pk")
    )
    dues = [
        (pk, AVIS)
        for pk in Orientation.objects.filter(etat=Etat.ENVOYEE, avis_envoye_le__isnull=True)
        .order_by("envoyee_le", "pk")
        .values_list("pk", flat=True)
    ]
    for o in candidates:
        code = o.departement.code
        if o.relance_destinataire_le is None:
            if ajouter_jours_ouvres(_jour(o.envoyee_le), n, code) <= aujourd_hui:
                dues.append((o.pk, DESTINATAIRE))
        elif ajouter_jours_ouvres(_jour(o.relance_destinataire_le), n, code) <= aujourd_hui:
            dues.append((o.pk, EMETTEUR))
    return dues


def relancer(orientation_id: int, qui: str, maintenant) -> str:
    with transaction.atomic():
        lignes = Orientation.objects.filter(pk=orientation_id, etat=Etat.ENVOYEE).select_related(
            "structure", "lieu", "envoyee_par"
        )
        if connection.features.has_select_for_update_skip_locked:
            lignes = lignes.select_for_update(skip_locked=True, of=("self",))
        orientation = lignes.first()
        marque = MARQUES[qui]
        if orientation is None or getattr(orientation, marque) is not None:
            return "deja_fait"
        if qui == EMETTEUR and orientation.relance_destinataire_le is None:
            return "deja_fait"
        destinataires = adresses(orientation, qui)
        if destinataires:
            try:
                message(orientation, qui, destinataires).send()
            except Exception:  # SMTP, réseau : la relance reste à faire, reprise au passage suivant
                logger.exception("Orientation %s : relance (%s) impossible", orientation_id, qui)
                return "echec"
        setattr(orientation, marque, maintenant)
        orientation.save(update_fields=[marque])
        return "envoye" if destinataires else "sans_destinataire"


@dataclass
class Bilan:
    envoyees: int = 0  # relances
    avis: int = 0  # avis d'envoi rattrapés
    sans_destinataire: int = 0
    echecs: int = 0


def relancer_tout(*, maintenant=None, dry_run=False) -> Bilan:
    maintenant = maintenant or timezone.now()
    dues = a_relancer(maintenant)
    if dry_run:
        return Bilan(envoyees=sum(qui != AVIS for _, qui in dues), avis=sum(qui == AVIS for _, qui in dues))
    bilan = Bilan()
    for pk, qui in dues:
        resultat = relancer(pk, qui, maintenant)
        bilan.envoyees += resultat == "envoye" and qui != AVIS
        bilan.avis += resultat == "envoye" and qui == AVIS
        bilan.sans_destinataire += resultat == "sans_destinataire"
        bilan.echecs += resultat == "echec"
    return bilan


def aviser(orientation_id: int) -> str:
    """Courriel d'avis au destinataire d'une orientation qui vient d'être envoyée (une seule fois)."""
    return relancer(orientation_id, AVIS, timezone.now())


def programmer_avis(orientation_id: int) -> None:
    """À appeler dans la transaction de l'envoi : l'avis part après sa validation, par une tâche de fond. Moteur
    de tâches indisponible : `relancer_orientations` le rattrape."""

    def mettre_en_file():
        from .taches import aviser_tache

        try:
            aviser_tache.enqueue(orientation_id)
        except Exception:
            logger.exception("Orientation %s : mise en file de l'avis impossible (rattrapé)", orientation_id)

    transaction.on_commit(mettre_en_file)
