"""Prévenir l'usager qu'on n'a pas réussi à le joindre (après deux échecs : pas de réponse, messagerie).

`actions.noter_tentative` pose `notification_echec_prevue_le` (l'intention, en base, dans la transaction de la
tentative) et appelle `planifier_echec`, qui confie l'envoi à la tâche de fond `taches.notifier_echec_tache`
une fois la transaction validée. `envoyer_echec` envoie un SMS (`core.sms`) et, si l'usager a laissé une
adresse, un courriel ; puis pose `notification_echec_envoyee_le`. La commande `notifier_rappels_echoues`
reprend ce que la tâche n'a pas envoyé (moteur de tâches arrêté, fournisseur SMS en panne).

Idempotent : verrou de ligne (`SKIP LOCKED` sur PostgreSQL) et `notification_echec_envoyee_le` vide exigé ;
une demande anonymisée, déjà jointe ou abandonnée n'est jamais notifiée. Le message ne contient ni le besoin
ni le nom d'une France services (le numéro a pu changer de main) : seulement le fait qu'on a essayé d'appeler
et comment refaire une demande.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from .models import DemandeRappel, Statut

logger = logging.getLogger(__name__)

# Statuts où le message « nous n'avons pas réussi à vous joindre » a encore un sens.
STATUTS_A_NOTIFIER = {Statut.A_RAPPELER, Statut.EN_COURS, Statut.INJOIGNABLE}


def a_notifier():
    """Demandes dont la notification d'échec est prévue et pas encore envoyée."""
    return DemandeRappel.objects.filter(
        notification_echec_prevue_le__isnull=False,
        notification_echec_envoyee_le__isnull=True,
        anonymisee_le__isnull=True,
        premier_contact_le__isnull=True,
        statut__in=STATUTS_A_NOTIFIER,
    )


def lien_nouvelle_demande() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/rappels/demander/"


def texte_sms() -> str:
    return (
        "France services : nous avons essayé de vous rappeler deux fois, sans réussir à vous joindre. "
        "Nous réessaierons ; vous pouvez aussi appeler ou passer dans votre France services, ou refaire une "
        f"demande de rappel : {lien_nouvelle_demande()}"
    )


def texte_courriel() -> tuple[str, str]:
    sujet = "[France services] Nous n'avons pas réussi à vous joindre"
    corps = (
        "Bonjour,\n\n"
        "Vous avez demandé à être rappelé par une France services. Nous avons essayé de vous appeler deux fois, "
        "sans réussir à vous joindre.\n\n"
        "Nous réessaierons dans les prochains jours. Vous pouvez aussi appeler ou vous rendre dans votre "
        f"France services, ou refaire une demande de rappel : {lien_nouvelle_demande()}\n\n"
        "Ce message est envoyé automatiquement : n'y répondez pas.\n"
    )
    return sujet, corps


def planifier_echec(rappel_id: int) -> None:
    """À appeler dans la transaction qui pose `notification_echec_prevue_le` : envoi après validation."""
    transaction.on_commit(lambda: mettre_en_file(rappel_id))


def mettre_en_file(rappel_id: int) -> None:
    from .taches import notifier_echec_tache

    try:
        notifier_echec_tache.enqueue(rappel_id)
    except Exception:  # le moteur de tâches ne doit pas faire échouer l'action de l'agent
        logger.exception(
            "Rappel %s : mise en file impossible (reprise par notifier_rappels_echoues)", rappel_id
        )


class Resultat:
    ENVOYEE = "envoyee"
    RIEN_A_FAIRE = "rien_a_faire"  # déjà envoyée, anonymisée, jointe entre-temps, ou prise ailleurs
    ECHEC = "echec"


def envoyer_echec(rappel_id: int, *, maintenant=None) -> str:
    """Envoie la notification d'échec d'une demande (idempotent)."""
    from franceservices.core.sms import envoyer_sms

    with transaction.atomic():
        lignes = a_notifier().filter(pk=rappel_id)
        if connection.features.has_select_for_update_skip_locked:
            lignes = lignes.select_for_update(skip_locked=True)
        else:
            lignes = lignes.select_for_update()
        rappel = lignes.first()
        if rappel is None:
            return Resultat.RIEN_A_FAIRE
        try:
            envoyer_sms(rappel.telephone, texte_sms())
        except Exception as erreur:
            logger.warning("Rappel %s : SMS d'échec non envoyé (%s)", rappel.pk, erreur)
            return Resultat.ECHEC
        if rappel.courriel:
            sujet, corps = texte_courriel()
            try:
                EmailMessage(subject=sujet, body=corps, to=[rappel.courriel]).send()
            except Exception as erreur:  # le SMS est parti : on ne le renverra pas pour un courriel en échec
                logger.warning("Rappel %s : courriel d'échec non envoyé (%s)", rappel.pk, erreur)
        rappel.notification_echec_envoyee_le = maintenant or timezone.now()
        rappel.save(update_fields=["notification_echec_envoyee_le"])
        return Resultat.ENVOYEE
