"""Tâches de fond de la formation (`django.tasks`, moteur en base `django_tasks_db` : `manage.py db_worker`).

- `envoyer_courriel_tache` : un courriel d'inscription (demande, approbation, refus, promotion, session
  annulée) ; en cas d'échec SMTP, se reprogramme pour les seules adresses en échec, avec un délai croissant,
  au plus `TENTATIVES_MAX` fois.
- `rappeler_sessions_tache` : ce que fait la commande `rappeler_sessions_formation`.
"""

from datetime import timedelta

from django.tasks import task

from . import notifications

TENTATIVES_MAX = 5


def delai(tentative: int) -> timedelta:
    """1, 2, 4, 8… minutes, au plus une heure."""
    return timedelta(minutes=min(2 ** max(tentative - 1, 0), 60))


@task
def envoyer_courriel_tache(inscription_id: int, sorte: str, tentative: int = 1, adresses=None) -> dict:
    envoi = notifications.envoyer(inscription_id, sorte, adresses)
    if envoi.echecs and tentative < TENTATIVES_MAX:
        notifications.mettre_en_file(
            inscription_id, sorte, adresses=envoi.echecs, tentative=tentative + 1, apres=delai(tentative)
        )
    return {"envoyes": envoi.envoyes, "echecs": envoi.echecs or [], "sans_objet": envoi.sans_objet}


@task
def rappeler_sessions_tache() -> dict:
    bilan = notifications.rappeler_tout()
    return {"envoyes": bilan.envoyes, "echecs": bilan.echecs}
