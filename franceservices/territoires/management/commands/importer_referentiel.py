import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from franceservices.activite.importation import importer_demarches
from franceservices.escalades.importation import importer_escalades
from franceservices.partenaires.importation import importer_partenaires
from franceservices.structures.importation import importer_structures
from franceservices.structures.models import Structure
from franceservices.territoires import importation

FICHIER_STRUCTURES = "france_services_2024-08-01.csv"


class Command(BaseCommand):
    help = (
        "Importe tout le référentiel (régions, départements, communes, jours fériés, partenaires, "
        "France services) depuis REFERENCE_DATA_DIR. Idempotent et transactionnel."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dossier", type=Path, default=None, help="Dossier des données (défaut : REFERENCE_DATA_DIR)"
        )
        parser.add_argument(
            "--si-vide", action="store_true", help="Ne rien faire si le registre est déjà importé"
        )
        parser.add_argument(
            "--anomalies", type=Path, default=None, help="Écrire les anomalies des structures dans ce CSV"
        )

    def handle(self, *args, dossier=None, si_vide=False, anomalies=None, **options):
        dossier = Path(dossier or settings.REFERENCE_DATA_DIR)
        if not dossier.is_dir():
            raise CommandError(
                f"Dossier des données de référence introuvable : {dossier}. Indiquez-le avec "
                "REFERENCE_DATA_DIR=/chemin/vers/data (voir le README pour les sources officielles)."
            )
        if si_vide and Structure.objects.exists():
            self.stdout.write("Référentiel déjà importé : rien à faire.")
            return
        debut = time.perf_counter()
        with transaction.atomic():
            for etape in (
                importation.importer_regions,
                importation.importer_departements,
                importation.importer_communes,
                importation.importer_jours_feries,
                importer_partenaires,
                importer_demarches,
                importer_escalades,
            ):
                self.stdout.write(etape(dossier).resume())
            bilan, liste = importer_structures(dossier / FICHIER_STRUCTURES, anomalies)
            self.stdout.write(bilan.resume())
            self.stdout.write(f"{len(liste)} anomalie(s) relevée(s) sur les France services.")
        self.stdout.write(self.style.SUCCESS(f"Référentiel importé en {time.perf_counter() - debut:.1f} s."))
