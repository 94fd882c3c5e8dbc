from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rappels import actions
from franceservices.rappels.indicateurs import indicateurs
from franceservices.rappels.models import DemandeRappel, Resultat, Statut
from tests.comptes.factories import personne

from .fabriques import rappel, structure

pytestmark = pytest.mark.django_db


def test_purge_des_demandes_closes_anciennes():
    s = structure()
    agent = personne(Role.AGENT, structure=s)
    il_y_a_40_jours = timezone.now() - timedelta(days=40)
    ancienne = rappel(structure=s, creneaux=["matin"], maintenant=il_y_a_40_jours)
    actions.noter_tentative(par=agent, rappel=ancienne, resultat=Resultat.JOINT, maintenant=il_y_a_40_jours)
    recente = rappel(structure=s)
    actions.clore(par=agent, rappel=recente, resultat=Statut.ABANDONNE)
    ancienne_ouverte = rappel(structure=s, maintenant=il_y_a_40_jours)
    avant = indicateurs(structure=s, qs=DemandeRappel.objects.filter(pk=ancienne.pk))

    sortie = StringIO()
    call_command("purger_rappels", "--dry-run", stdout=sortie)
    assert "À blanc : 1 demande" in sortie.getvalue()
    ancienne.refresh_from_db()
    assert ancienne.telephone

    call_command("purger_rappels", stdout=StringIO())
    ancienne.refresh_from_db()
    assert ancienne.telephone == "" and ancienne.besoin == "" and ancienne.creneaux == []
    assert ancienne.anonymisee_le is not None
    for autre in (recente, ancienne_ouverte):
        autre.refresh_from_db()
        assert autre.telephone and autre.anonymisee_le is None
    # Les indicateurs ne bougent pas.
    assert indicateurs(structure=s, qs=DemandeRappel.objects.filter(pk=ancienne.pk)) == avant
    assert EvenementAudit.objects.filter(evenement=Evenement.PURGE, details__objet="rappels").count() == 1

    # Idempotent : rien de plus, rien de journalisé.
    sortie = StringIO()
    call_command("purger_rappels", stdout=sortie)
    assert sortie.getvalue().startswith("0 demande")
    assert EvenementAudit.objects.filter(evenement=Evenement.PURGE, details__objet="rappels").count() == 1
    # Une demande anonymisée ne se traite plus.
    with pytest.raises(Exception, match="anonymisée"):
        actions.clore(par=agent, rappel=ancienne, resultat=Statut.ABANDONNE)


def test_duree_negative_refusee():
    with pytest.raises(CommandError):
        call_command("purger_rappels", "--jours", "-1", stdout=StringIO())
