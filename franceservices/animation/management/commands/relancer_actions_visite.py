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
        envoyees, echecs, sans = relancer_actions_echues(essai=options["dry_run"])
        verbe = "à relancer" if options["dry_run"] else "relancée(s)"
        self.stdout.write(
            f"Actions de suivi échues : {envoyees} {verbe}, {echecs} échec(s) d'envoi (retentés au prochain passage), {sans} sans destinataire."
        )
