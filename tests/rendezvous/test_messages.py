"""Messages à l'usager : fichier ICS (RFC 5545, relu par un analyseur écrit ici), confirmation, annulation et
rappel par un vrai serveur SMTP (et SMS en mémoire), envoyés par le moteur de tâches après validation ;
panne du courriel sans perte (rattrapage par la commande), rappel jamais envoyé deux fois."""

import io
import re
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from franceservices.rendezvous import actions, messages
from franceservices.rendezvous.models import RendezVous, Statut
from tests.smtp import port_libre

from .fabriques import PARIS, semaine_type, structure_du, type_rdv
from .test_vues_publiques import creneaux_libres

pytestmark = pytest.mark.django_db


# --- Analyseur iCalendar minimal (dépliage, paramètres, déséchappement) -----------------------------------


def deplier(contenu: bytes) -> list[str]:
    texte = contenu.decode("utf-8")
    assert texte.endswith("\r\n")
    assert "\n" not in texte.replace("\r\n", ""), "fin de ligne autre que CRLF"
    physiques = texte[:-2].split("\r\n")
    for ligne in physiques:
        assert len(ligne.encode("utf-8")) <= 75, f"ligne de plus de 75 octets : {ligne!r}"
    logiques: list[str] = []
    for ligne in physiques:
        if ligne.startswith((" ", "\t")):
            logiques[-1] += ligne[1:]
        else:
            logiques.append(ligne)
    return logiques


def desechapper(valeur: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], valeur)


def lire_ics(contenu: bytes) -> dict:
    """{'METHOD': …, 'VEVENT': {'UID': (valeur, {paramètres}), …}}"""
    resultat: dict = {}
    courant = resultat
    for ligne in deplier(contenu):
        nom_params, _, valeur = ligne.partition(":")
        nom, *params = nom_params.split(";")
        if nom == "BEGIN" and valeur == "VEVENT":
            courant = resultat["VEVENT"] = {}
        elif nom == "END" and valeur == "VEVENT":
            courant = resultat
        elif nom not in ("BEGIN", "END"):
            courant[nom] = (desechapper(valeur), dict(p.split("=", 1) for p in params))
    return resultat


