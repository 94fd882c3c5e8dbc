"""Génère des escalades SYNTHÉTIQUES (mesures, démonstration), étalées sur les douze derniers mois.

manage.py generer_escalades --nombre 10000 [--partenaire caf] [--departement 16] [--graine 1]
"""

from django.core.management.base import BaseCommand, CommandError

from franceservices.escalades import synthetique
from franceservices.partenaires.models import Partenaire


class Command(BaseCommand):
    help = "Génère des escalades synthétiques (synthetique=True), exclues des chiffres réels."

    def add_arguments(self, parser):
        parser.add_argument("--nombre", type=int, required=True)
        parser.add_argument("--partenaire", help="Code du partenaire (défaut : tous les partenaires actifs)")
        parser.add_argument("--departement", help="Code du département (défaut : tout le pays)")
        parser.add_argument("--graine", type=int, default=0, help="Graine du hasard (reproductible)")

    def handle(self, *args, **options):
        if options["nombre"] <= 0:
            raise CommandError("--nombre doit être positif.")
        partenaire = None
        if options["partenaire"]:
            partenaire = Partenaire.objects.filter(code=options["partenaire"]).first()
            if partenaire is None:
                raise CommandError(f"Partenaire inconnu : « {options['partenaire']} ».")
        try:
            n = synthetique.generer(
                options["nombre"],
                partenaire=partenaire,
                departement=options["departement"],
                graine=options["graine"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{n} escalade(s) synthétique(s) créée(s).")
