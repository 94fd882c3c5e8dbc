"""Tâches de fond des orientations (`django.tasks`, moteur en base `django_tasks_db`)."""

from django.tasks import task

from . import relances


@task
def aviser_tache(orientation_id: int) -> str:
    """Avis au destinataire d'une orientation envoyée ; un échec est rattrapé par `relancer_orientations`."""
    return relances.aviser(orientation_id)
