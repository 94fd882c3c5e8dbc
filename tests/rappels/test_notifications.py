"""Notification d'échec : après deux échecs, un SMS (et un courriel si l'usager en a laissé un) par une tâche
après validation ; reprise idempotente par `notifier_rappels_echoues`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from franceservices.comptes.models import Role
from franceservices.rappels import actions, notifications, purge
from franceservices.rappels.models import Resultat, Statut
from tests.comptes.factories import personne

from .fabriques import rappel, structure

pytestmark = pytest.mark.django_db


def _deux_echecs(r, agent):
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.PAS_DE_REPONSE)
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.MESSAGERIE)
    r.refresh_from_db()
    return r


@pytest.fixture
def agent():
    return personne(Role.AGENT, structure=structure())


def test_tache_mise_en_file_apres_validation(agent, django_capture_on_commit_callbacks):
    r = rappel(structure=structure())
    avant = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as rappels_commit:
        actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.PAS_DE_REPONSE)
    assert rappels_commit == []  # un seul échec : rien
    with django_capture_on_commit_callbacks(execute=True) as rappels_commit:
        actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.PAS_DE_REPONSE)
    assert len(rappels_commit) == 1
    tache = DBTaskResult.objects.exclude(pk__in=[]).order_by("-enqueued_at").first()
    assert DBTaskResult.objects.count() == avant + 1
    assert tache.args_kwargs["args"] == [r.pk] and tache.task_path.endswith("notifier_echec_tache")


def test_sms_envoye_une_seule_fois(agent, sms_en_memoire):
    r = _deux_echecs(rappel(structure=structure(), telephone="0694 12 34 56"), agent)
    assert r.notification_echec_prevue_le is not None and r.notification_echec_envoyee_le is None
    assert notifications.envoyer_echec(r.pk) == notifications.Resultat.ENVOYEE
    assert notifications.envoyer_echec(r.pk) == notifications.Resultat.RIEN_A_FAIRE
    assert len(sms_en_memoire) == 1
    sms = sms_en_memoire[0]
    assert sms.numero == "+594694123456"
    assert "nous avons essayé de vous rappeler deux fois" in sms.texte and "/rappels/demander/" in sms.texte
    assert "Question sur mon dossier" not in sms.texte  # pas le besoin : le numéro a pu changer de main
    r.refresh_from_db()
    assert r.notification_echec_envoyee_le is not None


def test_courriel_par_un_vrai_serveur_smtp(agent, sms_en_memoire, serveur_smtp):
    r = _deux_echecs(rappel(structure=structure(), courriel="camille@exemple.fr"), agent)
    assert notifications.envoyer_echec(r.pk) == notifications.Resultat.ENVOYEE
    assert len(sms_en_memoire) == 1
    assert len(serveur_smtp.messages) == 1
    message = serveur_smtp.messages[0]
    assert message["To"] == "camille@exemple.fr"
    assert "Nous n'avons pas réussi à vous joindre" in message["Subject"]


def test_fournisseur_sms_en_panne_reprise_par_la_commande(agent, sms_en_memoire, monkeypatch):
    r = _deux_echecs(rappel(structure=structure()), agent)

    def panne(sms):
        raise ConnectionError("fournisseur injoignable")

    from franceservices.core import sms

    monkeypatch.setattr(sms.MemoireBackend, "envoyer", lambda self, s: panne(s))
    assert notifications.envoyer_echec(r.pk) == notifications.Resultat.ECHEC
    r.refresh_from_db()
    assert r.notification_echec_envoyee_le is None
    monkeypatch.undo()
    from django.conf import settings

    settings.SMS_BACKEND = "franceservices.core.sms.MemoireBackend"
    sortie = StringIO()
    call_command("notifier_rappels_echoues", "--dry-run", stdout=sortie)
    assert "1 notification(s) d'échec à envoyer" in sortie.getvalue()
    assert sms_en_memoire == []
    call_command("notifier_rappels_echoues", stdout=StringIO())
    call_command("notifier_rappels_echoues", stdout=(sortie := StringIO()))
    assert len(sms_en_memoire) == 1  # jamais deux fois
    assert "0 notification(s) envoyée(s)" in sortie.getvalue()


def test_commande_ignore_anonymisees_jointes_et_mauvais_numero(agent, sms_en_memoire):
    s = structure()
    anonymisee = _deux_echecs(rappel(structure=s), agent)
    actions.clore(par=agent, rappel=anonymisee, resultat=Statut.INJOIGNABLE, maintenant=timezone.now())
    purge.purger(jours=0, maintenant=timezone.now() + timedelta(seconds=1))
    jointe = _deux_echecs(rappel(structure=s), agent)
    actions.noter_tentative(par=agent, rappel=jointe, resultat=Resultat.JOINT)
    mauvais = rappel(structure=s)
    actions.noter_tentative(par=agent, rappel=mauvais, resultat=Resultat.MAUVAIS_NUMERO)
    actions.noter_tentative(par=agent, rappel=mauvais, resultat=Resultat.PAS_DE_REPONSE)
    a_envoyer = _deux_echecs(rappel(structure=s, telephone="0762000000"), agent)
    call_command("notifier_rappels_echoues", stdout=StringIO())
    assert [sms.numero for sms in sms_en_memoire] == ["+33762000000"]
    a_envoyer.refresh_from_db()
    anonymisee.refresh_from_db()
    assert a_envoyer.notification_echec_envoyee_le is not None
    assert anonymisee.anonymisee_le is not None and anonymisee.notification_echec_envoyee_le is None
