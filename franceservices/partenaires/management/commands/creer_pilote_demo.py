"""Pilote de démonstration de la Banque de France (DEBUG seulement, idempotent) : le département de démo
(`settings.DEMO_DEPARTEMENT`) et la Mayenne (53, département du pilote réel cité par nos sources), formation
exigée, et l'agent de démo (`creer_comptes_demo`) déclaré formé."""

from datetime import date

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from franceservices.comptes.management.commands.creer_comptes_demo import DOMAINE
from franceservices.comptes.models import Utilisateur

from ...actions import declarer_formation
from ...models import FormationPilote, Pilote

NOM = "Banque de France — démonstration"
DEBUT = date(2022, 11, 1)  # début du pilote réel (novembre 2022)


class Command(BaseCommand):
    help = (
        "Crée le pilote de démonstration de la Banque de France et forme l'agent de démo (DEBUG seulement)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Le pilote de démonstration n'est jamais créé quand DEBUG est désactivé.")
        departements = sorted({settings.DEMO_DEPARTEMENT, "53"})
        with transaction.atomic():
            call_command(
                "declarer_pilote",
                partenaire="bdf",
                nom=NOM,
                departements=departements,
                debut=DEBUT.isoformat(),
                description="Pilote de démonstration (données de démo) : il n'engage pas la Banque de France.",
                stdout=self.stdout,
            )
            pilote = Pilote.objects.get(partenaire__code="bdf", nom=NOM)
            agent = Utilisateur.objects.filter(email=f"agent@{DOMAINE}").first()
            if agent is None:
                self.stderr.write("Agent de démo absent : lancez d'abord creer_comptes_demo.")
                return
            if FormationPilote.objects.filter(pilote=pilote, agent=agent).exists():
                self.stdout.write(f"{agent.email} est déjà déclaré(e) formé(e).")
                return
            declarer_formation(
                par=None, pilote=pilote, agent=agent, formee_le=timezone.localdate(), verifier=False
            )
        self.stdout.write(f"{agent.email} déclaré(e) formé(e) au pilote « {NOM} ».")
