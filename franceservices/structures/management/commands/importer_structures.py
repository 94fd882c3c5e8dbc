from pathlib import Path

from django.core.management.base import BaseCommand

from franceservices.structures.importation import importer_structures


class Command(BaseCommand):
    help = (
        "Importe une liste de France services (CSV ANCT 2024 ou GeoJSON 2020) : upsert par id_fs, "
        "tout ou rien, bilan et anomalies (--anomalies CHEMIN.csv, colonnes id_fs,champ,anomalie)."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path)
        parser.add_argument("--anomalies", type=Path, default=None)
        parser.add_argument(
            "--forcer",
            action="store_true",
            help="Écraser aussi les lieux connus par une source plus récente (ex. GeoJSON 2020 sur CSV 2024)",
        )

    def handle(self, *args, fichier, anomalies=None, forcer=False, **options):
        bilan, liste = importer_structures(fichier, anomalies, forcer=forcer)
        self.stdout.write(bilan.resume())
        self.stdout.write(f"{len(liste)} anomalie(s) relevée(s).")
        if anomalies:
            self.stdout.write(f"Anomalies écrites dans {anomalies}.")
