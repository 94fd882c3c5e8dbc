"""Tâches de fond des escalades (`django.tasks`, moteur en base `django_tasks_db` : `manage.py db_worker`).

- `envoyer_notification_tache` : envoie une notification ; en cas d'échec, se reprogramme avec un délai
  croissant tant que le maximum de tentatives n'est pas atteint.
- `suivre_escalades_tache` : relances et dépassements (comme la commande `suivre_escalades`), pour qui
  préfère la programmer par le moteur de tâches.
"""

from django.tasks import task

from . import notifications


@task
def envoyer_notification_tache(notification_id: int) -> str:
    resultat = notifications.envoyer(notification_id)
    if resultat == notifications.Resultat.NOUVELLE_TENTATIVE:
        from .models import Notification

        tentatives = (
            Notification.objects.filter(pk=notification_id).values_list("tentatives", flat=True).first()
        )
        notifications.mettre_en_file(
            notification_id, apres=notifications.delai_avant_nouvelle_tentative(tentatives or 1)
        )
    return resultat


@task
def suivre_escalades_tache() -> dict:
    from .suivi import suivre

    return suivre().en_dict()
