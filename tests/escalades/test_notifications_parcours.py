"""Parcours complet par les actions : ouverture (usager nommé, consentement) → courriel au référent par le
worker et un vrai serveur SMTP, sans nom d'usager ; rejet par le référent → courriel à l'agent ;
la relance automatique ne concerne plus une escalade close."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from franceservices.escalades import actions
from franceservices.escalades.models import EtatNotification, MotifRejet, Notification, Statut
from franceservices.escalades.suivi import suivre
from tests.escalades import fabriques

pytestmark = pytest.mark.django_db

NOM, PRENOM = "Vasseur-Kerbrat", "Ombeline"


@pytest.fixture
def worker(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def corps(message):
    return message["Subject"] + message.get_body(preferencelist=("plain",)).get_content()


def test_parcours_ouverture_rejet(serveur_smtp, worker, django_capture_on_commit_callbacks):
    structure = fabriques.structure("16")
    partenaire = fabriques.partenaire()
    agent = fabriques.agent(structure)
    referent = fabriques.referent(partenaire, structure.departement)

    with django_capture_on_commit_callbacks(execute=True):
        escalade = fabriques.escalade(
            agent=agent,
            structure=structure,
            partenaire=partenaire,
            usager_nom=NOM,
            usager_prenom=PRENOM,
            consentement=fabriques.consentement(f"{PRENOM} {NOM}"),
            description=f"Le dossier de {PRENOM} {NOM} est bloqué.",
        )
    worker()
    (ouverture,) = serveur_smtp.attendre(1)
    assert ouverture["X-Destinataires-Enveloppe"] == referent.email
    assert escalade.reference in ouverture["Subject"]
    assert NOM not in corps(ouverture) and PRENOM not in corps(ouverture)

    with django_capture_on_commit_callbacks(execute=True):
        actions.changer_statut(
            par=referent,
            escalade=escalade,
            vers=Statut.REJETEE,
            motif_rejet=MotifRejet.AUTRE,
            precision=f"Concerne {NOM}",
            message=f"Madame {NOM} doit se présenter.",
        )
    worker()
    messages = serveur_smtp.attendre(2)
    assert len(messages) == 2
    rejet = messages[1]
    assert rejet["X-Destinataires-Enveloppe"] == agent.email
    assert NOM not in corps(rejet)
    assert set(Notification.objects.filter(escalade=escalade).values_list("etat", flat=True)) == {
        EtatNotification.ENVOYEE
    }

    # Close : ni relance ni dépassement, même bien plus tard.
    bilan = suivre(le=timezone.localdate())
    assert escalade.reference not in bilan.relancees + bilan.signalees
    worker()
    assert len(serveur_smtp.attendre(3, delai=0.3)) == 2
