"""Déplacement d'un rendez-vous (`actions.deplacer`) : atomique, même verrou que la réservation ; si le
nouveau créneau est pris, l'ancien reste intact. Concurrence réelle sur PostgreSQL (style de
test_concurrence.py : fils et connexions séparés, données validées effacées à la fin)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rendezvous import actions
from franceservices.rendezvous.models import Disponibilite, RendezVous, Statut, TypeRendezVous

from .fabriques import a_paris, semaine_type, structure_du, type_rdv
from .test_concurrence import en_parallele

AVANT = a_paris(2026, 11, 1, 8)


def reserver(structure, type_, debut, **champs):
    valeurs = {"nom": "Camille Martin", "telephone": "0612345678", "maintenant": AVANT}
    return actions.reserver(structure=structure, type_=type_, debut=debut, **(valeurs | champs))


@pytest.fixture
def structure(db):
    s = structure_du("16")
    semaine_type(s)
    return s


def test_deplacer(structure):
    type_ = type_rdv(structure)
    ancien = reserver(structure, type_, a_paris(2026, 11, 2, 9))
    nouveau = actions.deplacer(
        rendez_vous=ancien, debut=a_paris(2026, 11, 3, 14), jeton=ancien.jeton, maintenant=AVANT
    )
    ancien.refresh_from_db()
    assert ancien.statut == Statut.ANNULE and ancien.annule_le == AVANT
    assert (nouveau.deplace_de, nouveau.statut, nouveau.nom, nouveau.telephone) == (
        ancien,
        Statut.PREVU,
        "Camille Martin",
        "+33612345678",
    )
    assert nouveau.type == type_ and nouveau.fin == a_paris(2026, 11, 3, 14, 30)
    audit = EvenementAudit.objects.get(evenement=Evenement.RDV_MODIFIE, cible_id=str(ancien.pk))
    assert audit.details["action"] == "deplacement" and audit.details["vers"] == nouveau.pk
    assert "Camille" not in str(audit.details) and "0612" not in str(audit.details)
    # L'ancien créneau est libre à nouveau ; le nouveau est pris.
    assert reserver(structure, type_, a_paris(2026, 11, 2, 9), nom="Autre").pk
    with pytest.raises(ValidationError, match="vient d'être pris"):
        reserver(structure, type_, a_paris(2026, 11, 3, 14), nom="Autre")


def test_deplacer_chevauchant_son_propre_creneau(structure):
    type_ = type_rdv(structure, duree=60)
    ancien = reserver(structure, type_, a_paris(2026, 11, 2, 9))
    # 9 h 30 – 10 h 30 chevauche l'ancien (9 h – 10 h) : permis, puisqu'il est libéré.
    nouveau = actions.deplacer(
        rendez_vous=ancien, debut=a_paris(2026, 11, 2, 10), jeton=ancien.jeton, maintenant=AVANT
    )
    assert nouveau.debut == a_paris(2026, 11, 2, 10)


@pytest.mark.parametrize(
    ("debut", "message"),
    [
        (a_paris(2026, 11, 2, 9, 30), "vient d'être pris"),
        (a_paris(2026, 10, 30, 9), "passé"),
        (a_paris(2026, 11, 2, 12, 30), "pas proposé"),
        (a_paris(2026, 11, 2, 9), "déjà l'heure"),
    ],
)
def test_echec_l_ancien_reste_intact(structure, debut, message):
    type_ = type_rdv(structure)
    ancien = reserver(structure, type_, a_paris(2026, 11, 2, 9))
    reserver(structure, type_, a_paris(2026, 11, 2, 9, 30), nom="Occupant")
    with pytest.raises(ValidationError, match=message):
        actions.deplacer(rendez_vous=ancien, debut=debut, jeton=ancien.jeton, maintenant=AVANT)
    ancien.refresh_from_db()
    assert ancien.statut == Statut.PREVU and ancien.annule_le is None
    assert not RendezVous.objects.filter(deplace_de=ancien).exists()
    assert not EvenementAudit.objects.filter(
        evenement=Evenement.RDV_MODIFIE, cible_id=str(ancien.pk)
    ).exists()


def test_jeton_faux_ou_rendez_vous_plus_prevu(structure):
    type_ = type_rdv(structure)
    ancien = reserver(structure, type_, a_paris(2026, 11, 2, 9))
    autre = reserver(structure, type_, a_paris(2026, 11, 2, 10), nom="Autre")
    with pytest.raises(ValidationError, match="lien n'est pas valide"):
        actions.deplacer(
            rendez_vous=ancien, debut=a_paris(2026, 11, 3, 9), jeton=autre.jeton, maintenant=AVANT
        )
    actions.annuler(rendez_vous=ancien, jeton=ancien.jeton, maintenant=AVANT)
    with pytest.raises(ValidationError, match="n'est plus prévu"):
        actions.deplacer(
            rendez_vous=ancien, debut=a_paris(2026, 11, 3, 9), jeton=ancien.jeton, maintenant=AVANT
        )
    # Un agent (par=) déplace sans jeton ; l'audit porte son compte.
    from franceservices.comptes.models import Role
    from tests.comptes.factories import personne

    agent = personne(Role.AGENT, structure=structure)
    nouveau = actions.deplacer(rendez_vous=autre, debut=a_paris(2026, 11, 3, 9), par=agent, maintenant=AVANT)
    assert nouveau.deplace_de == autre
    assert EvenementAudit.objects.get(evenement=Evenement.RDV_MODIFIE, cible_id=str(autre.pk)).acteur == agent


# --- Concurrence réelle (PostgreSQL) ----------------------------------------------------------------------

pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrence réelle : PostgreSQL")


@pytest.fixture
def structure_validee(django_db_setup, django_db_blocker):
    from django_tasks_db.models import DBTaskResult

    if not connection.settings_dict["NAME"].startswith("test_"):
        # pytest-django ne crée la base de test que si un test collecté la demande (fixture `db`) : lancés
        # seuls, ces tests écriraient dans la vraie base.
        pytest.fail("Pas de base de test : lancer ce fichier en entier (ses tests « db » la font créer).")
    with django_db_blocker.unblock():
        s = structure_du("16")
        taches = set(DBTaskResult.objects.values_list("pk", flat=True))
        try:
            semaine_type(s)
            yield s
        finally:
            RendezVous.objects.filter(structure=s, deplace_de__isnull=False).delete()
            RendezVous.objects.filter(structure=s).delete()
            TypeRendezVous.objects.filter(structure=s).delete()
            Disponibilite.objects.filter(structure=s).delete()
            DBTaskResult.objects.exclude(pk__in=taches).delete()  # messages mis en file après validation


@pg
def test_deplacement_et_reservation_simultanes_vers_le_meme_creneau(structure_validee):
    """Un usager déplace son rendez-vous vers 14 h pendant que d'autres réservent 14 h : un seul gagne ;
    si c'est une réservation, le rendez-vous à déplacer reste intact à 9 h."""
    s = structure_validee
    type_ = type_rdv(s)
    ancien = reserver(s, type_, a_paris(2026, 11, 2, 9))
    cible = a_paris(2026, 11, 2, 14)
    fonctions = [
        lambda: actions.deplacer(rendez_vous=ancien, debut=cible, jeton=ancien.jeton, maintenant=AVANT)
    ] + [
        (lambda n=n: reserver(s, type_, cible, nom=f"Client {n}", courriel=f"c{n}@exemple.fr"))
        for n in range(5)
    ]
    gagnants, perdants = en_parallele(fonctions)
    assert len(gagnants) == 1 and len(perdants) == 5
    prevus = RendezVous.objects.filter(structure=s, statut=Statut.PREVU)
    assert prevus.filter(debut=cible).count() == 1
    ancien.refresh_from_db()
    if gagnants[0].deplace_de_id == ancien.pk:
        assert ancien.statut == Statut.ANNULE
    else:
        assert ancien.statut == Statut.PREVU and ancien.debut == a_paris(2026, 11, 2, 9)
    assert prevus.count() == (1 if ancien.statut == Statut.ANNULE else 2)


