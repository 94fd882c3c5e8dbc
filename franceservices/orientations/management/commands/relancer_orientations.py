"""Rattrape les avis d'envoi non partis et relance les orientations restées sans réponse : au destinataire
après N jours ouvrés
(`ORIENTATIONS_RELANCE_JOURS_OUVRES`, 3 par défaut), puis à l'émetteur N jours ouvrés plus tard.

Périodique (quotidienne) et idempotente : chaque relance part une seule fois ; un échec SMTP est repris au
passage suivant.

    manage.py relancer_orientations [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.orientations.relances import relancer_tout


class Command(BaseCommand):
    help = "Relance par courriel les orientations restées sans réponse."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien envoyer")

    def handle(self, *args, **options):
        bilan = relancer_tout(dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(
                f"À blanc : {bilan.envoyees} relance(s) d'orientation à envoyer, {bilan.avis} avis à rattraper."
            )
            return
        self.stdout.write(
            f"{bilan.envoyees} relance(s) d'orientation envoyée(s) ; {bilan.avis} avis rattrapé(s) ; "
            f"{bilan.sans_destinataire} sans destinataire ; "
            f"{bilan.echecs} échec(s) (repris au prochain passage)."
        )
