"""Commande `suivre_labels` : rappel d'audit une seule fois, vrai serveur SMTP, échec repris au passage suivant."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.label.models import RappelAudit, ajouter_mois
from franceservices.label.suivi import suivre_labels
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def echue():
    """Une seule France services dont l'audit tombe dans 30 jours ; les autres labels sont récents."""
    Structure.objects.update(date_labellisation=timezone.localdate())
    s = f.structure()
    labellisee = ajouter_mois(timezone.localdate() + timedelta(days=30), -36)
    Structure.objects.filter(pk=s.pk).update(date_labellisation=labellisee)
    personne(Role.COORDINATEUR_PREFECTURE, departement=s.departement, email="prefecture@label.example")
    personne(Role.ANIMATEUR, departement=s.departement, email="animateur@label.example")
    personne(Role.ANIMATEUR, departement=f.structure("15").departement, email="ailleurs@label.example")
    return s


def test_rappel_envoye_une_seule_fois(echue, serveur_smtp):
    bilan = suivre_labels()
    assert [(s.pk, e) for s, e, _ in bilan.envoyes] == [(echue.pk, timezone.localdate() + timedelta(days=30))]
    assert len(serveur_smtp.messages) == 1
    message = serveur_smtp.messages[0]
    assert sorted(a.strip() for a in message["To"].split(",")) == [
        "animateur@label.example",
        "prefecture@label.example",
    ]
    assert f"/label/structure/{echue.pk}/" in message.get_body().get_content()
    assert suivre_labels().envoyes == []
    assert len(serveur_smtp.messages) == 1
    assert RappelAudit.objects.get().envoye_le is not None


def test_preavis_court_rien_a_envoyer(echue, serveur_smtp):
    assert suivre_labels(preavis=10).envoyes == []
    assert serveur_smtp.messages == []


def test_serveur_en_panne_rappel_repris(echue, settings, serveur_smtp):
    bon = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 1},
        }
    }
    bilan = suivre_labels()
    assert (bilan.echecs, bilan.envoyes) == (1, [])
    rappel = RappelAudit.objects.get()
    assert rappel.envoye_le is None and rappel.echecs == 1 and rappel.derniere_erreur
    settings.MAILERS = bon
    assert len(suivre_labels().envoyes) == 1
    assert len(serveur_smtp.messages) == 1


def test_commande_dry_run_puis_reelle(echue, serveur_smtp):
    sortie = io.StringIO()
    call_command("suivre_labels", "--dry-run", stdout=sortie)
    assert "À blanc : 1 rappel(s) seraient envoyés." in sortie.getvalue()
    assert RappelAudit.objects.count() == 0 and serveur_smtp.messages == []
    call_command("suivre_labels", stdout=sortie)
    call_command("suivre_labels", stdout=sortie)
    assert "1 rappel(s) envoyé(s)" in sortie.getvalue()
    assert len(serveur_smtp.messages) == 1


def test_sans_destinataire_reste_a_envoyer(serveur_smtp):
    Structure.objects.update(date_labellisation=timezone.localdate())
    s = f.structure("15")
    Structure.objects.filter(pk=s.pk).update(
        date_labellisation=timezone.localdate() - timedelta(days=4 * 365)
    )
    bilan = suivre_labels()
    assert bilan.sans_destinataire == 1 and serveur_smtp.messages == []
    personne(Role.ANIMATEUR, departement=s.departement, email="nouveau@label.example")
    assert len(suivre_labels().envoyes) == 1
