"""Efface (anonymise) nom, téléphone et courriel des rendez-vous terminés ou annulés depuis plus de N jours.
Périodique (chaque nuit) et idempotent : relancé, il n'efface rien de plus. Passage effectif journalisé.

    manage.py purger_rendez_vous [--dry-run] [--jours N]   (N par défaut : RENDEZ_VOUS_CONSERVATION_JOURS, 30)
"""

from django.core.management.base import BaseCommand, CommandError

from franceservices.rendezvous.purge import conservation_jours, limite, purger


class Command(BaseCommand):
    help = "Anonymise les rendez-vous terminés ou annulés depuis plus de --jours jours."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien effacer")
        parser.add_argument(
            "--jours",
            type=int,
            default=None,
            help="Durée de conservation après le rendez-vous (défaut : RENDEZ_VOUS_CONSERVATION_JOURS, 30)",
        )

    def handle(self, *args, **options):
        jours = conservation_jours() if options["jours"] is None else options["jours"]
        try:
            bilan = purger(jours=jours, dry_run=options["dry_run"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        prefixe = "À blanc : " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefixe}{bilan.rendez_vous} rendez-vous terminé(s) ou annulé(s) avant le "
            f"{limite(jours):%d/%m/%Y} anonymisé(s)."
        )
