"""Tâches de fond des rendez-vous (`django.tasks`, moteur en base `django_tasks_db` : `manage.py db_worker`).

- `envoyer_message_tache` : confirmation, annulation ou rappel d'un rendez-vous ; en cas d'échec (aucun canal
  n'est passé), se reprogramme avec un délai croissant, au plus `TENTATIVES_MAX` fois. Une confirmation
  restée en échec est reprise par la commande `envoyer_rappels_rendez_vous`.
- `envoyer_rappels_tache` : ce que fait la commande, pour qui préfère la programmer par le moteur de tâches.
"""

from datetime import timedelta

from django.tasks import task

from . import messages

TENTATIVES_MAX = 5


def delai(tentative: int) -> timedelta:
    """1, 2, 4, 8… minutes, au plus une heure."""
    return timedelta(minutes=min(2 ** max(tentative - 1, 0), 60))


@task
def envoyer_message_tache(rdv_id: int, sorte: str, tentative: int = 1) -> str:
    resultat = messages.envoyer(rdv_id, sorte)
    if resultat == messages.Resultat.ECHEC and tentative < TENTATIVES_MAX:
        messages.mettre_en_file(rdv_id, sorte, tentative=tentative + 1, apres=delai(tentative))
    return resultat


@task
def envoyer_rappels_tache() -> dict:
    return messages.envoyer_tout().en_dict()
