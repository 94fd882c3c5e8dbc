"""Tâches de fond de la formation (`django.tasks`, moteur en base `django_tasks_db` : `manage.py db_worker`).

- `envoyer_courriel_tache` : un courriel d'inscription de la table d'envoi (`CourrielFormation`) ; en cas
  d'échec SMTP, se reprogramme avec un délai croissant tant que le maximum de tentatives n'est pas atteint
  (la commande `envoyer_courriels_formation` reprend de toute façon ce qui attend).
- `rappeler_sessions_tache` : ce que fait la commande `rappeler_sessions_formation`.
"""

from django.tasks import task

from . import notifications


@task
def envoyer_courriel_tache(courriel_id: int) -> str:
    resultat = notifications.envoyer_courriel(courriel_id)
    if resultat == notifications.Resultat.NOUVELLE_TENTATIVE:
        from .models import CourrielFormation

        tentatives = (
            CourrielFormation.objects.filter(pk=courriel_id).values_list("tentatives", flat=True).first()
        )
        notifications.mettre_en_file(
            courriel_id, apres=notifications.delai_avant_nouvelle_tentative(tentatives or 1)
        )
    return resultat


@task
def rappeler_sessions_tache() -> dict:
    bilan = notifications.rappeler_tout()
    return {"envoyes": bilan.envoyes, "echecs": bilan.echecs}
