"""Génère des demandes de rappel SYNTHÉTIQUES (démonstration, mesures), étalées sur les derniers jours.

manage.py generer_rappels --nombre 20000 [--departement 16] [--jours 90] [--graine 1]
manage.py generer_rappels --effacer     (supprime les demandes synthétiques)
"""

from django.core.management.base import BaseCommand, CommandError

from franceservices.rappels import synthetique
from franceservices.rappels.models import DemandeRappel


class Command(BaseCommand):
    help = "Génère des demandes de rappel synthétiques (synthetique=True), exclues des indicateurs réels."

    def add_arguments(self, parser):
        parser.add_argument("--nombre", type=int, default=0)
        parser.add_argument("--departement", help="Code du département (défaut : tout le pays)")
        parser.add_argument("--jours", type=int, default=90, help="Étalement sur les N derniers jours")
        parser.add_argument("--graine", type=int, default=0, help="Graine du hasard (reproductible)")
        parser.add_argument("--effacer", action="store_true", help="Supprime les demandes synthétiques")

    def handle(self, *args, **options):
        if options["effacer"]:
            n, _ = DemandeRappel.objects.filter(synthetique=True).delete()
            self.stdout.write(f"{n} objet(s) synthétique(s) supprimé(s).")
            if not options["nombre"]:
                return
        if options["nombre"] <= 0:
            raise CommandError("--nombre doit être positif.")
        if options["jours"] <= 0:
            raise CommandError("--jours doit être positif.")
        try:
            n = synthetique.generer(
                options["nombre"],
                departement=options["departement"],
                jours=options["jours"],
                graine=options["graine"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{n} demande(s) de rappel synthétique(s) créée(s).")
