"""Anonymise les demandes de rappel closes depuis plus de N jours. Périodique et idempotent.

manage.py purger_rappels [--dry-run] [--jours N]   (N par défaut : RAPPELS_CONSERVATION_JOURS, 30)
"""

from django.core.management.base import BaseCommand, CommandError

from franceservices.rappels.purge import conservation_jours, purger


class Command(BaseCommand):
    help = "Anonymise les demandes de rappel closes depuis plus de --jours jours."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien effacer")
        parser.add_argument("--jours", type=int, default=None, help="Conservation après la clôture")

    def handle(self, *args, **options):
        jours = conservation_jours() if options["jours"] is None else options["jours"]
        try:
            n = purger(jours=jours, dry_run=options["dry_run"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        prefixe = "À blanc : " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefixe}{n} demande(s) de rappel close(s) depuis plus de {jours} jour(s) anonymisée(s)."
        )
