"""Rattrapage des courriels de la vie du réseau et rappel la veille des événements.

Périodique (toutes les heures, par exemple) et idempotent : programme une ligne de rappel par inscrit des
événements de demain (une seule par personne et par événement), puis envoie toutes les lignes de la table
d'envoi encore en attente (invitations, annulations, rappels) ; une ligne envoyée ne l'est jamais deux fois,
une ligne en échec est reprise au passage suivant (au plus `TENTATIVES_MAX` tentatives).

    manage.py envoyer_courriels_reseau [--dry-run]
"""

from django.core.management.base import BaseCommand

from franceservices.reseau import notifications


class Command(BaseCommand):
    help = "Envoie les courriels en attente de la vie du réseau et les rappels de la veille."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans rien écrire ni envoyer")

    def handle(self, *args, **options):
        if options["dry_run"]:
            rappels = notifications.programmer_rappels(dry_run=True)
            attente = notifications.a_envoyer().count()
            self.stdout.write(
                f"À blanc : {rappels} rappel(s) à programmer, {attente} courriel(s) en attente d'envoi."
            )
            return
        rappels = notifications.programmer_rappels()
        bilan = notifications.envoyer_en_attente()
        self.stdout.write(
            f"{rappels} rappel(s) programmé(s) ; {bilan.envoyes} courriel(s) envoyé(s), {bilan.echecs} échec(s) "
            f"(repris au prochain passage), {bilan.abandonnes} abandonné(s)."
        )
