"""Relance par courriel (une seule fois) les actions de suivi de visite échues et non faites : au porteur et à
l'auteur de la visite. Idempotente (à lancer chaque jour) ; un échec d'envoi est journalisé et rattrapé au
passage suivant.

    manage.py relancer_actions_visite [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.animation.actions import relancer_actions_echues


class Command(BaseCommand):
    help = "Relance une fois par courriel les actions de suivi de visite échues et non faites."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien envoyer")

    def handle(self, *args, **options):
        bilan = relancer_actions_echues(essai=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(
                f"Actions de suivi échues : {bilan.a_relancer} à relancer, "
                f"{bilan.sans_destinataire} sans destinataire (rien n'est envoyé)."
            )
            return
        self.stdout.write(
            f"Actions de suivi échues : {bilan.envoyees} relancée(s), {bilan.echecs} échec(s) d'envoi "
            f"(retentés au prochain passage), {bilan.sans_destinataire} sans destinataire."
        )
