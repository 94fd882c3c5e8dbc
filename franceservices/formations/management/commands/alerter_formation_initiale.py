"""Alerte les responsables et animateurs des agents dont la formation initiale est en retard (voir
`franceservices.formations.alertes`). Idempotent : à lancer chaque jour.

    manage.py alerter_formation_initiale [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.formations.alertes import alerter_formation_initiale


class Command(BaseCommand):
    help = "Envoie les alertes de formation initiale en retard (une seule fois par agent et par échéance)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Liste sans envoyer ni enregistrer")

    def handle(self, *args, dry_run=False, **options):
        bilan = alerter_formation_initiale(dry_run=dry_run)
        prefixe = "À blanc : " if dry_run else ""
        for agent, structure, echeance, adresses in bilan.envoyees:
            self.stdout.write(
                f"{prefixe}{agent} ({structure.nom}), échéance {echeance:%d/%m/%Y} → {', '.join(adresses)}"
            )
        verbe = "seraient envoyées" if dry_run else "envoyées"
        self.stdout.write(
            f"{prefixe}{len(bilan.envoyees)} alerte(s) {verbe} ; {bilan.sans_destinataire} sans destinataire"
            f" ; {bilan.echecs} échec(s) d'envoi ; {bilan.deja} déjà envoyée(s)."
        )
        if bilan.echecs:
            self.stderr.write(f"{bilan.echecs} alerte(s) non envoyée(s) : retentées au prochain passage.")
