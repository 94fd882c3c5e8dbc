"""Purge des données personnelles des comptes arrivées au terme de leur conservation (RGPD).

Idempotente, à lancer chaque jour (cron ou ordonnanceur) ; `--dry-run` compte sans rien supprimer.
Durées : réglage CONSERVATION_JOURS. Ne touche ni aux comptes (désactivés, jamais supprimés : leur
historique est utile), ni aux habilitations, ni au journal d'audit (en ajout seul ; sa durée de
conservation relève d'une décision d'archivage, cf. README).
"""

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from franceservices.comptes.models import DispositifTOTP, Invitation, JetonAPI


def a_purger(maintenant=None) -> dict[str, object]:
    """{libellé: queryset des lignes à supprimer}."""
    maintenant = maintenant or timezone.now()
    jours = settings.CONSERVATION_JOURS

    def avant(cle):
        return maintenant - timedelta(days=jours[cle])

    limite_invitations = avant("invitations_non_acceptees")
    limite_jetons = avant("jetons_expires_ou_revoques")
    return {
        "invitations non acceptées (expirées ou annulées)": Invitation.objects.filter(
            acceptee_le__isnull=True
        ).filter(Q(expire_le__lt=limite_invitations) | Q(annulee_le__lt=limite_invitations)),
        "tentatives de connexion échouées (django-axes)": AccessAttempt.objects.filter(
            attempt_time__lt=avant("tentatives_de_connexion")
        ),
        "journal des échecs de connexion (django-axes)": AccessFailureLog.objects.filter(
            attempt_time__lt=avant("tentatives_de_connexion")
        ),
        "journal des connexions (django-axes)": AccessLog.objects.filter(
            attempt_time__lt=avant("connexions_reussies")
        ),
        "jetons d'API expirés ou révoqués": JetonAPI.objects.filter(
            Q(expire_le__lt=limite_jetons) | Q(revoque_le__lt=limite_jetons)
        ),
        "seconds facteurs jamais confirmés": DispositifTOTP.objects.filter(
            confirme_le__isnull=True, cree_le__lt=avant("second_facteur_non_confirme")
        ),
        "sessions expirées": Session.objects.filter(expire_date__lt=maintenant),
    }


class Command(BaseCommand):
    help = "Supprime les données personnelles des comptes arrivées au terme de leur conservation."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien supprimer.")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            for libelle, lignes in a_purger().items():
                nombre = lignes.count() if dry_run else lignes.delete()[0]
                verbe = "à supprimer" if dry_run else "supprimé(s)"
                self.stdout.write(f"{libelle} : {nombre} {verbe}")
