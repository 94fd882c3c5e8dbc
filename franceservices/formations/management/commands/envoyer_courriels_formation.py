"""Reprise des courriels d'inscription à une formation restés « à envoyer » (serveur de courriel ou moteur de
tâches en panne). Périodique et idempotent : un courriel envoyé ne l'est jamais deux fois ; une inscription
qui a changé d'état entre-temps rend son courriel « sans objet ».

    manage.py envoyer_courriels_formation
"""

from django.core.management.base import BaseCommand

from franceservices.formations.notifications import envoyer_en_attente


class Command(BaseCommand):
    help = "Envoie les courriels d'inscription aux formations restés en attente."

    def handle(self, *args, **options):
        bilan = envoyer_en_attente()
        self.stdout.write(
            f"{bilan.envoyes} courriel(s) de formation envoyé(s), {bilan.sans_objet} sans objet, "
            f"{bilan.echecs} en échec (repris au prochain passage, jusqu'au nombre maximal de tentatives)."
        )
