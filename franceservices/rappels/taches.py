"""Tâches de fond des rappels (`django.tasks`, moteur en base `django_tasks_db` : `manage.py db_worker`)."""

from django.tasks import task

from . import notifications


@task
def notifier_echec_tache(rappel_id: int) -> str:
    """Envoie la notification d'échec d'une demande ; un échec est repris par `notifier_rappels_echoues`."""
    return notifications.envoyer_echec(rappel_id)
