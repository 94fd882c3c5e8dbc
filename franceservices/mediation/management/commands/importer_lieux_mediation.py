import time
from pathlib import Path

from django.core.management.base import BaseCommand

from franceservices.mediation.importation import FICHIER, importer_lieux


class Command(BaseCommand):
    help = (
        f"Importe les lieux de médiation numérique (schéma national ; par défaut REFERENCE_DATA_DIR/{FICHIER}) : "
        "chaque ligne est validée, les lignes rejetées sont listées (numéro, champ, message) ; idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, nargs="?", default=None)
        parser.add_argument("--rejets", type=Path, default=None, help="Écrire les rejets dans ce CSV")

    def handle(self, *args, fichier=None, rejets=None, **options):
        debut = time.perf_counter()
        bilan, liste = importer_lieux(fichier, rejets)
        self.stdout.write(bilan.resume())
        if rejets:
            self.stdout.write(f"{len(liste)} rejet(s) écrit(s) dans {rejets}.")
        self.stdout.write(self.style.SUCCESS(f"Import terminé en {time.perf_counter() - debut:.1f} s."))
