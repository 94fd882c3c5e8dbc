"""Actions de l'agenda (`rendezvous.agenda`) : transitions de statut, droits, conversion, paramétrage, journal."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from franceservices.activite.models import Canal, Demande, Demarche, Niveau
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rendezvous import agenda
from franceservices.rendezvous.models import Arret, Disponibilite, Statut
from franceservices.territoires.models import Commune
from tests.comptes.factories import personne

from .agenda_outils import NOM, TELEPHONE, rdv
from .fabriques import structure_du, type_rdv

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure():
    return structure_du("16")


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure)


def _passe(structure, **champs):
    return rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=20), **champs)


def test_venue_puis_statut_note_et_journal_sans_donnees_personnelles(structure, agent):
    r = _passe(structure)
    agenda.noter_venue(par=agent, rendez_vous=r)
    r.refresh_from_db()
    assert r.statut == Statut.HONORE and r.statut_note_par == agent and r.arrive_le
    audit = EvenementAudit.objects.get(evenement=Evenement.RDV_STATUT, cible_id=str(r.pk))
    assert audit.details["vers"] == Statut.HONORE and audit.acteur == agent
    assert NOM not in str(audit.details) and TELEPHONE not in str(audit.details)


@pytest.mark.parametrize(
    ("statut", "message"),
    [(Statut.ANNULE, "a été annulé"), (Statut.HONORE, "déjà notée")],
)
def test_venue_refusee(structure, agent, statut, message):
    r = _passe(structure, statut=statut)
    with pytest.raises(ValidationError, match=message):
        agenda.noter_venue(par=agent, rendez_vous=r)


def test_venue_d_un_jour_futur_refusee_mais_absence_corrigeable(structure, agent):
    futur = rdv(structure, type_rdv(structure), timezone.now() + timedelta(days=3))
    with pytest.raises(ValidationError, match="se note le jour même"):
        agenda.noter_venue(par=agent, rendez_vous=futur)
    r = _passe(structure)
    agenda.noter_absence(par=agent, rendez_vous=r)
    agenda.noter_venue(par=agent, rendez_vous=r)  # arrivé en retard : l'absence se corrige
    r.refresh_from_db()
    assert r.statut == Statut.HONORE


def test_absence_refusee_avant_l_heure_ou_si_non_prevu(structure, agent):
    futur = rdv(structure, type_rdv(structure), timezone.now() + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="une fois l'heure passée"):
        agenda.noter_absence(par=agent, rendez_vous=futur)
    honore = _passe(structure, statut=Statut.HONORE)
    with pytest.raises(ValidationError, match="honoré"):
        agenda.noter_absence(par=agent, rendez_vous=honore)


@pytest.mark.parametrize("role", ["autre_agent", "national", "animateur"])
def test_hors_equipe_refuse(structure, role):
    par = {
        "autre_agent": lambda: personne(Role.AGENT, structure=structure_du("24")),
        "national": lambda: personne(Role.EQUIPE_NATIONALE),
        "animateur": lambda: personne(Role.ANIMATEUR, departement=structure.departement),
    }[role]()
    r = _passe(structure)
    for action in (agenda.noter_venue, agenda.noter_absence):
        with pytest.raises(PermissionDenied):
            action(par=par, rendez_vous=r)
    with pytest.raises(PermissionDenied):
        agenda.annuler_par_agent(par=par, rendez_vous=rdv(structure, r.type), motif="x")
    r.refresh_from_db()
    assert r.statut == Statut.PREVU


def test_annulation_motif_obligatoire_et_deja_annule(structure, agent):
    r = rdv(structure, type_rdv(structure), timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError, match="motif"):
        agenda.annuler_par_agent(par=agent, rendez_vous=r, motif="  ")
    agenda.annuler_par_agent(par=agent, rendez_vous=r, motif="Empêchement")
    with pytest.raises(ValidationError, match="déjà annulé"):
        agenda.annuler_par_agent(par=agent, rendez_vous=r, motif="Encore")


def _demande(structure, agent, **champs):
    demarche = Demarche.objects.filter(actif=True).order_by("pk")[0]
    valeurs = {
        "cle_client": uuid.uuid4(),
        "structure": structure,
        "agent": agent,
        "date_heure": timezone.now(),
        "canal": Canal.ACCUEIL_PHYSIQUE,
        "partenaire": demarche.partenaire,
        "demarche": demarche,
        "theme": demarche.theme,
        "niveau": Niveau.ACCOMPAGNEMENT,
        **champs,
    }
    return Demande(**valeurs)


def test_conversion(structure, agent):
    r = _passe(structure)
    with pytest.raises(ValidationError, match="notez d'abord sa venue"):
        agenda.convertir_en_demandes(par=agent, rendez_vous=r, demandes=[_demande(structure, agent)])
    agenda.noter_venue(par=agent, rendez_vous=r)
    with pytest.raises(ValidationError, match="au moins une demande"):
        agenda.convertir_en_demandes(par=agent, rendez_vous=r, demandes=[])
    with pytest.raises(ValidationError, match="sa France services"):
        agenda.convertir_en_demandes(par=agent, rendez_vous=r, demandes=[_demande(structure_du("24"), agent)])
    resultat = agenda.convertir_en_demandes(
        par=agent, rendez_vous=r, demandes=[_demande(structure, agent), _demande(structure, agent)]
    )
    r.refresh_from_db()
    assert len(resultat.creees) == 2 and r.demande == resultat.creees[0]
    with pytest.raises(ValidationError, match="déjà enregistrées"):
        agenda.convertir_en_demandes(par=agent, rendez_vous=r, demandes=[_demande(structure, agent)])
    assert Demande.objects.filter(structure=structure, agent=agent).count() == 2
    audit = EvenementAudit.objects.get(evenement=Evenement.RDV_STATUT, details__action="conversion")
    assert audit.details["demandes"] == [d.pk for d in resultat.creees]


def test_canal_d_un_rendez_vous_a_un_arret(structure):
    arret = Arret.objects.create(
        structure=structure,
        libelle="Place",
        commune=Commune.objects.filter(departement=structure.departement).first(),
        jour_semaine=2,
        heure_debut="09:00",
        heure_fin="12:00",
    )
    assert agenda.canal_du(rdv(structure, type_rdv(structure), arret=arret)) == Canal.ITINERANCE


def test_parametrage_reserve_au_responsable(structure, agent):
    responsable = personne(Role.RESPONSABLE, structure=structure)
    dispo = Disponibilite(structure=structure, jour_semaine=0, heure_debut="09:00", heure_fin="12:00")
    with pytest.raises(PermissionDenied):
        agenda.enregistrer_parametre(par=agent, element=dispo)
    agenda.enregistrer_parametre(par=responsable, element=dispo)
    dispo.heure_fin = "11:00"
    agenda.enregistrer_parametre(par=responsable, element=dispo)
    modif = EvenementAudit.objects.filter(
        evenement=Evenement.RDV_PARAMETRAGE, details__action="modification"
    ).get()
    assert modif.details["changements"] == {"heure_fin": "11:00:00"}
    # un élément ne change pas de France services
    dispo.structure = structure_du("24")
    with pytest.raises(PermissionDenied):
        agenda.enregistrer_parametre(par=personne(Role.RESPONSABLE, structure=dispo.structure), element=dispo)
    with pytest.raises(PermissionDenied):
        agenda.supprimer_parametre(par=agent, element=Disponibilite.objects.get(pk=dispo.pk))
    agenda.supprimer_parametre(par=responsable, element=Disponibilite.objects.get(pk=dispo.pk))
    assert not Disponibilite.objects.filter(pk=dispo.pk).exists()


def test_arret_avec_rendez_vous_non_supprimable(structure):
    responsable = personne(Role.RESPONSABLE, structure=structure)
    arret = Arret.objects.create(
        structure=structure,
        libelle="Place",
        commune=Commune.objects.filter(departement=structure.departement).first(),
        jour_semaine=2,
        heure_debut="09:00",
        heure_fin="12:00",
    )
    rdv(structure, type_rdv(structure), arret=arret)
    with pytest.raises(ValidationError, match="date de fin de desserte"):
        agenda.supprimer_parametre(par=responsable, element=arret)


def test_commande_de_demonstration_idempotente(settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from franceservices.rendezvous.models import Permanence, RendezVous, TypeRendezVous

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("creer_rendez_vous_demo", stdout=StringIO())
    settings.DEBUG = True
    with pytest.raises(CommandError, match="creer_comptes_demo"):
        call_command("creer_rendez_vous_demo", stdout=StringIO())
    call_command("creer_comptes_demo", stdout=StringIO(), stderr=StringIO())
    sortie = StringIO()
    call_command("creer_rendez_vous_demo", "--dry-run", stdout=sortie)
    assert "seraient créés" in sortie.getvalue() and not RendezVous.objects.exists()
    call_command("creer_rendez_vous_demo", stdout=StringIO())
    compte = (TypeRendezVous.objects.count(), Permanence.objects.count(), RendezVous.objects.count())
    call_command("creer_rendez_vous_demo", stdout=StringIO())
    assert (TypeRendezVous.objects.count(), Permanence.objects.count(), RendezVous.objects.count()) == compte
    assert compte[2] >= 5
    permanence = Permanence.objects.get()
    assert permanence.rang == 2 and permanence.jour_semaine == 1 and permanence.partenaire.code == "cnaf"
    for r in RendezVous.objects.all():
        assert r.nom.startswith("Usager de démonstration") and r.telephone.startswith("+33199")
        from franceservices.core.telephone import normaliser_telephone

        assert normaliser_telephone(r.telephone) == r.telephone
        # Jamais un week-end ni un jour férié : la démonstration suit les jours d'ouverture.
        from franceservices.territoires.jours_ouvres import est_ouvre

        assert est_ouvre(r.debut.astimezone(r.structure.fuseau).date(), r.structure.departement.code)
