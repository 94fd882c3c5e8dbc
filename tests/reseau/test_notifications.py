"""Courriels de la vie du réseau avec un vrai serveur SMTP : invitations après commit (tâche de fond),
annulation aux inscrits, panne SMTP sans perte (tentatives, erreur, reprise), commande de rattrapage
idempotente avec rappel la veille, heure locale outre-mer."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from franceservices.reseau import actions, notifications
from franceservices.reseau.models import Envoi, SorteEnvoi
from tests.smtp import port_libre

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def lancer_worker(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://reseau.exemple.fr/"
    settings.DEFAULT_FROM_EMAIL = "France services <ne-pas-repondre@exemple.fr>"


@pytest.fixture
def monde():
    s = f.structure("16")
    return {"structure": s, "agents": [f.agent(s) for _ in range(2)], "animateur": f.animateur(s.departement)}


def panne(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }


def retablir(settings, port):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def taches():
    return DBTaskResult.objects.filter(task_path__endswith="envoyer_courriels_tache")


def corps(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def _creer(monde, **champs):
    e = f.evenement(departement=monde["structure"].departement, **champs)
    actions.enregistrer_evenement(par=monde["animateur"], evenement=e)
    return e


def test_invitations_apres_commit(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        e = _creer(monde, titre="Réunion de décembre")
    assert serveur_smtp.messages == []  # en file, pas encore envoyé
    lancer_worker()
    recus = serveur_smtp.attendre(2)
    assert sorted(m["To"] for m in recus) == sorted(a.email for a in monde["agents"])
    message = recus[0]
    assert message["Subject"].startswith("Invitation : Réunion de décembre")
    assert f"https://reseau.exemple.fr/vie-du-reseau/evenements/{e.pk}/" in corps(message)
    assert "(heure de Paris)" in corps(message)
    assert Envoi.objects.filter(evenement=e, envoye_le__isnull=False, tentatives=1).count() == 2
    call_command("envoyer_courriels_reseau", stdout=io.StringIO())  # rien à rattraper : rien de renvoyé
    assert len(serveur_smtp.attendre(3, delai=0.3)) == 2


def test_transaction_annulee_rien_en_file(monde, django_capture_on_commit_callbacks):
    avant = taches().count()
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _creer(monde)
        raise RuntimeError
    assert taches().count() == avant and not Envoi.objects.exists()


def test_annulation_aux_inscrits(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    e = _creer(monde, titre="Webinaire CAF")
    Envoi.objects.update(envoye_le=timezone.now())  # invitations déjà parties
    inscrit, _non_inscrit = monde["agents"]
    actions.inscrire(par=inscrit, evenement=e)
    with django_capture_on_commit_callbacks(execute=True):
        actions.annuler_evenement(par=monde["animateur"], evenement=e, motif="Intervenant malade")
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == inscrit.email and message["Subject"].startswith("Annulé : Webinaire CAF")
    assert "Motif : Intervenant malade" in corps(message)


def test_panne_smtp_sans_perte_puis_rattrapage(
    monde, settings, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    port = serveur_smtp.port
    panne(settings)
    with django_capture_on_commit_callbacks(execute=True):
        e = _creer(monde)
    lancer_worker()
    envois = Envoi.objects.filter(evenement=e)
    assert all(x.envoye_le is None and x.tentatives == 1 for x in envois)
    assert all("ConnectionRefusedError" in x.derniere_erreur for x in envois)
    suite = taches().order_by("enqueued_at")
    assert suite.count() == 2 and suite.last().run_after > timezone.now()  # nouvelle tentative programmée
    retablir(settings, port)
    sortie = io.StringIO()
    call_command("envoyer_courriels_reseau", stdout=sortie)
    assert "2 courriel(s) envoyé(s)" in sortie.getvalue()
    assert len(serveur_smtp.attendre(2)) == 2
    assert all(x.envoye_le and x.tentatives == 2 and x.derniere_erreur == "" for x in envois.all())
    # La tâche reprogrammée ne renvoie rien.
    DBTaskResult.objects.filter(pk=suite.last().pk).update(run_after=timezone.now())
    lancer_worker()
    assert len(serveur_smtp.attendre(3, delai=0.3)) == 2


def test_tentatives_bornees(monde, settings):
    panne(settings)
    e = _creer(monde)
    for _ in range(notifications.TENTATIVES_MAX):
        notifications.envoyer_en_attente(evenement_id=e.pk)
    assert all(x.abandonne_le and x.tentatives == notifications.TENTATIVES_MAX for x in Envoi.objects.all())
    assert notifications.envoyer_en_attente().envoyes == 0


def test_invitation_sans_objet_abandonnee(monde, serveur_smtp):
    e = _creer(monde)
    e.annule_le = timezone.now()
    e.save()
    bilan = notifications.envoyer_en_attente()
    assert (bilan.envoyes, bilan.abandonnes) == (0, 2) and serveur_smtp.messages == []


def test_rappel_la_veille_idempotent(monde, site, serveur_smtp):
    maintenant = timezone.now()
    demain = _creer(monde, titre="Demain", dans_jours=1)
    loin = _creer(monde, titre="Dans dix jours", dans_jours=10)
    Envoi.objects.update(envoye_le=maintenant)
    inscrit, desinscrit = monde["agents"]
    for e in (demain, loin):
        actions.inscrire(par=inscrit, evenement=e)
    actions.inscrire(par=desinscrit, evenement=demain)
    actions.desinscrire(par=desinscrit, evenement=demain)
    sortie = io.StringIO()
    call_command("envoyer_courriels_reseau", "--dry-run", stdout=sortie)
    assert (
        "1 rappel(s) à programmer" in sortie.getvalue()
        and not Envoi.objects.filter(sorte=SorteEnvoi.RAPPEL).exists()
    )
    call_command("envoyer_courriels_reseau", stdout=sortie)
    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == inscrit.email and message["Subject"].startswith("Rappel : Demain")
    call_command("envoyer_courriels_reseau", stdout=sortie)
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1  # jamais deux fois
    assert Envoi.objects.filter(sorte=SorteEnvoi.RAPPEL).count() == 1


def test_heure_locale_outre_mer(site):
    d = f.departement("972")
    e = f.evenement(departement=d)
    e.debut = e.debut.replace(hour=14, minute=0, second=0, microsecond=0)  # UTC
    e.fin = e.debut + timedelta(hours=1)
    texte = notifications.quand(e)
    assert "de 10:00 à 11:00 (heure locale)" in texte  # Martinique : UTC−4
