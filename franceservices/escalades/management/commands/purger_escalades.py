"""Efface (anonymise) les données personnelles des escalades closes depuis plus de N mois. Périodique (chaque
nuit, par exemple) et idempotent : relancé, il n'efface rien de plus. Chaque passage effectif est journalisé.

    manage.py purger_escalades [--dry-run] [--mois N]   (N par défaut : ESCALADES_CONSERVATION_MOIS)
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from franceservices.escalades.purge import limite, purger


class Command(BaseCommand):
    help = "Anonymise les escalades closes depuis plus de --mois mois (défaut : ESCALADES_CONSERVATION_MOIS)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien effacer")
        parser.add_argument(
            "--mois",
            type=int,
            default=None,
            help=f"Durée de conservation après la clôture (défaut : {settings.ESCALADES_CONSERVATION_MOIS})",
        )

    def handle(self, *args, **options):
        mois = settings.ESCALADES_CONSERVATION_MOIS if options["mois"] is None else options["mois"]
        try:
            bilan = purger(mois=mois, dry_run=options["dry_run"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        prefixe = "À blanc : " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefixe}{bilan.escalades} escalade(s) close(s) avant le {limite(mois):%d/%m/%Y} anonymisée(s) ; "
            f"{bilan.messages} message(s), {bilan.consentements} consentement(s), {bilan.pieces} pièce(s) jointe(s) ; "
            f"{bilan.fichiers_orphelins} fichier(s) orphelin(s) supprimé(s) du stockage."
        )
