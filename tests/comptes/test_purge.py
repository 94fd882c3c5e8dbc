"""Purge RGPD des comptes : ce qui a dépassé sa durée de conservation part, le reste demeure."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from franceservices.comptes.models import DispositifTOTP, Habilitation, Invitation, JetonAPI, Portee, Role
from franceservices.core.models import EvenementAudit
from franceservices.structures.models import Structure

from .factories import personne

pytestmark = pytest.mark.django_db


def purger(*options) -> str:
    sortie = io.StringIO()
    call_command("purger_comptes", *options, stdout=sortie)
    return sortie.getvalue()


def test_purge_selon_les_durees():
    maintenant = timezone.now()
    structure = Structure.objects.filter(departement__code="15").first()
    responsable = personne(Role.RESPONSABLE, structure=structure)

    def invitation(email, **champs):
        return Invitation.objects.create(
            email=email, role=Role.AGENT, structure=structure, invitee_par=responsable, **champs
        )

    vieille = invitation("vieille@exemple.fr", expire_le=maintenant - timedelta(days=91))
    annulee = invitation(
        "annulee@exemple.fr",
        expire_le=maintenant + timedelta(days=1),
        annulee_le=maintenant - timedelta(days=100),
    )
    recente = invitation("recente@exemple.fr", expire_le=maintenant - timedelta(days=10))
    acceptee = invitation(
        "acceptee@exemple.fr",
        expire_le=maintenant - timedelta(days=400),
        acceptee_le=maintenant - timedelta(days=400),
    )
    vieux_jeton, _ = JetonAPI.generer(
        utilisateur=responsable,
        nom="vieux",
        portees=[Portee.EQUIPE_LECTURE],
        expire_le=maintenant - timedelta(days=91),
    )
    jeton_valide, _ = JetonAPI.generer(
        utilisateur=responsable,
        nom="valide",
        portees=[Portee.EQUIPE_LECTURE],
        expire_le=maintenant + timedelta(days=9),
    )
    tentative = AccessAttempt.objects.create(
        username="x@exemple.fr", ip_address="127.0.0.1", failures_since_start=1
    )
    AccessAttempt.objects.filter(pk=tentative.pk).update(attempt_time=maintenant - timedelta(days=31))
    tentative_recente = AccessAttempt.objects.create(
        username="y@exemple.fr", ip_address="127.0.0.1", failures_since_start=1
    )
    totp = DispositifTOTP.objects.create(utilisateur=responsable, secret="JBSWY3DPEHPK3PXP")
    DispositifTOTP.objects.filter(pk=totp.pk).update(cree_le=maintenant - timedelta(days=2))
    audit_avant = EvenementAudit.objects.count()

    apercu = purger("--dry-run")
    assert "invitations non acceptées (expirées ou annulées) : 2 à supprimer" in apercu
    assert Invitation.objects.count() == 4  # --dry-run ne supprime rien

    sortie = purger()
    assert "invitations non acceptées (expirées ou annulées) : 2 supprimé(s)" in sortie
    assert set(Invitation.objects.all()) == {recente, acceptee}
    assert not Invitation.objects.filter(pk__in=[vieille.pk, annulee.pk]).exists()
    assert list(JetonAPI.objects.all()) == [jeton_valide]
    assert not JetonAPI.objects.filter(pk=vieux_jeton.pk).exists()
    assert list(AccessAttempt.objects.all()) == [tentative_recente]
    assert not DispositifTOTP.objects.exists()
    # Comptes, habilitations et journal d'audit ne sont jamais purgés ici.
    assert Habilitation.objects.filter(utilisateur=responsable).exists()
    assert EvenementAudit.objects.count() == audit_avant
    # Idempotente : une seconde exécution ne trouve plus rien.
    assert "invitations non acceptées (expirées ou annulées) : 0 supprimé(s)" in purger()
