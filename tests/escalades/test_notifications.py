"""Notifications des escalades : file d'attente (django_tasks_db), envoi par un vrai serveur SMTP, panne du
serveur de courriel sans perte, reprise idempotente (`envoyer_notifications`), échec définitif."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from franceservices.comptes.models import Role
from franceservices.escalades.models import EtatNotification, Notification, TypeNotification
from franceservices.escalades.notifications import Resultat, envoyer, notifier
from franceservices.escalades.synthetique import nouvelle_escalade
from franceservices.escalades.taches import envoyer_notification_tache
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.smtp import port_libre

pytestmark = pytest.mark.django_db

NOM_USAGER = "Zébulon-Carpentier"


@pytest.fixture
def escalade():
    structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
    partenaire = Partenaire.objects.order_by("pk").first()
    personne(
        Role.REFERENT_PARTENAIRE,
        partenaire=partenaire,
        departement=structure.departement,
        email="referent.caf15@exemple.fr",
    )
    agent = personne(Role.AGENT, structure=structure, email="agent.15@exemple.fr")
    return nouvelle_escalade(
        structure=structure,
        partenaire=partenaire,
        ouverte_par=agent,
        usager_nom=NOM_USAGER,
        usager_prenom="Léonie",
        description=f"Dossier de {NOM_USAGER}",
    )


def panne(settings):
    """Plus de serveur SMTP : le port indiqué ne répond pas."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }


@pytest.fixture
def lancer_worker(monkeypatch):
    """Le vrai worker (`manage.py db_worker --batch`) : il traite ce qui est prêt puis s'arrête. Il ferme
    d'habitude les connexions « usées » entre deux tâches ; dans la transaction d'un test, ce serait la
    fermer : on le lui évite."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return _lancer_worker


def _lancer_worker():
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def taches_de(notification):
    return DBTaskResult.objects.filter(
        task_path__endswith="envoyer_notification_tache", args_kwargs__args=[notification.pk]
    )


def test_envoi_par_le_moteur_en_base_et_smtp(
    escalade, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifier(escalade, TypeNotification.OUVERTURE)
    assert notification.destinataires == ["referent.caf15@exemple.fr"]
    assert taches_de(notification).count() == 1  # en file, pas encore envoyée
    assert Notification.objects.get(pk=notification.pk).etat == EtatNotification.A_ENVOYER

    lancer_worker()

    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == "referent.caf15@exemple.fr"
    assert escalade.reference in message["Subject"]
    corps = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/escalades/{escalade.pk}/" in corps
    assert NOM_USAGER not in corps and NOM_USAGER not in message["Subject"] and "Léonie" not in corps
    notification.refresh_from_db()
    assert (notification.etat, notification.tentatives) == (EtatNotification.ENVOYEE, 1)
    assert notification.envoyee_le is not None
    assert taches_de(notification).get().status == "SUCCESSFUL"

    # Rejouer la tâche (doublon de file) ne renvoie rien.
    assert envoyer_notification_tache.call(notification.pk) == Resultat.DEJA_TRAITEE
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1


def test_transaction_annulee_rien_en_file(escalade, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as rappels,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifier(escalade, TypeNotification.OUVERTURE)
        raise RuntimeError("l'action échoue")
    assert rappels == []
    assert not Notification.objects.filter(escalade=escalade).exists()


def test_panne_smtp_rien_perdu_puis_reprise_une_seule_fois(
    escalade, serveur_smtp, settings, lancer_worker, django_capture_on_commit_callbacks
):
    bon = settings.MAILERS
    panne(settings)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifier(escalade, TypeNotification.OUVERTURE)
    lancer_worker()

    notification.refresh_from_db()
    assert notification.etat == EtatNotification.A_ENVOYER
    assert notification.tentatives == 1
    assert "ConnectionRefusedError" in notification.derniere_erreur
    # La tâche s'est reprogrammée plus tard (le worker en lot ne l'a pas reprise tout de suite).
    taches = taches_de(notification).order_by("enqueued_at")
    assert taches.count() == 2
    assert taches.last().status == "READY" and taches.last().run_after > taches.first().enqueued_at

    # Le serveur revient : la commande de reprise envoie, une fois.
    settings.MAILERS = bon
    call_command("envoyer_notifications", "--dry-run", verbosity=0)
    assert serveur_smtp.attendre(1, delai=0.3) == []
    call_command("envoyer_notifications", verbosity=0)
    assert len(serveur_smtp.attendre(1)) == 1
    call_command("envoyer_notifications", verbosity=0)
    # La tâche reprogrammée passe ensuite : rien de plus.
    assert envoyer_notification_tache.call(notification.pk) == Resultat.DEJA_TRAITEE
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1
    notification.refresh_from_db()
    assert (notification.etat, notification.tentatives, notification.derniere_erreur) == (
        EtatNotification.ENVOYEE,
        2,
        "",
    )


def test_echec_definitif_apres_le_maximum(escalade, settings):
    settings.ESCALADES_NOTIFICATION_TENTATIVES_MAX = 2
    panne(settings)
    notification = notifier(escalade, TypeNotification.OUVERTURE)
    assert envoyer(notification.pk) == Resultat.NOUVELLE_TENTATIVE
    assert envoyer(notification.pk) == Resultat.ECHEC
    notification.refresh_from_db()
    assert (notification.etat, notification.tentatives) == (EtatNotification.ECHEC, 2)
    # Plus de nouvelle tentative, ni par la commande.
    call_command("envoyer_notifications", verbosity=0)
    notification.refresh_from_db()
    assert notification.tentatives == 2


def test_reprise_des_echecs_apres_longue_panne(escalade, settings, serveur_smtp):
    bon = settings.MAILERS
    settings.ESCALADES_NOTIFICATION_TENTATIVES_MAX = 1
    panne(settings)
    notification = notifier(escalade, TypeNotification.OUVERTURE)
    assert envoyer(notification.pk) == Resultat.ECHEC
    settings.MAILERS = bon
    call_command("envoyer_notifications", verbosity=0)
    assert serveur_smtp.attendre(1, delai=0.3) == []  # l'échec définitif n'est pas repris sans --echecs
    call_command("envoyer_notifications", "--echecs", "--dry-run", verbosity=0)
    assert Notification.objects.get(pk=notification.pk).etat == EtatNotification.ECHEC
    call_command("envoyer_notifications", "--echecs", verbosity=0)
    assert len(serveur_smtp.attendre(1)) == 1
    notification.refresh_from_db()
    assert (notification.etat, notification.tentatives) == (EtatNotification.ENVOYEE, 1)


def test_sans_destinataire_pas_de_notification(escalade):
    escalade.ouverte_par = None
    assert notifier(escalade, TypeNotification.STATUT) is None
    assert not Notification.objects.exists()


def test_sans_referent_le_contact_national(escalade):
    from franceservices.comptes.models import Habilitation
    from franceservices.escalades.models import Engagement

    Habilitation.objects.filter(role=Role.REFERENT_PARTENAIRE, partenaire=escalade.partenaire).delete()
    Engagement.objects.update_or_create(
        partenaire=escalade.partenaire, defaults={"contact_national": "national@partenaire.example"}
    )
    escalade.partenaire.refresh_from_db()
    notification = notifier(escalade, TypeNotification.OUVERTURE)
    assert notification.destinataires == ["national@partenaire.example"]
