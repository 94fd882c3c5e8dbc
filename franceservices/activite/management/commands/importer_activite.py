"""Importe un historique d'activité (CSV, une ligne = une demande) ; tout ou rien, idempotent.

    manage.py importer_activite historique.csv [--rejets rejets.csv] [--verifier]

Colonnes : voir `franceservices/activite/importation_historique.py` (date_heure, id_fs, canal, partenaire,
partenaire_autre, theme, demarche, niveau, issue, orientee_vers, duree, tranche_age, sexe, commune,
premiere_visite, autonomie, identifiant). Code de sortie 1 s'il y a des rejets (rien n'est alors importé).
"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from franceservices.activite.importation_historique import COLONNES, FichierInvalide, importer

REJETS_AFFICHES = 30


class Command(BaseCommand):
    help = "Importe un historique d'activité (CSV) : rien n'est importé s'il y a un seul rejet."

    def add_arguments(self, parser):
        parser.add_argument("fichier", help=f"CSV UTF-8, colonnes : {', '.join(COLONNES)}")
        parser.add_argument(
            "--rejets", help="Écrit le rapport de rejets (ligne;colonne;valeur;motif) dans ce fichier"
        )
        parser.add_argument("--verifier", action="store_true", help="Valide tout le fichier sans rien écrire")

    def handle(self, *args, **options):
        chemin = Path(options["fichier"])
        try:
            contenu = chemin.read_bytes()
        except OSError as exc:
            raise CommandError(f"Fichier illisible : {chemin} ({exc.strerror}).") from exc
        debut = time.perf_counter()
        try:
            rapport = importer(contenu, chemin.name, verifier=options["verifier"])
        except FichierInvalide as exc:
            raise CommandError(f"{exc} Rien n'a été importé.") from exc
        duree = time.perf_counter() - debut
        if options["rejets"]:
            Path(options["rejets"]).write_text(rapport.rejets_csv(), encoding="utf-8")
        if rapport.rejets:
            self.stdout.write(self.style.ERROR(rapport.resume()))
            for rejet in rapport.rejets[:REJETS_AFFICHES]:
                self.stdout.write(f"- {rejet}")
            if len(rapport.rejets) > REJETS_AFFICHES:
                suite = (
                    f" (tous dans {options['rejets']})"
                    if options["rejets"]
                    else " (--rejets pour tout avoir)"
                )
                self.stdout.write(f"… et {len(rapport.rejets) - REJETS_AFFICHES} autre(s){suite}.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"{rapport.resume()} ({duree:.1f} s)"))
