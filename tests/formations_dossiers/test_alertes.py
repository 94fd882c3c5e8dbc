from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.formations import suivi
from franceservices.formations.alertes import alerter_formation_initiale
from franceservices.formations.models import AlerteFormation
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    s = f.structure()
    requis = [f.module(), f.module()]
    responsable = personne(Role.RESPONSABLE, structure=s, email="responsable@alertes.example")
    animateur = personne(Role.ANIMATEUR, departement=s.departement, email="animateur@alertes.example")
    personne(
        Role.ANIMATEUR, departement=f.structure("15").departement, email="autre-animateur@alertes.example"
    )
    en_retard = f.agent(s, depuis_jours=200, email="retard@alertes.example")
    recent = f.agent(s, depuis_jours=20)
    forme = f.agent(s, depuis_jours=400)
    for m in requis:
        f.reussite(forme, m)
    return {"s": s, "retard": en_retard, "recent": recent, "responsable": responsable, "animateur": animateur}


def test_alerte_envoyee_une_seule_fois(site, serveur_smtp):
    bilan = alerter_formation_initiale()
    # Le responsable (habilité depuis aujourd'hui) n'est pas en retard ; l'agent formé non plus.
    assert [(a.pk, s.pk) for a, s, _, _ in bilan.envoyees] == [(site["retard"].pk, site["s"].pk)]
    assert len(serveur_smtp.messages) == 1
    message = serveur_smtp.messages[0]
    destinataires = sorted(a.strip() for a in message["To"].split(","))
    assert destinataires == ["animateur@alertes.example", "responsable@alertes.example"]
    corps = message.get_body().get_content()
    assert f"/formations/dossiers/agent/{site['retard'].pk}/" in corps
    alerte = AlerteFormation.objects.get()
    assert alerte.echeance == suivi.echeance(timezone.localdate() - timedelta(days=200))
    assert alerte.destinataires == destinataires

    # Deuxième passage : rien de neuf.
    bilan = alerter_formation_initiale()
    assert bilan.envoyees == []
    assert len(serveur_smtp.messages) == 1
    assert AlerteFormation.objects.count() == 1


def test_nouvelle_echeance_nouvelle_alerte(site, serveur_smtp):
    alerter_formation_initiale()
    # Retiré puis ré-habilité il y a 7 mois : nouvelle échéance, nouvelle alerte.
    Habilitation.objects.filter(utilisateur=site["retard"]).update(revoquee_le=timezone.now())
    Habilitation.objects.create(
        utilisateur=site["retard"],
        role=Role.AGENT,
        structure=site["s"],
        debut=timezone.localdate() - timedelta(days=215),
    )
    assert len(alerter_formation_initiale().envoyees) == 1
    assert AlerteFormation.objects.count() == 2
    assert len(serveur_smtp.messages) == 2


def test_dry_run_n_ecrit_rien(site, serveur_smtp):
    sortie = __import__("io").StringIO()
    call_command("alerter_formation_initiale", "--dry-run", stdout=sortie)
    assert "À blanc : 1 alerte(s) seraient envoyées" in sortie.getvalue()
    assert AlerteFormation.objects.count() == 0
    assert serveur_smtp.messages == []
    call_command("alerter_formation_initiale", stdout=sortie)
    call_command("alerter_formation_initiale", stdout=sortie)
    assert AlerteFormation.objects.count() == 1
    assert len(serveur_smtp.messages) == 1


def test_serveur_en_panne_alerte_retentee(site, settings, serveur_smtp):
    port = serveur_smtp.port
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    bilan = alerter_formation_initiale()
    assert bilan.echecs == 1 and AlerteFormation.objects.count() == 0
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    assert len(alerter_formation_initiale().envoyees) == 1
    assert len(serveur_smtp.messages) == 1


def test_sans_destinataire_rien_d_enregistre(serveur_smtp):
    s = f.structure("15")
    f.module()
    Habilitation.objects.filter(departement=s.departement, role=Role.ANIMATEUR).delete()
    f.agent(s, depuis_jours=300)
    bilan = alerter_formation_initiale()
    assert bilan.sans_destinataire == 1 and AlerteFormation.objects.count() == 0
    assert serveur_smtp.messages == []
