"""Envoie les notifications d'escalade « à envoyer » (reprise après une panne du serveur de courriel ou du
moteur de tâches). Idempotent : une notification envoyée n'est jamais renvoyée.

    manage.py envoyer_notifications [--dry-run] [--limite N] [--echecs]

`--echecs` : après une longue panne (au-delà de ESCALADES_NOTIFICATION_TENTATIVES_MAX tentatives), remet
aussi les notifications en échec définitif dans la file (compteur de tentatives remis à zéro).
"""

from django.core.management.base import BaseCommand

from franceservices.escalades.models import EtatNotification, Notification
from franceservices.escalades.notifications import Resultat, envoyer


class Command(BaseCommand):
    help = "Envoie (ou retente) les notifications d'escalade en attente."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Liste sans envoyer")
        parser.add_argument(
            "--limite", type=int, default=None, help="Nombre maximal de notifications traitées"
        )
        parser.add_argument(
            "--echecs", action="store_true", help="Reprendre aussi les notifications en échec définitif"
        )

    def handle(self, *args, **options):
        if options["echecs"]:
            echecs = Notification.objects.filter(etat=EtatNotification.ECHEC)
            if options["dry_run"]:
                self.stdout.write(f"À blanc : {echecs.count()} notification(s) en échec seraient reprises.")
            else:
                n = echecs.update(etat=EtatNotification.A_ENVOYER, tentatives=0)
                self.stdout.write(f"{n} notification(s) en échec remise(s) dans la file.")
        attente = Notification.objects.filter(etat=EtatNotification.A_ENVOYER).order_by("creee_le", "pk")
        ids = list(attente.values_list("pk", flat=True)[: options["limite"]])
        if options["dry_run"]:
            self.stdout.write(f"À blanc : {len(ids)} notification(s) à envoyer.")
            for n in Notification.objects.filter(pk__in=ids).order_by("creee_le", "pk"):
                self.stdout.write(f"  {n.pk} {n.get_type_display()} — tentatives : {n.tentatives}")
            return
        compte = {
            Resultat.ENVOYEE: 0,
            Resultat.NOUVELLE_TENTATIVE: 0,
            Resultat.ECHEC: 0,
            Resultat.DEJA_TRAITEE: 0,
        }
        for pk in ids:
            compte[envoyer(pk)] += 1
        self.stdout.write(
            f"{compte[Resultat.ENVOYEE]} envoyée(s), {compte[Resultat.NOUVELLE_TENTATIVE]} à retenter, "
            f"{compte[Resultat.ECHEC]} en échec définitif, {compte[Resultat.DEJA_TRAITEE]} déjà traitée(s)."
        )
