"""Annulation d'une session, courriels de la formation (après commit, vrai SMTP), rappel avant la session."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from franceservices.comptes.models import Role
from franceservices.formations import actions, notifications
from franceservices.formations.models import CourrielFormation, EtatCourriel, Inscription, Session, Statut
from tests.comptes.factories import personne
from tests.smtp import port_libre

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    s = f.structure("16")
    return {
        "structure": s,
        "agent": f.agent(s),
        "responsable": f.responsable(s),
        "animateur": f.animateur(s.departement),
        "session": f.session(capacite=1, departement=s.departement),
    }


def _remplir(monde):
    """Une confirmée, une en liste d'attente, une demandée, une refusée (non active)."""
    s, session, resp = monde["structure"], monde["session"], monde["responsable"]
    confirmee = actions.inscrire(par=resp, session=session, agent=monde["agent"])
    attente = actions.inscrire(par=resp, session=session, agent=f.agent(s))
    demandee_agent = f.agent(s)
    demandee = actions.inscrire(par=demandee_agent, session=session, agent=demandee_agent)
    refusee_agent = f.agent(s)
    refusee = actions.inscrire(par=refusee_agent, session=session, agent=refusee_agent)
    actions.refuser(par=resp, inscription=refusee, motif="Pas cette fois")
    return confirmee, attente, demandee, refusee


@pytest.mark.parametrize("qui", ["organisateur", "animateur", "national"])
def test_annuler_session(monde, qui):
    session = monde["session"]
    organisateur = personne(Role.ANIMATEUR, departement=f.structure("24").departement)
    session.organisee_par = organisateur
    session.save()
    par = {"organisateur": organisateur, "animateur": monde["animateur"]}.get(qui) or personne(
        Role.EQUIPE_NATIONALE
    )
    confirmee, attente, demandee, refusee = _remplir(monde)
    n = actions.annuler_session(par=par, session=session, motif="  Formateur   indisponible ")
    assert n == 3
    session.refresh_from_db()
    assert session.annulee_le is not None
    for i in (confirmee, attente, demandee):
        i.refresh_from_db()
        assert (i.statut, i.motif) == (Statut.ANNULEE, "Formateur indisponible") and i.annulee_le
    refusee.refresh_from_db()
    assert (refusee.statut, refusee.motif) == (Statut.REFUSEE, "Pas cette fois")
    assert not Session.objects.a_venir(timezone.now()).filter(pk=session.pk).exists()


@pytest.mark.parametrize("qui", ["agent", "responsable", "animateur_ailleurs", "formateur"])
def test_annuler_session_refuse(monde, qui):
    session = monde["session"]
    _remplir(monde)
    formateur = personne(Role.AGENT, structure=monde["structure"])
    session.formateur = formateur
    session.save()
    par = {
        "animateur_ailleurs": f.animateur(f.structure("24").departement),
        "formateur": formateur,
    }.get(qui) or monde[qui]
    with pytest.raises(PermissionDenied):
        actions.annuler_session(par=par, session=session, motif="Motif")
    session.refresh_from_db()
    assert session.annulee_le is None
    assert Inscription.objects.actives().filter(session=session).count() == 3


def test_session_nationale_pas_par_un_animateur(monde):
    nationale = f.session()
    with pytest.raises(PermissionDenied):
        actions.annuler_session(par=monde["animateur"], session=nationale, motif="Motif")
    assert actions.annuler_session(par=personne(Role.EQUIPE_NATIONALE), session=nationale, motif="M") == 0


@pytest.mark.parametrize("motif", ["", "   ", None, "x" * 301])
def test_annuler_session_motif_obligatoire(monde, motif):
    _remplir(monde)
    with pytest.raises(ValidationError, match="motif"):
        actions.annuler_session(par=monde["animateur"], session=monde["session"], motif=motif)
    monde["session"].refresh_from_db()
    assert monde["session"].annulee_le is None
    assert Inscription.objects.actives().count() == 3


