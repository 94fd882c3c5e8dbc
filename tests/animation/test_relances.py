"""Commande `relancer_actions_visite` : une relance par action échue non faite, au porteur et à l'auteur, par un
vrai serveur SMTP ; idempotente ; échec d'envoi journalisé puis rattrapé."""

from io import StringIO

import pytest
from django.core.management import call_command

from franceservices.animation.actions import relancer_actions_echues
from franceservices.animation.models import ActionSuivi
from franceservices.comptes.models import Role
from tests.comptes.factories import personne
from tests.smtp import port_libre

from . import fabriques as f

pytestmark = pytest.mark.django_db


def _lancer(*args):
    sortie = StringIO()
    call_command("relancer_actions_visite", *args, stdout=sortie)
    return sortie.getvalue()


@pytest.fixture
def actions():
    s = f.structure("16")
    anim = f.animateur(s.departement)
    resp = personne(Role.RESPONSABLE, structure=s)
    v = f.visite(s, auteur=anim, jours=-30)
    return {
        "animateur": anim,
        "responsable": resp,
        "echue": f.action(v, porteur=resp, echeance_jours=-1, libelle="Afficher les horaires"),
        "a_venir": f.action(v, porteur=resp, echeance_jours=3),
        "faite": f.action(v, echeance_jours=-5, faite_le="2026-01-01T10:00Z"),
        "texte": f.action(v, echeance_jours=-2, libelle="Porteur sans compte"),
    }


def test_relance_une_seule_fois(actions, serveur_smtp, django_capture_on_commit_callbacks):
    assert "2 à relancer" in _lancer("--dry-run")
    assert serveur_smtp.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        _lancer()  # les courriels partent après validation (ici : à la sortie du bloc)
    recus = serveur_smtp.attendre(2)
    par_sujet = {m["Subject"]: m for m in recus}
    message = par_sujet["Action de suivi en retard : Afficher les horaires"]
    destinataires = message["To"]
    assert actions["responsable"].email in destinataires and actions["animateur"].email in destinataires
    corps = message.get_body(("plain",)).get_content()
    assert "Afficher les horaires" in corps and "/animation/visites/" in corps
    # Seul l'auteur reçoit la relance d'une action portée par une personne sans compte.
    assert par_sujet["Action de suivi en retard : Porteur sans compte"]["To"] == actions["animateur"].email
    assert ActionSuivi.objects.get(pk=actions["echue"].pk).relance_envoyee_le is not None
    assert ActionSuivi.objects.get(pk=actions["a_venir"].pk).relance_envoyee_le is None
    # Deuxième passage : rien de plus.
    with django_capture_on_commit_callbacks(execute=True):
        bilan = relancer_actions_echues()
    assert (bilan.a_relancer, bilan.envoyees) == (0, 0)
    assert "0 relancée(s)" in _lancer()
    assert len(serveur_smtp.attendre(3, delai=0.3)) == 2


def test_echec_smtp_journalise_puis_rattrape(
    actions, settings, caplog, serveur_smtp, django_capture_on_commit_callbacks
):
    bon = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        bilan = relancer_actions_echues()
    assert (bilan.envoyees, bilan.echecs) == (0, 2)
    assert "échec de l'envoi" in caplog.text
    assert not ActionSuivi.objects.filter(relance_envoyee_le__isnull=False).exists()
    settings.MAILERS = bon
    with django_capture_on_commit_callbacks(execute=True):
        bilan = relancer_actions_echues()
    assert (bilan.envoyees, bilan.echecs) == (2, 0)
    assert len(serveur_smtp.attendre(2)) == 2


def test_porteur_desactive_et_auteur_absent(actions):
    ActionSuivi.objects.exclude(pk=actions["echue"].pk).delete()
    actions["echue"].visite.auteur = None
    actions["echue"].visite.save()
    actions["responsable"].is_active = False
    actions["responsable"].save()
    assert "1 sans destinataire" in _lancer()
