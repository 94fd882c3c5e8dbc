"""Rappelle à la préfecture et à l'animateur du département les audits du label à échéance (voir
`franceservices.label.suivi`). Idempotent : à lancer chaque jour.

    manage.py suivre_labels [--jours N] [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.label.suivi import suivre_labels


class Command(BaseCommand):
    help = "Envoie les rappels d'audit du label (une seule fois par France services et par échéance)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--jours", type=int, default=None, help="Préavis en jours (défaut : réglage du cycle)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Liste sans envoyer ni enregistrer")

    def handle(self, *args, jours=None, dry_run=False, **options):
        bilan = suivre_labels(preavis=jours, dry_run=dry_run)
        if dry_run:
            for structure, echeance in bilan.a_rappeler:
                self.stdout.write(f"À blanc : {structure.nom}, échéance {echeance:%d/%m/%Y}")
            self.stdout.write(f"À blanc : {len(bilan.a_rappeler)} rappel(s) seraient envoyés.")
            return
        for structure, echeance, adresses in bilan.envoyes:
            self.stdout.write(f"{structure.nom}, échéance {echeance:%d/%m/%Y} → {', '.join(adresses)}")
        self.stdout.write(
            f"{len(bilan.envoyes)} rappel(s) envoyé(s) ; {bilan.sans_destinataire} sans destinataire ;"
            f" {bilan.echecs} échec(s) d'envoi."
        )
        if bilan.echecs:
            self.stderr.write(f"{bilan.echecs} rappel(s) non envoyé(s) : repris au prochain passage.")