def test_session_commencee_ou_deja_annulee(monde):
    commencee = f.session(dans_jours=0, departement=monde["structure"].departement)
    commencee.debut = timezone.now() - timedelta(minutes=5)
    commencee.save()
    with pytest.raises(ValidationError, match="déjà commencé"):
        actions.annuler_session(par=monde["animateur"], session=commencee, motif="Trop tard")
    commencee.refresh_from_db()
    assert commencee.annulee_le is None
    actions.annuler_session(par=monde["animateur"], session=monde["session"], motif="Motif")
    with pytest.raises(ValidationError, match="déjà annulée"):
        actions.annuler_session(par=monde["animateur"], session=monde["session"], motif="Encore")


# --- Courriels : moteur de tâches réel + vrai SMTP ---------------------------------------------------------


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


def retablir(settings, port):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def corps(message, sorte="plain"):
    return message.get_body(preferencelist=(sorte,)).get_content()


def taches():
    return DBTaskResult.objects.filter(task_path__endswith="envoyer_courriel_tache")


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://formation.exemple.fr/"
    settings.DEFAULT_FROM_EMAIL = "France services <ne-pas-repondre@exemple.fr>"


def test_demande_aux_responsables_apres_commit(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    second = f.responsable(monde["structure"])
    ailleurs = f.responsable(f.structure("16", 1))  # autre France services : pas prévenu
    agent = monde["agent"]
    agent.first_name, agent.last_name = "Léa", "Martin"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.inscrire(par=agent, session=monde["session"], agent=agent)
    assert serveur_smtp.messages == []  # en file, pas encore envoyé
    lancer_worker()
    recus = serveur_smtp.attendre(2)
    assert sorted(m["X-Destinataires-Enveloppe"] for m in recus) == sorted(
        [monde["responsable"].email, second.email]
    )
    assert ailleurs.email not in {m["X-Destinataires-Enveloppe"] for m in recus}
    message = recus[0]
    assert message["To"] in (monde["responsable"].email, second.email)  # un message par responsable
    assert message["From"] == "France services <ne-pas-repondre@exemple.fr>"
    assert message["Subject"].startswith("Inscription à approuver : Léa Martin — ")
    assert "https://formation.exemple.fr/formations/approbations/" in corps(message)
    html = corps(message, "html")
    assert 'href="https://formation.exemple.fr/formations/approbations/"' in html
    assert "Léa Martin" in html and monde["session"].module.titre in html
    assert len(serveur_smtp.attendre(3, delai=0.3)) == 2


@pytest.mark.parametrize("complet", [False, True])
def test_approbation_a_l_agent(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks, complet
):
    agent = monde["agent"]
    demande = actions.inscrire(par=agent, session=monde["session"], agent=agent)
    if complet:
        actions.inscrire(
            par=monde["responsable"], session=monde["session"], agent=f.agent(monde["structure"])
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.approuver(par=monde["responsable"], inscription=demande)
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == agent.email
    sujet = "Liste d'attente" if complet else "Inscription confirmée"
    assert message["Subject"].startswith(f"{sujet} : {monde['session'].module.titre}")
    texte = corps(message)
    assert "https://formation.exemple.fr/formations/mes-inscriptions/" in texte
    assert ("liste d'attente" in texte) is complet
    local = monde["session"].debut.astimezone(ZoneInfo("Europe/Paris"))
    assert f"le {local:%d/%m/%Y} de {local:%H:%M}" in texte and "(heure de Paris)" in texte
    assert "Durée : 7 heures" in texte


def test_refus_avec_motif(monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks):
    agent = monde["agent"]
    demande = actions.inscrire(par=agent, session=monde["session"], agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.refuser(par=monde["responsable"], inscription=demande, motif="Accueil <seul> ce jour-là")
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == agent.email
    assert message["Subject"].startswith("Inscription refusée")
    assert "Motif : Accueil <seul> ce jour-là" in corps(message)
    assert "Accueil &lt;seul&gt; ce jour-là" in corps(message, "html")  # échappé dans le HTML


def test_promotion_de_la_liste_d_attente(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    resp, session = monde["responsable"], monde["session"]
    premier = actions.inscrire(par=resp, session=session, agent=monde["agent"])
    suivant = f.agent(monde["structure"])
    actions.inscrire(par=resp, session=session, agent=suivant)
    with django_capture_on_commit_callbacks(execute=True):
        (promue,) = actions.annuler(par=monde["agent"], inscription=premier)
    assert promue.agent == suivant
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == suivant.email
    assert message["Subject"].startswith("Place libérée, inscription confirmée")


def test_session_annulee_previent_les_inscrits(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    confirmee, attente, demandee, _refusee = _remplir(monde)
    with django_capture_on_commit_callbacks(execute=True):
        n = actions.annuler_session(par=monde["animateur"], session=monde["session"], motif="Salle inondée")
    assert n == 3
    lancer_worker()
    recus = serveur_smtp.attendre(3)
    assert sorted(m["X-Destinataires-Enveloppe"] for m in recus) == sorted(
        i.agent.email for i in (confirmee, attente, demandee)
    )
    for message in recus:
        assert message["Subject"].startswith("Session annulée")
        assert "Motif : Salle inondée" in corps(message)
        assert "https://formation.exemple.fr/formations/" in corps(message)
    assert len(serveur_smtp.attendre(4, delai=0.3)) == 3  # ni le refusé, ni les responsables


def test_inscription_d_office_previent_l_agent(
    monde, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.inscrire(par=monde["animateur"], session=monde["session"], agent=monde["agent"])
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == monde["agent"].email
    assert message["Subject"].startswith("Inscription confirmée")


def test_transaction_annulee_rien_en_file(monde, django_capture_on_commit_callbacks):
    avant = taches().count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
        raise RuntimeError
    assert taches().count() == avant
    assert not Inscription.objects.exists() and not CourrielFormation.objects.exists()


def test_courriel_enregistre_avec_l_action(monde, django_capture_on_commit_callbacks):
    agent = monde["agent"]
    with django_capture_on_commit_callbacks(execute=True):
        demande = actions.inscrire(par=agent, session=monde["session"], agent=agent)
    courriel = CourrielFormation.objects.get(inscription=demande)
    assert (courriel.sorte, courriel.etat, courriel.tentatives) == ("demande", EtatCourriel.A_ENVOYER, 0)
    assert taches().filter(args_kwargs__args=[courriel.pk]).count() == 1


def test_panne_smtp_sans_perte(
    monde, settings, site, serveur_smtp, lancer_worker, django_capture_on_commit_callbacks
):
    port = serveur_smtp.port
    panne(settings)
    agent = monde["agent"]
    demande = actions.inscrire(par=agent, session=monde["session"], agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        inscription = actions.approuver(par=monde["responsable"], inscription=demande)
    assert inscription.statut == Statut.CONFIRMEE  # l'action a réussi malgré la panne
    courriel = CourrielFormation.objects.get(inscription=demande, sorte=notifications.APPROUVEE)
    lancer_worker()
    courriel.refresh_from_db()
    assert (courriel.etat, courriel.tentatives, courriel.adresses) == (
        EtatCourriel.A_ENVOYER,
        1,
        [agent.email],
    )
    assert "ConnectionRefusedError" in courriel.derniere_erreur
    suite = taches().filter(args_kwargs__args=[courriel.pk]).order_by("enqueued_at")
    assert suite.count() == 2 and suite.last().status == "READY"  # nouvelle tentative programmée plus tard
    assert suite.last().run_after > timezone.now()
    retablir(settings, port)
    DBTaskResult.objects.filter(pk=suite.last().pk).update(run_after=timezone.now())
    lancer_worker()
    (message,) = serveur_smtp.attendre(1)
    assert message["Subject"].startswith("Inscription confirmée")
    courriel.refresh_from_db()
    assert (courriel.etat, courriel.envoye_a, courriel.adresses) == (EtatCourriel.ENVOYE, [agent.email], [])
    assert courriel.envoye_le is not None


def test_tentatives_bornees_puis_echec_definitif(monde, settings):
    from franceservices.formations.taches import envoyer_courriel_tache

    panne(settings)
    settings.FORMATION_COURRIEL_TENTATIVES_MAX = 2
    agent = monde["agent"]
    actions.inscrire(par=agent, session=monde["session"], agent=agent)
    courriel = CourrielFormation.objects.get()
    assert envoyer_courriel_tache.call(courriel.pk) == notifications.Resultat.NOUVELLE_TENTATIVE
    assert taches().filter(args_kwargs__args=[courriel.pk]).count() == 1  # reprogrammée
    assert envoyer_courriel_tache.call(courriel.pk) == notifications.Resultat.ECHEC
    assert taches().filter(args_kwargs__args=[courriel.pk]).count() == 1  # dernière : plus reprogrammée
    courriel.refresh_from_db()
    assert (courriel.etat, courriel.tentatives) == (EtatCourriel.ECHEC, 2)
    assert envoyer_courriel_tache.call(courriel.pk) == notifications.Resultat.DEJA_TRAITE
    delai = notifications.delai_avant_nouvelle_tentative
    assert [delai(n).total_seconds() / 60 for n in (1, 2, 3, 10)] == [1, 2, 4, 60]


def test_demande_deja_traitee_plus_signalee(monde, serveur_smtp):
    agent = monde["agent"]
    demande = actions.inscrire(par=agent, session=monde["session"], agent=agent)
    actions.approuver(par=monde["responsable"], inscription=demande)
    courriel = CourrielFormation.objects.get(inscription=demande, sorte=notifications.DEMANDE)
    assert notifications.envoyer_courriel(courriel.pk) == notifications.Resultat.SANS_OBJET
    courriel.refresh_from_db()
    assert courriel.etat == EtatCourriel.SANS_OBJET
    assert notifications.envoyer_courriel(courriel.pk) == notifications.Resultat.DEJA_TRAITE
    assert serveur_smtp.attendre(1, delai=0.3) == []


def test_sans_responsable_l_animateur_est_prevenu(monde, serveur_smtp):
    seule = f.structure("16", 2)
    agent = f.agent(seule)
    actions.inscrire(par=agent, session=monde["session"], agent=agent)
    assert notifications.envoyer_en_attente().envoyes == 1
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == monde["animateur"].email
    assert message["Subject"].startswith("Inscription à approuver")


def test_moteur_de_taches_en_panne_rattrape_par_la_commande(
    monde, site, serveur_smtp, monkeypatch, django_capture_on_commit_callbacks
):
    from franceservices.formations import taches as module_taches

    class EnPanne:
        def enqueue(self, *args, **kwargs):
            raise RuntimeError("moteur de tâches indisponible")

    monkeypatch.setattr(module_taches, "envoyer_courriel_tache", EnPanne())
    agent = monde["agent"]
    avant = taches().count()  # d'autres tests (navigateur) peuvent en avoir laissé de validées
    with django_capture_on_commit_callbacks(execute=True):
        demande = actions.inscrire(par=agent, session=monde["session"], agent=agent)
    assert Inscription.objects.get(pk=demande.pk).statut == Statut.DEMANDEE
    assert taches().count() == avant
    assert CourrielFormation.objects.get().etat == EtatCourriel.A_ENVOYER  # rien de perdu
    sortie = io.StringIO()
    call_command("envoyer_courriels_formation", stdout=sortie)
    assert "1 courriel(s) de formation envoyé(s), 0 sans objet, 0 en échec" in sortie.getvalue()
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == monde["responsable"].email
    call_command("envoyer_courriels_formation", stdout=sortie)  # idempotente
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1
    assert CourrielFormation.objects.get().etat == EtatCourriel.ENVOYE


# --- Rappel avant la session -------------------------------------------------------------------------------


def test_rappel_une_seule_fois(monde, site, settings, serveur_smtp):
    s, resp = monde["structure"], monde["responsable"]
    proche = f.session(dans_jours=1, capacite=5, lien="https://visio.exemple.fr/salle-42")
    confirme = actions.inscrire(par=resp, session=proche, agent=monde["agent"])
    demandeur = f.agent(s)
    actions.inscrire(par=demandeur, session=proche, agent=demandeur)  # demandée : pas de rappel
    lointaine = f.session(dans_jours=3)
    actions.inscrire(par=resp, session=lointaine, agent=monde["agent"])  # dans 3 jours : pas encore
    annulee = f.session(dans_jours=1)
    actions.inscrire(par=resp, session=annulee, agent=f.agent(s))
    actions.annuler_session(par=personne(Role.EQUIPE_NATIONALE), session=annulee, motif="Annulée")
    sortie = io.StringIO()
    call_command("rappeler_sessions_formation", "--dry-run", stdout=sortie)
    assert "À blanc : 1 rappel(s)" in sortie.getvalue()
    assert serveur_smtp.attendre(1, delai=0.3) == []
    call_command("rappeler_sessions_formation", stdout=sortie)
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == monde["agent"].email
    local = proche.debut.astimezone(ZoneInfo("Europe/Paris"))
    assert message["Subject"] == f"Rappel : formation « {proche.module.titre} » le {local:%d/%m/%Y}"
    texte = corps(message)
    assert "https://visio.exemple.fr/salle-42" in texte and "Durée : 7 heures" in texte
    assert f"{local:%H:%M}" in texte
    confirme.refresh_from_db()
    assert confirme.rappel_envoye_le is not None
    call_command("rappeler_sessions_formation", stdout=sortie)
    assert len(serveur_smtp.attendre(2, delai=0.3)) == 1


def test_rappel_en_panne_repris_au_passage_suivant(monde, settings, serveur_smtp):
    port = serveur_smtp.port
    proche = f.session(dans_jours=1, lieu="12 rue de la Paix")
    inscription = actions.inscrire(par=monde["responsable"], session=proche, agent=monde["agent"])
    panne(settings)
    bilan = notifications.rappeler_tout()
    assert (bilan.envoyes, bilan.echecs) == (0, 1)
    inscription.refresh_from_db()
    assert inscription.rappel_envoye_le is None
    retablir(settings, port)
    assert notifications.rappeler_tout().envoyes == 1
    (message,) = serveur_smtp.attendre(1)
    assert "12 rue de la Paix" in corps(message)
    assert notifications.rappeler_tout().envoyes == 0


def test_heure_locale_outre_mer(monde, serveur_smtp):
    reunion = f.structure("974")
    agent = f.agent(reunion)
    session = f.session(dans_jours=1, departement=reunion.departement, lieu="Saint-Denis")
    inscription = actions.inscrire(par=personne(Role.EQUIPE_NATIONALE), session=session, agent=agent)
    assert notifications.rappeler_tout().envoyes == 1
    (message,) = serveur_smtp.attendre(1)
    debut = session.debut.astimezone(ZoneInfo("Indian/Reunion"))
    assert f"de {debut:%H:%M} à" in corps(message) and "(heure locale)" in corps(message)
    inscription.refresh_from_db()
    assert inscription.rappel_envoye_le is not None


def test_annulation_d_une_grosse_session_sans_n_plus_1(monde, django_assert_max_num_queries):
    session = f.session(capacite=30, departement=monde["structure"].departement)
    for _ in range(12):
        actions.inscrire(par=monde["responsable"], session=session, agent=f.agent(monde["structure"]))
    with django_assert_max_num_queries(12):
        assert actions.annuler_session(par=monde["animateur"], session=session, motif="Motif") == 12
