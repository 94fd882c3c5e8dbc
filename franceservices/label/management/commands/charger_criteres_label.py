"""Charge la liste de départ des critères du label (idempotent : un critère existant n'est jamais modifié).

manage.py charger_criteres_label
"""

from django.core.management.base import BaseCommand

from franceservices.label.depart import charger
from franceservices.label.models import ORIGINE_DEPART, Critere


class Command(BaseCommand):
    help = "Crée les critères de départ du label qui manquent (sans toucher aux critères existants)."

    def handle(self, *args, **options):
        crees = charger(Critere, ORIGINE_DEPART)
        self.stdout.write(f"{crees} critère(s) créé(s) ; {Critere.objects.count()} au total.")
