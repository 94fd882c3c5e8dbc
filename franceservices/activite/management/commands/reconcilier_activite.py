"""Vérifie que les agrégats de l'activité sont égaux aux lignes brutes (commande périodique, idempotente).

manage.py reconcilier_activite --du 2026-01 --au 2026-10            # code de sortie 1 s'il y a un écart
manage.py reconcilier_activite --du 2026-01 --au 2026-10 --reparer  # reconstruit puis revérifie
"""

import sys
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from franceservices.activite import agregats

ECARTS_AFFICHES = 50


def _mois(texte: str, nom: str) -> date:
    try:
        annee, mois = texte.split("-")
        return date(int(annee), int(mois), 1)
    except ValueError as exc:
        raise CommandError(f"{nom} invalide : « {texte} » (attendu : AAAA-MM).") from exc


class Command(BaseCommand):
    help = "Compare les agrégats de l'activité aux demandes brutes ; --reparer les reconstruit."

    def add_arguments(self, parser):
        parser.add_argument("--du", required=True, help="Premier mois AAAA-MM")
        parser.add_argument("--au", required=True, help="Dernier mois AAAA-MM")
        parser.add_argument("--reparer", action="store_true", help="Reconstruit les agrégats puis revérifie")
        parser.add_argument(
            "--tous",
            action="store_true",
            help=f"Affiche tous les écarts (défaut : les {ECARTS_AFFICHES} premiers)",
        )

    def _verifier(self, du, au, tous) -> list:
        debut = time.perf_counter()
        ecarts = agregats.reconcilier(du, au)
        duree = time.perf_counter() - debut
        if not ecarts:
            self.stdout.write(
                self.style.SUCCESS(f"{du:%Y-%m} → {au:%Y-%m} : aucun écart (vérifié en {duree:.1f} s).")
            )
            return ecarts
        self.stdout.write(
            self.style.ERROR(f"{du:%Y-%m} → {au:%Y-%m} : {len(ecarts)} écart(s) (vérifié en {duree:.1f} s) :")
        )
        for ecart in ecarts if tous else ecarts[:ECARTS_AFFICHES]:
            self.stdout.write(f"- {ecart}")
        if not tous and len(ecarts) > ECARTS_AFFICHES:
            self.stdout.write(f"… et {len(ecarts) - ECARTS_AFFICHES} autre(s) (--tous pour tout voir).")
        return ecarts

    def handle(self, *args, **options):
        du, au = _mois(options["du"], "--du"), _mois(options["au"], "--au")
        if du > au:
            raise CommandError("--du doit précéder --au.")
        ecarts = self._verifier(du, au, options["tous"])
        if ecarts and options["reparer"]:
            debut = time.perf_counter()
            lignes = agregats.reconstruire(du, au)
            self.stdout.write(
                f"Agrégats reconstruits depuis les demandes : {lignes} ligne(s) en {time.perf_counter() - debut:.1f} s."
            )
            ecarts = self._verifier(du, au, options["tous"])
        if ecarts:
            sys.exit(1)