def test_echappement_et_pliage():
    assert messages.echapper("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    longue = "DESCRIPTION:" + "é" * 100  # 2 octets par caractère : jamais coupé au milieu
    pliee = messages.plier(longue)
    assert all(len(morceau.encode()) <= 75 for morceau in pliee.split("\r\n"))
    assert pliee.replace("\r\n ", "") == longue


@pytest.fixture
def structure():
    s = structure_du("16")
    semaine_type(s)
    return s


@pytest.fixture
def type_(structure):
    return type_rdv(structure, duree=45)


def reserver(structure, type_, n=0, **champs):
    valeurs = {"nom": "Léonie Zébulon", "telephone": "06 12 34 56 78", "courriel": "leonie@exemple.fr"}
    return actions.reserver(
        structure=structure,
        type_=type_,
        debut=creneaux_libres(structure, type_, n + 1)[n],
        **(valeurs | champs),
    )


def test_ics_relu(structure, type_):
    type_.libelle = (
        "Aide CAF ; dossier, « prime » d'activité\\ retraite — un libellé assez long pour être plié"
    )
    type_.save()
    rdv = reserver(structure, type_)
    ics = lire_ics(messages.ics(rdv, "REQUEST"))
    assert ics["VERSION"][0] == "2.0" and ics["METHOD"][0] == "REQUEST"
    evenement = ics["VEVENT"]
    assert evenement["UID"][0] == f"rendez-vous-{rdv.pk}@127.0.0.1" or evenement["UID"][0].startswith(
        f"rendez-vous-{rdv.pk}@"
    )
    debut = datetime.strptime(evenement["DTSTART"][0], "%Y%m%dT%H%M%S%z")
    fin = datetime.strptime(evenement["DTEND"][0], "%Y%m%dT%H%M%S%z")
    assert (debut, fin - debut) == (rdv.debut, timedelta(minutes=45))
    assert evenement["SUMMARY"][0] == f"Rendez-vous France services : {type_.libelle}"
    assert structure.nom in evenement["LOCATION"][0]
    assert rdv.jeton in evenement["DESCRIPTION"][0] and "\n" in evenement["DESCRIPTION"][0]
    assert evenement["SEQUENCE"][0] == "0" and evenement["STATUS"][0] == "CONFIRMED"
    assert evenement["ATTENDEE"][0] == "mailto:leonie@exemple.fr"
    assert evenement["ORGANIZER"][1]["CN"].strip('"') == structure.nom


def test_ics_deplacement_meme_uid_sequence_croissante_puis_annulation(structure, type_):
    rdv = reserver(structure, type_)
    premier = lire_ics(messages.ics(rdv))["VEVENT"]
    nouveau = actions.deplacer(
        rendez_vous=rdv, debut=creneaux_libres(structure, type_, 2)[1], jeton=rdv.jeton
    )
    deuxieme = lire_ics(messages.ics(nouveau))["VEVENT"]
    assert deuxieme["UID"] == premier["UID"] and int(deuxieme["SEQUENCE"][0]) == 1
    annule = actions.annuler(rendez_vous=nouveau, jeton=nouveau.jeton)
    troisieme = lire_ics(messages.ics(annule, "CANCEL"))
    assert troisieme["METHOD"][0] == "CANCEL" and troisieme["VEVENT"]["STATUS"][0] == "CANCELLED"
    assert troisieme["VEVENT"]["UID"] == premier["UID"] and int(troisieme["VEVENT"]["SEQUENCE"][0]) == 2


# --- Envoi réel : moteur de tâches + SMTP -----------------------------------------------------------------


@pytest.fixture
def lancer_worker(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def panne(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }


def piece_calendrier(message):
    (partie,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return partie


def test_confirmation_par_courriel_et_sms_apres_validation(
    structure, type_, serveur_smtp, sms_en_memoire, lancer_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rdv = reserver(structure, type_)
    assert serveur_smtp.messages == []  # en file, pas encore envoyé
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == "leonie@exemple.fr"
    local = rdv.debut.astimezone(PARIS)
    assert f"{local:%d/%m/%Y} à {local:%H:%M}" in message["Subject"]
    corps = message.get_body(preferencelist=("plain",)).get_content()
    assert "Léonie Zébulon" in corps and f"/rendez-vous/{rdv.pk}/{rdv.jeton}/" in corps
    partie = piece_calendrier(message)
    assert partie.get_param("method") == "REQUEST"
    ics = lire_ics(partie.get_content().replace("\r\n", "\n").replace("\n", "\r\n").encode())
    assert ics["METHOD"][0] == "REQUEST" and ics["VEVENT"]["UID"][0].startswith(f"rendez-vous-{rdv.pk}@")
    (sms,) = sms_en_memoire
    assert sms.numero == "+33612345678" and f"{local:%H:%M}" in sms.texte and rdv.jeton in sms.texte
    rdv.refresh_from_db()
    assert rdv.confirmation_envoyee_le is not None
    # Rejouer la tâche ne renvoie rien.
    assert messages.envoyer(rdv.pk, messages.CONFIRMATION) == messages.Resultat.DEJA_FAIT
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1


def test_transaction_annulee_rien_en_file(structure, type_, django_capture_on_commit_callbacks):
    from django.db import transaction

    avant = DBTaskResult.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reserver(structure, type_)
        raise RuntimeError
    assert DBTaskResult.objects.count() == avant


def test_panne_smtp_sans_perte_puis_rattrapage(
    structure, type_, settings, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    port = serveur_smtp.port
    panne(settings)
    with django_capture_on_commit_callbacks(execute=True):
        rdv = reserver(structure, type_, telephone="")
    lancer_worker()
    rdv.refresh_from_db()
    assert rdv.confirmation_envoyee_le is None  # rien de perdu : reste à envoyer
    taches = DBTaskResult.objects.filter(
        task_path__endswith="envoyer_message_tache", args_kwargs__args__0=rdv.pk
    ).order_by("enqueued_at")
    assert taches.count() == 2 and taches.last().status == "READY"  # nouvelle tentative programmée plus tard
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    call_command("envoyer_rappels_rendez_vous", stdout=io.StringIO())
    (message,) = serveur_smtp.attendre(1)
    assert "Rendez-vous confirmé" in message["Subject"]
    rdv.refresh_from_db()
    assert rdv.confirmation_envoyee_le is not None
    call_command("envoyer_rappels_rendez_vous", stdout=io.StringIO())
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1


def test_annulation_envoie_cancel(
    structure, type_, serveur_smtp, sms_en_memoire, lancer_worker, django_capture_on_commit_callbacks
):
    rdv = reserver(structure, type_)
    RendezVous.objects.filter(pk=rdv.pk).update(confirmation_envoyee_le=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        actions.annuler(rendez_vous=rdv, jeton=rdv.jeton)
    lancer_worker()
    messages_recus = [m for m in serveur_smtp.attendre(1) if "annulé" in m["Subject"]]
    (message,) = messages_recus
    partie = piece_calendrier(message)
    assert partie.get_param("method") == "CANCEL"
    assert "METHOD:CANCEL" in partie.get_content() and "STATUS:CANCELLED" in partie.get_content()
    assert any("annulé" in s.texte for s in sms_en_memoire)


def test_rappel_la_veille_une_seule_fois(structure, type_, serveur_smtp, sms_en_memoire):
    rdv = reserver(structure, type_)
    RendezVous.objects.filter(pk=rdv.pk).update(
        confirmation_envoyee_le=timezone.now(), cree_le=rdv.debut - timedelta(days=5)
    )
    annule = reserver(structure, type_, n=1, courriel="annule@exemple.fr")
    RendezVous.objects.filter(pk=annule.pk).update(
        confirmation_envoyee_le=timezone.now(),
        annulation_envoyee_le=timezone.now(),
        statut=Statut.ANNULE,
        cree_le=rdv.debut - timedelta(days=5),
    )
    anonyme = reserver(structure, type_, n=2, courriel="anonyme@exemple.fr")
    RendezVous.objects.filter(pk=anonyme.pk).update(
        confirmation_envoyee_le=timezone.now(),
        anonymise_le=timezone.now(),
        cree_le=rdv.debut - timedelta(days=5),
    )
    la_veille = rdv.debut - timedelta(hours=20)
    deux_jours_avant = rdv.debut - timedelta(days=2, hours=1)
    assert messages.envoyer_tout(maintenant=deux_jours_avant).rappels == 0  # trop tôt
    assert messages.envoyer_tout(maintenant=la_veille, dry_run=True).rappels == 1
    bilan = messages.envoyer_tout(maintenant=la_veille)
    assert (bilan.rappels, bilan.confirmations, bilan.echecs) == (1, 0, 0)
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == "leonie@exemple.fr" and "Rappel" in message["Subject"]
    attendu = (
        "demain" if la_veille.astimezone(PARIS).date() < rdv.debut.astimezone(PARIS).date() else "aujourd'hui"
    )
    assert f"rendez-vous {attendu} à {rdv.debut.astimezone(PARIS):%H:%M}" in message["Subject"]
    assert f"votre rendez-vous {attendu} à" in sms_en_memoire[0].texte
    assert [s.numero for s in sms_en_memoire] == ["+33612345678"]
    assert messages.envoyer_tout(maintenant=la_veille + timedelta(hours=1)).rappels == 0
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1
    rdv.refresh_from_db()
    assert rdv.rappel_envoye_le == la_veille


def test_pas_de_rappel_pour_un_rendez_vous_pris_la_veille(structure, type_):
    rdv = reserver(structure, type_)
    RendezVous.objects.filter(pk=rdv.pk).update(cree_le=rdv.debut - timedelta(hours=10))
    assert messages.a_rappeler(rdv.debut - timedelta(hours=5)) == []


def test_commande_a_blanc(structure, type_, capsys):
    reserver(structure, type_)
    call_command("envoyer_rappels_rendez_vous", "--dry-run")
    assert "À blanc : 1 confirmation(s) et 0 annulation(s) en retard" in capsys.readouterr().out


def test_tentatives_bornees(structure, type_, settings, django_capture_on_commit_callbacks):
    from franceservices.rendezvous.taches import TENTATIVES_MAX, delai, envoyer_message_tache

    panne(settings)
    rdv = reserver(structure, type_, telephone="")
    taches = DBTaskResult.objects.filter(
        task_path__endswith="envoyer_message_tache", args_kwargs__args__0=rdv.pk
    )
    assert envoyer_message_tache.call(rdv.pk, messages.CONFIRMATION, 1) == messages.Resultat.ECHEC
    assert taches.count() == 1 and taches.get().args_kwargs["args"] == [rdv.pk, "confirmation", 2]
    assert (
        envoyer_message_tache.call(rdv.pk, messages.CONFIRMATION, TENTATIVES_MAX) == messages.Resultat.ECHEC
    )
    assert taches.count() == 1  # dernière tentative : plus de reprogrammation (la commande reprendra)
    assert [delai(n).total_seconds() / 60 for n in (1, 2, 3, 10)] == [1, 2, 4, 60]


def test_ics_telecharge_apres_annulation(client, structure, type_):
    from django.urls import reverse

    rdv = reserver(structure, type_)
    actions.annuler(rendez_vous=rdv, jeton=rdv.jeton)
    ics = lire_ics(client.get(reverse("rdv:ics", args=[rdv.pk, rdv.jeton])).content)
    assert ics["METHOD"][0] == "CANCEL" and ics["VEVENT"]["STATUS"][0] == "CANCELLED"
    assert "ATTENDEE" not in ics["VEVENT"] or ics["VEVENT"]["ATTENDEE"][0] == "mailto:leonie@exemple.fr"


def test_annulation_non_partie_rattrapee_une_fois_sauf_deplacement(structure, type_, settings, serveur_smtp):
    """Panne pendant l'annulation : la commande la rattrape (une seule fois) ; l'ancien rendez-vous d'un
    déplacement n'est pas annoncé comme annulé."""
    port = serveur_smtp.port
    annule = reserver(structure, type_, telephone="")
    deplace = reserver(structure, type_, n=1, telephone="")
    RendezVous.objects.filter(pk__in=[annule.pk, deplace.pk]).update(confirmation_envoyee_le=timezone.now())
    panne(settings)
    actions.annuler(rendez_vous=annule, jeton=annule.jeton)
    assert messages.envoyer(annule.pk, messages.ANNULATION) == messages.Resultat.ECHEC
    nouveau_debut = creneaux_libres(structure, type_, 4)[3]
    nouveau = actions.deplacer(rendez_vous=deplace, jeton=deplace.jeton, debut=nouveau_debut)
    RendezVous.objects.filter(pk=nouveau.pk).update(confirmation_envoyee_le=timezone.now())
    assert messages.envoyer_tout(dry_run=True).annulations == 1
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    bilan = messages.envoyer_tout()
    assert (bilan.annulations, bilan.confirmations, bilan.echecs) == (1, 0, 0)
    (message,) = serveur_smtp.attendre(1)
    assert "annulé" in message["Subject"] and piece_calendrier(message).get_param("method") == "CANCEL"
    annule.refresh_from_db()
    assert annule.annulation_envoyee_le is not None
    assert messages.envoyer_tout().annulations == 0
