"""Relances des orientations sans réponse, avec un vrai serveur SMTP : une seule fois au destinataire après N
jours ouvrés, puis à l'émetteur ; panne SMTP rattrapée au passage suivant."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management import call_command

from franceservices.orientations import actions, relances
from franceservices.orientations.models import Etat, Orientation, Sens
from tests.smtp import port_libre

from .conftest import orienter

PARIS = ZoneInfo("Europe/Paris")
# Lundi 11 janvier 2027, 10 h : + 3 jours ouvrés = jeudi 14.
LUNDI = datetime(2027, 1, 11, 10, tzinfo=PARIS)


def a(jour, heure=9):
    return datetime(2027, 1, jour, heure, tzinfo=PARIS)


def envoyee_lundi(monde, **kw):
    o = orienter(monde, **kw)
    Orientation.objects.filter(pk=o.pk).update(envoyee_le=LUNDI, avis_envoye_le=LUNDI)  # avis déjà parti
    return o


def test_relance_destinataire_puis_emetteur_une_seule_fois(monde, serveur_smtp):
    o = envoyee_lundi(monde)
    assert relances.relancer_tout(maintenant=a(13)).envoyees == 0  # 2 jours ouvrés seulement
    bilan = relances.relancer_tout(maintenant=a(14))
    assert bilan.envoyees == 1
    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == "cnfs@orientations.example"
    assert f"/orientations/{o.pk}/" in message.get_body(preferencelist=("plain",)).get_content()
    assert "Jo" not in message.get_body(preferencelist=("plain",)).get_content()  # aucune donnée de l'usager
    assert relances.relancer_tout(maintenant=a(15)).envoyees == 0  # idempotent
    # 3 jours ouvrés après la relance (jeudi 14 → mardi 19) : l'émetteur
    assert relances.relancer_tout(maintenant=a(18)).envoyees == 0
    assert relances.relancer_tout(maintenant=a(19)).envoyees == 1
    messages = serveur_smtp.attendre(2)
    assert messages[1]["To"] == "agent@orientations.example"
    assert relances.relancer_tout(maintenant=a(25)).envoyees == 0
    o.refresh_from_db()
    assert o.relance_destinataire_le and o.relance_emetteur_le


def test_pas_de_relance_apres_une_reponse(monde, serveur_smtp):
    o = envoyee_lundi(monde)
    actions.changer_etat(par=monde["cnfs"], orientation_id=o.pk, etat=Etat.ACCEPTEE)
    assert relances.relancer_tout(maintenant=a(20)).envoyees == 0
    assert serveur_smtp.attendre(1, delai=0.2) == []


def test_sens_inverse_relance_l_equipe_de_la_france_services(monde, serveur_smtp):
    envoyee_lundi(monde, sens=Sens.VERS_FRANCE_SERVICES, besoin="demarche")
    relances.relancer_tout(maintenant=a(14))
    (message,) = serveur_smtp.attendre(1)
    assert (
        "agent@orientations.example" in message["To"] and "responsable@orientations.example" in message["To"]
    )


def test_panne_smtp_rattrapee(monde, serveur_smtp, settings):
    o = envoyee_lundi(monde)
    port = serveur_smtp.port
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }
    bilan = relances.relancer_tout(maintenant=a(14))
    assert (bilan.envoyees, bilan.echecs) == (0, 1)
    o.refresh_from_db()
    assert o.relance_destinataire_le is None
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    assert relances.relancer_tout(maintenant=a(14, 12)).envoyees == 1
    assert len(serveur_smtp.attendre(1)) == 1


def test_commande_a_blanc(monde, serveur_smtp, capsys):
    o = orienter(monde)
    ancienne = o.envoyee_le - timedelta(days=30)
    Orientation.objects.filter(pk=o.pk).update(envoyee_le=ancienne, avis_envoye_le=ancienne)
    call_command("relancer_orientations", "--dry-run")
    assert "1 relance" in capsys.readouterr().out
    assert serveur_smtp.attendre(1, delai=0.2) == []
    call_command("relancer_orientations")
    assert len(serveur_smtp.attendre(1)) == 1


# — Avis d'envoi au destinataire —


def test_avis_au_destinataire_apres_commit(monde, serveur_smtp, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    avant = DBTaskResult.objects.filter(task_path__endswith="aviser_tache").count()
    with django_capture_on_commit_callbacks(execute=True):
        o = orienter(monde)
    taches = DBTaskResult.objects.filter(task_path__endswith="aviser_tache")
    assert taches.count() == avant + 1 and taches.filter(args_kwargs__args=[o.pk]).exists()
    assert relances.aviser(o.pk) == "envoye"  # ce que fait la tâche
    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == "cnfs@orientations.example"
    assert message["Subject"].startswith("Nouvelle orientation reçue")
    texte = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/orientations/{o.pk}/" in texte and "Jo" not in texte and "+33612345678" not in texte
    assert relances.aviser(o.pk) == "deja_fait"  # une seule fois
    o.refresh_from_db()
    assert o.avis_envoye_le is not None


def test_avis_non_parti_rattrape_par_la_commande(monde, serveur_smtp, settings):
    o = orienter(monde)  # hors transaction de test validée : la tâche n'a pas tourné
    en_service = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }
    assert relances.aviser(o.pk) == "echec"
    o.refresh_from_db()
    assert o.avis_envoye_le is None
    settings.MAILERS = en_service
    import io

    sortie = io.StringIO()
    call_command("relancer_orientations", "--dry-run", stdout=sortie)
    assert "1 avis à rattraper" in sortie.getvalue()
    call_command("relancer_orientations", stdout=sortie)
    assert "1 avis rattrapé(s)" in sortie.getvalue()
    (message,) = serveur_smtp.attendre(1)
    assert message["Subject"].startswith("Nouvelle orientation reçue")
    call_command("relancer_orientations", stdout=sortie)
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1


def test_pas_d_avis_apres_une_reponse(monde, serveur_smtp):
    o = orienter(monde)
    actions.changer_etat(par=monde["cnfs"], orientation_id=o.pk, etat=Etat.ACCEPTEE)
    assert relances.relancer_tout().avis == 0
    assert relances.aviser(o.pk) == "deja_fait"
    assert serveur_smtp.attendre(1, delai=0.2) == []
