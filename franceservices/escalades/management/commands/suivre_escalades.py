"""Relances (J+N) et signalement des dépassements de délai des escalades. Périodique (chaque jour ouvré,
par exemple à 7 h) et idempotent : relancé, il n'envoie rien de plus.

    manage.py suivre_escalades [--dry-run] [--date AAAA-MM-JJ]
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from franceservices.escalades.suivi import a_relancer, a_signaler, suivre


class Command(BaseCommand):
    help = "Relance les référents des escalades sans réponse et signale les délais dépassés."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui serait fait, sans rien écrire"
        )
        parser.add_argument(
            "--date", help="Date de référence AAAA-MM-JJ (défaut : aujourd'hui), pour rejouer"
        )

    def handle(self, *args, **options):
        le = None
        if options["date"]:
            try:
                le = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"Date invalide : « {options['date']} » (attendu : AAAA-MM-JJ).") from exc
            if le > timezone.localdate():
                raise CommandError("La date de référence ne peut pas être dans le futur.")
        if options["dry_run"]:
            le = le or timezone.localdate()
            signalees = [e.reference for e in a_signaler(le)]
            relancees = [e.reference for e in a_relancer(le)]
            self.stdout.write(
                f"À blanc, le {le:%d/%m/%Y} : {len(relancees)} relance(s), {len(signalees)} dépassement(s)."
            )
            for ref in relancees:
                self.stdout.write(f"  relance : {ref}")
            for ref in signalees:
                self.stdout.write(f"  dépassement : {ref}")
            return
        bilan = suivre(le=le)
        self.stdout.write(
            f"Le {bilan.le:%d/%m/%Y} : {len(bilan.relancees)} relance(s), "
            f"{len(bilan.signalees)} dépassement(s) signalé(s)."
        )
