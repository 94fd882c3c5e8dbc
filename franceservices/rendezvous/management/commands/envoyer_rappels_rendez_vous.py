"""Rappels de la veille et confirmations en retard des rendez-vous (courriel avec ICS et/ou SMS).

Périodique (toutes les heures, par exemple) et idempotent : un rappel n'est jamais envoyé deux fois
(`rappel_envoye_le`), une confirmation restée en échec (serveur de courriel en panne, moteur de tâches
arrêté) est reprise tant que `confirmation_envoyee_le` est vide ; annulés et anonymisés sont ignorés.

    manage.py envoyer_rappels_rendez_vous [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.rendezvous.messages import envoyer_tout


class Command(BaseCommand):
    help = "Envoie les rappels de la veille et les confirmations en retard des rendez-vous."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien envoyer")

    def handle(self, *args, **options):
        bilan = envoyer_tout(dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(
                f"À blanc : {bilan.confirmations} confirmation(s) et {bilan.annulations} annulation(s) en retard, "
                f"{bilan.rappels} rappel(s) à envoyer."
            )
            return
        self.stdout.write(
            f"{bilan.confirmations} confirmation(s) et {bilan.annulations} annulation(s) en retard, "
            f"{bilan.rappels} rappel(s) envoyé(s) ; "
            f"{bilan.echecs} échec(s) (repris au prochain passage)."
        )