@pg
def test_deux_deplacements_simultanes_du_meme_rendez_vous(structure_validee):
    """Le même lien ouvert deux fois : deux déplacements simultanés, un seul réussit (l'autre voit un
    rendez-vous déjà annulé), jamais deux nouveaux rendez-vous."""
    s = structure_validee
    type_ = type_rdv(s)
    ancien = reserver(s, type_, a_paris(2026, 11, 2, 9))
    cibles = [a_paris(2026, 11, 3, 9), a_paris(2026, 11, 4, 9)]
    gagnants, perdants = en_parallele(
        [
            (lambda c=c: actions.deplacer(rendez_vous=ancien, debut=c, jeton=ancien.jeton, maintenant=AVANT))
            for c in cibles
        ]
    )
    assert len(gagnants) == 1 and perdants == [
        "Ce rendez-vous n'est plus prévu : il ne peut pas être déplacé."
    ]
    assert RendezVous.objects.filter(structure=s, statut=Statut.PREVU).count() == 1
    assert timezone.is_aware(gagnants[0].debut)


@pg
def test_le_verrou_ne_prend_pas_le_departement(structure_validee):
    """Le verrou de `reserver` et `deplacer` porte sur la seule ligne de la structure : une transaction qui
    tient la ligne du département (ou toute autre France services du département) ne les bloque pas."""
    import threading

    from django.db import connections, transaction

    from franceservices.territoires.models import Departement

    s = structure_validee
    type_ = type_rdv(s)
    ancien = reserver(s, type_, a_paris(2026, 11, 2, 9))
    tient, fin = threading.Event(), threading.Event()

    def tenir():
        try:
            with transaction.atomic():
                Departement.objects.select_for_update().get(pk=s.departement_id)
                tient.set()
                fin.wait(10)
        finally:
            connections.close_all()

    fil = threading.Thread(target=tenir)
    fil.start()
    try:
        assert tient.wait(5)
        with transaction.atomic():
            with connection.cursor() as curseur:
                curseur.execute("SET LOCAL lock_timeout = '1s'")
            reserver(s, type_, a_paris(2026, 11, 2, 10), nom="Pendant")
            actions.deplacer(
                rendez_vous=ancien, debut=a_paris(2026, 11, 2, 14), jeton=ancien.jeton, maintenant=AVANT
            )
    finally:
        fin.set()
        fil.join()
    assert RendezVous.objects.filter(structure=s, statut=Statut.PREVU).count() == 2
