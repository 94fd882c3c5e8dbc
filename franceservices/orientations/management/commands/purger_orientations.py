"""Efface les coordonnées de l'usager (prénom, téléphone, courriel) et la précision du besoin des orientations
envoyées il y a plus de `ORIENTATIONS_PURGE_JOURS` jours (90 par défaut). Idempotente ; les chiffres
(sens, état, délais) restent pour les statistiques.

    manage.py purger_orientations [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.orientations.actions import purge_jours, purger


class Command(BaseCommand):
    help = "Efface les données personnelles des orientations anciennes."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien effacer")

    def handle(self, *args, **options):
        n = purger(dry_run=options["dry_run"])
        debut = "À blanc : " if options["dry_run"] else ""
        verbe = "à purger" if options["dry_run"] else "purgée(s)"
        self.stdout.write(f"{debut}{n} orientation(s) de plus de {purge_jours()} jours {verbe}.")
