"""Tâches de fond de la vie du réseau (`django.tasks`, moteur `django_tasks_db` : `manage.py db_worker`).

`envoyer_courriels_tache` envoie les lignes en attente d'un événement ; s'il reste des échecs, elle se
reprogramme avec un délai croissant (la table d'envoi garde tentatives et erreur ; la commande
`envoyer_courriels_reseau` rattrape le reste).
"""

from datetime import timedelta

from django.tasks import task

from . import notifications


def delai(tentative: int) -> timedelta:
    """1, 2, 4, 8… minutes, au plus une heure."""
    return timedelta(minutes=min(2 ** max(tentative - 1, 0), 60))


@task
def envoyer_courriels_tache(evenement_id: int, tentative: int = 1) -> dict:
    bilan = notifications.envoyer_en_attente(evenement_id=evenement_id)
    if bilan.echecs and tentative < notifications.TENTATIVES_MAX:
        notifications.mettre_en_file(evenement_id, tentative=tentative + 1, apres=delai(tentative))
    return {"envoyes": bilan.envoyes, "echecs": bilan.echecs, "abandonnes": bilan.abandonnes}
