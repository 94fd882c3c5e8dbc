"""Actions des escalades : routage territorial ou national, consentement, transitions, horloge, fil."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.escalades import actions
from franceservices.escalades.models import (
    Acheminement,
    Consentement,
    Cote,
    Engagement,
    Formulaire,
    MotifRejet,
    Notification,
    Statut,
    TypeNotification,
)
from franceservices.partenaires.models import Presence
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cas():
    structure = f.structure("16")
    partenaire = f.partenaire()
    return structure, partenaire, f.agent(structure)


def test_routage_territorial_quand_un_referent_est_nomme(cas):
    structure, partenaire, agent = cas
    territorial = f.referent(partenaire, structure.departement)
    f.referent(partenaire, None)  # référent national : pas destinataire quand un territorial existe
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    assert escalade.acheminement == Acheminement.TERRITORIAL
    assert escalade.departement_id == structure.departement_id
    assert escalade.statut == Statut.NOUVELLE
    notification = Notification.objects.get(escalade=escalade, type=TypeNotification.OUVERTURE)
    assert notification.destinataires == [territorial.email]
    assert EvenementAudit.objects.filter(
        evenement=Evenement.ESCALADE_OUVERTE, cible_id=str(escalade.pk)
    ).exists()


def test_routage_national_sans_referent_dans_le_departement(cas):
    structure, partenaire, agent = cas
    f.referent(partenaire, f.structure("24").departement)  # un autre département ne compte pas
    national = f.referent(partenaire, None)
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    assert escalade.acheminement == Acheminement.NATIONAL
    assert Notification.objects.get(escalade=escalade).destinataires == [national.email]


def test_seul_un_agent_de_la_structure_ouvre(cas):
    structure, partenaire, _ = cas
    autre = f.agent(f.structure("16", 1))
    with pytest.raises(PermissionDenied):
        f.escalade(agent=autre, structure=structure, partenaire=partenaire)
    animateur = personne(Role.ANIMATEUR, departement=structure.departement)
    with pytest.raises(PermissionDenied):
        f.escalade(agent=animateur, structure=structure, partenaire=partenaire)


def test_escalade_fermee_pour_le_partenaire(cas):
    structure, partenaire, agent = cas
    Engagement.objects.filter(partenaire=partenaire).update(escalade_ouverte=False)
    partenaire.refresh_from_db()
    with pytest.raises(ValidationError, match="ne reçoit pas d'escalades"):
        f.escalade(agent=agent, structure=structure, partenaire=partenaire)


def test_partenaire_en_pilote_hors_perimetre_refuse(cas):
    structure, partenaire, agent = cas
    partenaire.presence = Presence.PILOTE
    partenaire.save()
    with pytest.raises(ValidationError, match="pilote"):
        f.escalade(agent=agent, structure=structure, partenaire=partenaire)


def test_delai_et_echeance_de_l_engagement(cas):
    structure, partenaire, agent = cas
    Engagement.objects.filter(partenaire=partenaire).update(delai_jours_ouvres=3, relance_jours_ouvres=2)
    partenaire.refresh_from_db()
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    assert escalade.delai_jours_ouvres == 3
    assert escalade.echeance > escalade.ouverte_le.date()


@pytest.mark.parametrize(
    "champs",
    [
        {"usager_nom": "Martin"},
        {"pieces": [f.fichier()]},
        {"donnees": {"numero_allocataire": "1234567"}},
    ],
    ids=["identite", "piece", "champ-personnel"],
)
def test_sans_consentement_aucune_donnee_personnelle(cas, champs):
    structure, partenaire, agent = cas
    Formulaire.objects.update_or_create(
        partenaire=partenaire,
        demarche=None,
        defaults={
            "champs": [
                {"code": "numero_allocataire", "libelle": "N°", "type": "identifiant", "personnel": True}
            ]
        },
    )
    with pytest.raises(ValidationError, match="consentement de l'usager"):
        f.escalade(agent=agent, structure=structure, partenaire=partenaire, avec_consentement=False, **champs)


def test_sans_consentement_le_cas_anonyme_part(cas):
    structure, partenaire, agent = cas
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire, avec_consentement=False)
    assert not Consentement.objects.filter(escalade=escalade).exists()
    assert escalade.usager_nom == ""


def test_consentement_enregistre(cas):
    structure, partenaire, agent = cas
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire, pieces=[f.fichier()])
    consentement = escalade.consentement
    assert consentement.usager == "Camille Martin"
    assert consentement.partenaire == partenaire
    assert consentement.recueilli_par == agent
    assert "pieces" in consentement.donnees_partagees
    assert escalade.pieces.get().nom == "piece.pdf"


@pytest.fixture
def ouverte(cas):
    structure, partenaire, agent = cas
    referent = f.referent(partenaire, structure.departement)
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    return escalade, agent, referent


def test_transitions_legales_par_le_referent(ouverte):
    escalade, _, referent = ouverte
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        actions.changer_statut(par=referent, escalade=escalade, vers=Statut.RESOLUE)
    escalade = actions.changer_statut(par=referent, escalade=escalade, vers=Statut.PRISE_EN_CHARGE)
    assert escalade.referent == referent
    assert escalade.prise_en_charge_le is not None
    escalade = actions.changer_statut(par=referent, escalade=escalade, vers=Statut.ATTENTE_USAGER)
    assert escalade.attente_depuis is not None
    escalade = actions.changer_statut(par=referent, escalade=escalade, vers=Statut.PRISE_EN_CHARGE)
    assert escalade.attente_depuis is None
    escalade = actions.changer_statut(
        par=referent, escalade=escalade, vers=Statut.RESOLUE, message="Dossier débloqué."
    )
    assert escalade.close_le is not None
    assert escalade.dans_les_temps is True
    assert escalade.jours_ouvres_reponse == 0
    with pytest.raises(ValidationError):
        actions.changer_statut(par=referent, escalade=escalade, vers=Statut.PRISE_EN_CHARGE)
    systeme = escalade.messages.filter(cote=Cote.SYSTEME)
    assert [m.statut_apres for m in systeme] == [
        "prise_en_charge",
        "attente_usager",
        "prise_en_charge",
        "resolue",
    ]
    assert "Dossier débloqué." in systeme.last().texte
    assert (
        EvenementAudit.objects.filter(evenement=Evenement.ESCALADE_STATUT, cible_id=str(escalade.pk)).count()
        == 4
    )
    assert Notification.objects.filter(escalade=escalade, type=TypeNotification.STATUT).count() == 4


def test_rejet_motive_obligatoire(ouverte):
    escalade, _, referent = ouverte
    with pytest.raises(ValidationError, match="motif"):
        actions.changer_statut(par=referent, escalade=escalade, vers=Statut.REJETEE)
    with pytest.raises(ValidationError, match="Précisez"):
        actions.changer_statut(
            par=referent, escalade=escalade, vers=Statut.REJETEE, motif_rejet=MotifRejet.AUTRE
        )
    escalade = actions.changer_statut(
        par=referent, escalade=escalade, vers=Statut.REJETEE, motif_rejet=MotifRejet.DOUBLON
    )
    assert escalade.statut == Statut.REJETEE
    assert escalade.motif_rejet == MotifRejet.DOUBLON
    assert "Doublon" in escalade.messages.last().texte


@pytest.mark.parametrize("qui", ["agent", "autre_departement", "autre_partenaire", "animateur"])
def test_seul_le_cote_partenaire_change_le_statut(ouverte, qui):
    escalade, agent, _ = ouverte
    acteur = {
        "agent": lambda: agent,
        "autre_departement": lambda: f.referent(escalade.partenaire, f.structure("24").departement),
        "autre_partenaire": lambda: f.referent(f.partenaire(1), escalade.departement),
        "animateur": lambda: personne(Role.ANIMATEUR, departement=escalade.departement),
    }[qui]()
    with pytest.raises(PermissionDenied):
        actions.changer_statut(par=acteur, escalade=escalade, vers=Statut.PRISE_EN_CHARGE)
    escalade.refresh_from_db()
    assert escalade.statut == Statut.NOUVELLE


def test_referent_national_et_equipe_nationale_peuvent_traiter(ouverte):
    escalade, _, _ = ouverte
    national = f.referent(escalade.partenaire, None)
    escalade = actions.changer_statut(par=national, escalade=escalade, vers=Statut.PRISE_EN_CHARGE)
    assert escalade.referent == national
    equipe = personne(Role.EQUIPE_NATIONALE)
    escalade = actions.changer_statut(par=equipe, escalade=escalade, vers=Statut.RESOLUE)
    assert escalade.statut == Statut.RESOLUE


def test_fil_premiere_reponse_et_retour_de_la_structure(ouverte):
    escalade, agent, referent = ouverte
    actions.ecrire_message(par=agent, escalade=escalade, texte="Précision : dossier déposé en mars.")
    escalade.refresh_from_db()
    assert escalade.premiere_reponse_le is None
    message = actions.ecrire_message(par=referent, escalade=escalade, texte="Nous regardons.")
    assert message.cote == Cote.PARTENAIRE
    escalade.refresh_from_db()
    premiere = escalade.premiere_reponse_le
    assert premiere is not None
    actions.ecrire_message(par=referent, escalade=escalade, texte="Encore un mot.")
    escalade.refresh_from_db()
    assert escalade.premiere_reponse_le == premiere
    actions.changer_statut(par=referent, escalade=escalade, vers=Statut.PRISE_EN_CHARGE)
    actions.changer_statut(par=referent, escalade=escalade, vers=Statut.ATTENTE_STRUCTURE)
    actions.ecrire_message(par=agent, escalade=escalade, texte="Voici l'avis d'imposition.")
    escalade.refresh_from_db()
    assert escalade.statut == Statut.PRISE_EN_CHARGE
    assert escalade.attente_depuis is None
    notif = Notification.objects.filter(escalade=escalade, type=TypeNotification.MESSAGE).first()
    assert notif.destinataires == [referent.email]


def test_fil_refuse_message_vide_hors_perimetre_et_escalade_close(ouverte):
    escalade, agent, referent = ouverte
    with pytest.raises(ValidationError, match="vide"):
        actions.ecrire_message(par=agent, escalade=escalade, texte="   ")
    with pytest.raises(PermissionDenied):
        actions.ecrire_message(par=f.agent(f.structure("16", 1)), escalade=escalade, texte="Bonjour")
    actions.changer_statut(
        par=referent, escalade=escalade, vers=Statut.REJETEE, motif_rejet=MotifRejet.GUICHET
    )
    with pytest.raises(ValidationError, match="close"):
        actions.ecrire_message(par=agent, escalade=escalade, texte="Pourquoi ?")


def test_pieces_de_la_structure_sans_consentement_refusees(cas):
    structure, partenaire, agent = cas
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire, avec_consentement=False)
    with pytest.raises(ValidationError, match="consentement"):
        actions.ecrire_message(par=agent, escalade=escalade, texte="Voici", pieces=[f.fichier()])
