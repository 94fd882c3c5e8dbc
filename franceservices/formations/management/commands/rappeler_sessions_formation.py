"""Rappel par courriel aux inscrits confirmés d'une session de formation qui commence dans les 48 heures.

Périodique (toutes les heures, par exemple) et idempotent : un rappel n'est jamais envoyé deux fois
(`Inscription.rappel_envoye_le`) ; un envoi en échec (serveur de courriel en panne) est repris au prochain
passage ; sessions annulées et inscriptions non confirmées sont ignorées.

    manage.py rappeler_sessions_formation [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.formations.notifications import rappeler_tout


class Command(BaseCommand):
    help = "Envoie le rappel des sessions de formation qui commencent dans les 48 heures."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien envoyer")

    def handle(self, *args, **options):
        bilan = rappeler_tout(dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(f"À blanc : {bilan.envoyes} rappel(s) de formation à envoyer.")
            return
        self.stdout.write(
            f"{bilan.envoyes} rappel(s) de formation envoyé(s) ; "
            f"{bilan.echecs} échec(s) (repris au prochain passage)."
        )
