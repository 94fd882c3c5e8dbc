"""Notifications par courriel des escalades.

`notifier` est appelé dans la transaction de l'événement (ouverture, message, changement de statut,
relance, dépassement) : il enregistre une `Notification` par événement (destinataires calculés ici), puis
l'envoi est confié à une tâche de fond (`taches.envoyer_notification_tache`, moteur en base
`django_tasks_db`, lancé par `manage.py db_worker`) après validation de la transaction.

Un échec d'envoi (serveur de courriel en panne) laisse la notification « à envoyer » avec une tentative de
plus et l'erreur ; la tâche se reprogramme avec un délai croissant, et la commande `envoyer_notifications`
reprend tout ce qui attend (après une panne du moteur de tâches aussi). Au-delà de
`ESCALADES_NOTIFICATION_TENTATIVES_MAX` tentatives, la notification passe en « échec définitif » (visible
dans l'administration et sur la fiche). Envoi « au moins une fois » : une notification envoyée n'est
jamais renvoyée, sauf arrêt brutal entre l'envoi SMTP et l'enregistrement de son état.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role

from .models import Acheminement, Cote, EtatNotification, Notification, TypeNotification

logger = logging.getLogger(__name__)


def referents(escalade) -> list[str]:
    """Adresses des référents actifs du partenaire pour le département de l'escalade ; à défaut (acheminement
    national), celles de ses référents nationaux."""
    habilitations = Habilitation.objects.actives().filter(
        role=Role.REFERENT_PARTENAIRE, partenaire_id=escalade.partenaire_id
    )
    if escalade.acheminement == Acheminement.TERRITORIAL:
        habilitations = habilitations.filter(departement_id=escalade.departement_id)
    else:
        habilitations = habilitations.filter(departement__isnull=True)
    return sorted(set(habilitations.values_list("utilisateur__email", flat=True)))


def agents(escalade) -> list[str]:
    """L'agent qui a ouvert l'escalade (s'il est encore actif)."""
    agent = escalade.ouverte_par
    return [agent.email] if agent is not None and agent.is_active else []


def contact_national(escalade) -> list[str]:
    """L'adresse du contact national du partenaire (engagement), s'il y en a une."""
    from .delais import engagement_de

    adresse = engagement_de(escalade.partenaire).contact_national
    return [adresse] if adresse else []


def lien(escalade) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/escalades/{escalade.pk}/"


def notifier(escalade, type_: TypeNotification, *, message=None, destinataires=None) -> Notification | None:
    """Enregistre la notification d'un événement (à appeler dans sa transaction) et confie son envoi à la
    tâche de fond une fois la transaction validée. Aucune donnée personnelle de l'usager dans le courriel :
    la référence et un lien vers la fiche, qui exige une connexion."""
    if destinataires is None:
        if type_ in {TypeNotification.OUVERTURE, TypeNotification.RELANCE} or (
            message is not None and message.cote == Cote.STRUCTURE
        ):
            # Aucun référent nommé (ni territorial ni national) : le contact national du partenaire.
            destinataires = referents(escalade) or contact_national(escalade)
        else:
            destinataires = agents(escalade)
    destinataires = sorted({d for d in destinataires if d})
    if not destinataires:
        return None
    libelle = TypeNotification(type_).label
    sujet = f"[France services] {libelle} — escalade {escalade.reference} ({escalade.partenaire.nom_court})"
    corps = (
        f"{libelle} : escalade {escalade.reference} au partenaire {escalade.partenaire.nom_court}, "
        f"ouverte par {escalade.structure.nom}.\n"
        f"Statut : {escalade.get_statut_display()}. Réponse attendue le {escalade.echeance:%d/%m/%Y}.\n\n"
        f"Consulter l'escalade (connexion requise) : {lien(escalade)}\n"
    )
    notification = Notification.objects.create(
        escalade=escalade, type=type_, destinataires=destinataires, sujet=sujet, corps=corps
    )
    transaction.on_commit(lambda: mettre_en_file(notification.pk))
    return notification


def mettre_en_file(notification_id: int, *, apres: timedelta | None = None) -> None:
    """Confie l'envoi à la tâche de fond. Si le moteur de tâches est indisponible, la notification reste
    « à envoyer » en base : `envoyer_notifications` la reprendra."""
    from .taches import envoyer_notification_tache

    tache = envoyer_notification_tache
    if apres is not None:
        tache = tache.using(run_after=timezone.now() + apres)
    try:
        tache.enqueue(notification_id)
    except Exception:  # le moteur de tâches ne doit pas faire échouer l'action de l'utilisateur
        logger.exception(
            "Notification %s : mise en file impossible (reprise par envoyer_notifications)", notification_id
        )


def delai_avant_nouvelle_tentative(tentatives: int) -> timedelta:
    """1, 2, 4, 8… minutes, au plus une heure."""
    return timedelta(minutes=min(2 ** max(tentatives - 1, 0), 60))


class Resultat:
    ENVOYEE = "envoyee"
    DEJA_TRAITEE = "deja_traitee"  # envoyée, en échec définitif, ou prise par un autre processus
    NOUVELLE_TENTATIVE = "nouvelle_tentative"
    ECHEC = "echec"


def envoyer(notification_id: int) -> str:
    """Envoie une notification « à envoyer » (idempotent). Verrou de ligne (`SKIP LOCKED` sur PostgreSQL) :
    la tâche et la commande de reprise ne l'envoient jamais toutes les deux."""
    with transaction.atomic():
        lignes = Notification.objects.filter(pk=notification_id, etat=EtatNotification.A_ENVOYER)
        if connection.features.has_select_for_update_skip_locked:
            lignes = lignes.select_for_update(skip_locked=True)
        notification = lignes.first()
        if notification is None:
            return Resultat.DEJA_TRAITEE
        try:
            EmailMessage(
                subject=notification.sujet, body=notification.corps, to=notification.destinataires
            ).send()
        except Exception as erreur:  # SMTP, réseau, configuration : on garde la notification
            notification.tentatives += 1
            notification.derniere_erreur = f"{type(erreur).__name__} : {erreur}"[:500]
            definitif = notification.tentatives >= settings.ESCALADES_NOTIFICATION_TENTATIVES_MAX
            if definitif:
                notification.etat = EtatNotification.ECHEC
            notification.save(update_fields=["tentatives", "derniere_erreur", "etat"])
            logger.warning(
                "Notification %s : échec d'envoi n° %s (%s)",
                notification.pk,
                notification.tentatives,
                notification.derniere_erreur,
            )
            return Resultat.ECHEC if definitif else Resultat.NOUVELLE_TENTATIVE
        notification.etat = EtatNotification.ENVOYEE
        notification.tentatives += 1
        notification.envoyee_le = timezone.now()
        notification.derniere_erreur = ""
        notification.save(update_fields=["etat", "tentatives", "envoyee_le", "derniere_erreur"])
        return Resultat.ENVOYEE
