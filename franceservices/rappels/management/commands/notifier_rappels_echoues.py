"""Envoie les notifications d'échec de rappel prévues et pas encore envoyées (reprise après une panne du
moteur de tâches ou du fournisseur SMS). Idempotent : une notification envoyée ne l'est jamais deux fois ;
les demandes anonymisées, jointes ou abandonnées sont ignorées.

    manage.py notifier_rappels_echoues [--dry-run] [--limite N]
"""

from django.core.management.base import BaseCommand

from franceservices.rappels.notifications import Resultat, a_notifier, envoyer_echec


class Command(BaseCommand):
    help = "Envoie les notifications d'échec de rappel en attente (SMS, et courriel s'il y en a un)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans envoyer")
        parser.add_argument("--limite", type=int, default=None, help="Nombre maximal de demandes traitées")

    def handle(self, *args, **options):
        ids = list(
            a_notifier()
            .order_by("notification_echec_prevue_le", "pk")
            .values_list("pk", flat=True)[: options["limite"]]
        )
        if options["dry_run"]:
            self.stdout.write(f"À blanc : {len(ids)} notification(s) d'échec à envoyer.")
            return
        compte = {Resultat.ENVOYEE: 0, Resultat.ECHEC: 0, Resultat.RIEN_A_FAIRE: 0}
        for pk in ids:
            compte[envoyer_echec(pk)] += 1
        self.stdout.write(
            f"{compte[Resultat.ENVOYEE]} notification(s) envoyée(s), {compte[Resultat.ECHEC]} en échec "
            f"(à reprendre), {compte[Resultat.RIEN_A_FAIRE]} déjà traitée(s)."
        )
