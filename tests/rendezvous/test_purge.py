"""Purge RGPD des rendez-vous : anonymisation des terminés ou annulés depuis plus de N jours, idempotente,
journalisée (PURGE), à blanc avec --dry-run."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rendezvous.models import RendezVous, Statut
from franceservices.rendezvous.purge import purger

from .fabriques import type_rdv
from .test_messages import reserver
from .test_messages import structure as structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendez_vous(structure):
    type_ = type_rdv(structure)
    maintenant = timezone.now()
    rdvs = {
        nom: reserver(structure, type_, n=i) for i, nom in enumerate(("vieux", "recent", "annule", "futur"))
    }

    def deplacer_dans_le_temps(rdv, jours, **champs):
        debut = maintenant - timedelta(days=jours)
        RendezVous.objects.filter(pk=rdv.pk).update(debut=debut, fin=debut + timedelta(minutes=30), **champs)

    deplacer_dans_le_temps(rdvs["vieux"], 40, statut=Statut.HONORE)
    deplacer_dans_le_temps(rdvs["recent"], 10, statut=Statut.ABSENT)
    # Annulé il y a 31 jours (le rendez-vous aurait eu lieu dans le futur) : purgé.
    RendezVous.objects.filter(pk=rdvs["annule"].pk).update(
        statut=Statut.ANNULE, annule_le=maintenant - timedelta(days=31)
    )
    return rdvs


def test_purge_anonymise_et_journalise(rendez_vous):
    bilan = purger(jours=30)
    assert bilan.rendez_vous == 2
    for nom in ("vieux", "annule"):
        rdv = RendezVous.objects.get(pk=rendez_vous[nom].pk)
        assert (rdv.nom, rdv.telephone, rdv.courriel) == ("", "", "") and rdv.anonymise_le is not None
    for nom in ("recent", "futur"):
        rdv = RendezVous.objects.get(pk=rendez_vous[nom].pk)
        assert rdv.nom == "Léonie Zébulon" and rdv.anonymise_le is None
    (audit,) = EvenementAudit.objects.filter(evenement=Evenement.PURGE, details__objet="rendez-vous")
    assert audit.details["rendez_vous"] == 2 and "Léonie" not in str(audit.details)
    # Idempotente : relancée, n'efface rien de plus et ne journalise pas.
    assert purger(jours=30).rendez_vous == 0
    assert EvenementAudit.objects.filter(evenement=Evenement.PURGE, details__objet="rendez-vous").count() == 1


def test_duree_reglable(rendez_vous, settings):
    settings.RENDEZ_VOUS_CONSERVATION_JOURS = 5
    assert purger(dry_run=True).rendez_vous == 3
    assert RendezVous.objects.filter(anonymise_le__isnull=False).count() == 0


def test_commande(rendez_vous, capsys):
    call_command("purger_rendez_vous", "--dry-run")
    assert "À blanc : 2 rendez-vous" in capsys.readouterr().out
    assert not RendezVous.objects.filter(anonymise_le__isnull=False).exists()
    call_command("purger_rendez_vous")
    assert "2 rendez-vous" in capsys.readouterr().out
    assert RendezVous.objects.filter(anonymise_le__isnull=False).count() == 2
    call_command("purger_rendez_vous", "--jours", "0")
    assert "1 rendez-vous" in capsys.readouterr().out  # le « récent » (il y a 10 jours)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="négative"):
        call_command("purger_rendez_vous", "--jours", "-1")
