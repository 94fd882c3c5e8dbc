from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rappels import actions
from franceservices.rappels.models import DemandeRappel, Origine, Resultat, Statut, TentativeRappel
from tests.comptes.factories import personne

from .fabriques import partenaire, rappel, structure

pytestmark = pytest.mark.django_db


def test_demande_normalise_et_fixe_l_echeance(settings):
    settings.RAPPELS_DELAI_HEURES = 24
    s = structure()
    maintenant = timezone.now().replace(microsecond=0)
    r = rappel(structure=s, telephone="0590 12 34 56", creneaux=["matin"], maintenant=maintenant)
    r.refresh_from_db()
    assert r.telephone == "+590590123456"
    assert r.departement_id == s.departement_id
    assert r.echeance == maintenant + timedelta(hours=24)
    assert r.consentement and r.consentement_le == maintenant
    assert r.statut == Statut.A_RAPPELER
    assert EvenementAudit.objects.filter(
        evenement=Evenement.RAPPEL_DEMANDE, cible_id=str(r.pk), details__action="rappel_demande"
    ).exists()


def test_echeance_par_defaut_48_heures():
    maintenant = timezone.now()
    r = rappel(structure=structure(), maintenant=maintenant)
    assert r.echeance - r.cree_le == timedelta(hours=48)


@pytest.mark.parametrize("consentement", [False, None, "oui", 1])
def test_consentement_obligatoire(consentement):
    avant = DemandeRappel.objects.count()
    with pytest.raises(ValidationError) as erreur:
        actions.demander_rappel(
            telephone="0612345678",
            besoin="Aide",
            consentement=consentement,
            origine=Origine.FORMULAIRE_PUBLIC,
            structure=structure(),
        )
    assert erreur.value.code == "consentement"
    assert DemandeRappel.objects.count() == avant


def test_consentement_garanti_en_base():
    r = rappel(structure=structure())
    with pytest.raises(IntegrityError), transaction.atomic():
        DemandeRappel.objects.filter(pk=r.pk).update(consentement=False)


def test_numero_invalide_rien_n_est_enregistre():
    avant = DemandeRappel.objects.count()
    with pytest.raises(ValidationError):
        rappel(structure=structure(), telephone="08 92 00 00 00")
    assert DemandeRappel.objects.count() == avant


@pytest.mark.parametrize(
    "creneaux",
    [
        "matin",
        ["soir"],
        [{"jour": 7, "debut": "09:00", "fin": "10:00"}],
        [{"jour": 1, "debut": "10:00", "fin": "09:00"}],
        [{"jour": 1, "debut": "9h", "fin": "10:00"}],
        [{"jour": True, "debut": "09:00", "fin": "10:00"}],
        [{"jour": 1, "debut": "09:00"}],
    ],
)
def test_creneaux_invalides(creneaux):
    with pytest.raises(ValidationError) as erreur:
        rappel(structure=structure(), creneaux=creneaux)
    assert erreur.value.code == "creneaux"


def test_creneaux_valides():
    creneaux = ["apres_midi", {"jour": 0, "debut": "09:00", "fin": "12:30"}]
    r = rappel(structure=structure(), creneaux=creneaux)
    r.refresh_from_db()
    assert r.creneaux == creneaux


def test_structure_d_un_autre_departement_refusee():
    with pytest.raises(ValidationError):
        rappel(structure=structure("16"), departement=structure("15").departement)


def test_file_departementale_sans_structure():
    d = structure("15").departement
    r = rappel(departement=d, origine=Origine.PLATEFORME_PARTENAIRE, partenaire=partenaire())
    assert r.structure is None and r.departement == d


def test_joint_des_la_premiere_tentative():
    s = structure()
    agent = personne(Role.AGENT, structure=s)
    r = rappel(structure=s)
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.JOINT)
    r.refresh_from_db()
    assert r.statut == Statut.RAPPELE
    assert r.attribuee_a == agent
    assert r.premier_contact_le is not None and r.clos_le == r.premier_contact_le
    assert r.notification_echec_prevue_le is None
    with pytest.raises(ValidationError):
        actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.JOINT)


def test_deux_echecs_prevoient_une_notification():
    s = structure()
    agent = personne(Role.AGENT, structure=s)
    r = rappel(structure=s)
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.PAS_DE_REPONSE)
    r.refresh_from_db()
    assert r.statut == Statut.EN_COURS and r.notification_echec_prevue_le is None
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.MESSAGERIE)
    r.refresh_from_db()
    prevue = r.notification_echec_prevue_le
    assert prevue is not None
    # Une troisième tentative ne replanifie pas la notification.
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.PAS_DE_REPONSE)
    r.refresh_from_db()
    assert r.notification_echec_prevue_le == prevue
    assert TentativeRappel.objects.filter(rappel=r).count() == 3
    assert (
        EvenementAudit.objects.filter(
            evenement=Evenement.RAPPEL_TRAITE, cible_id=str(r.pk), details__action="rappel_tentative"
        ).count()
        == 3
    )


def test_mauvais_numero_pas_de_notification():
    s = structure()
    agent = personne(Role.AGENT, structure=s)
    r = rappel(structure=s)
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.MAUVAIS_NUMERO)
    actions.noter_tentative(par=agent, rappel=r, resultat=Resultat.PAS_DE_REPONSE)
    r.refresh_from_db()
    assert r.notification_echec_prevue_le is None


def test_hors_perimetre_refuse():
    r = rappel(structure=structure("16"))
    etranger = personne(Role.AGENT, structure=structure("15"))
    with pytest.raises(PermissionDenied):
        actions.noter_tentative(par=etranger, rappel=r, resultat=Resultat.JOINT)
    with pytest.raises(PermissionDenied):
        actions.clore(par=etranger, rappel=r, resultat=Statut.ABANDONNE)
    assert not TentativeRappel.objects.filter(rappel=r).exists()
    r.refresh_from_db()
    assert r.statut == Statut.A_RAPPELER


@pytest.mark.parametrize("statut", [Statut.RAPPELE, Statut.INJOIGNABLE, Statut.ABANDONNE])
def test_clore(statut):
    s = structure()
    agent = personne(Role.AGENT, structure=s)
    r = rappel(structure=s)
    actions.clore(par=agent, rappel=r, resultat=statut)
    r.refresh_from_db()
    assert r.statut == statut and r.clos_le is not None
    assert (r.premier_contact_le is not None) == (statut == Statut.RAPPELE)
    assert EvenementAudit.objects.filter(
        evenement=Evenement.RAPPEL_TRAITE, cible_id=str(r.pk), details__action="rappel_clos"
    ).exists()
    with pytest.raises(ValidationError):
        actions.clore(par=agent, rappel=r, resultat=statut)


@pytest.mark.parametrize("resultat", [Statut.A_RAPPELER, Statut.EN_COURS, "n_importe_quoi"])
def test_clore_statut_non_final_refuse(resultat):
    s = structure()
    r = rappel(structure=s)
    with pytest.raises(ValidationError):
        actions.clore(par=personne(Role.AGENT, structure=s), rappel=r, resultat=resultat)


def test_en_retard():
    s = structure()
    passe = timezone.now() - timedelta(hours=72)
    vieux = rappel(structure=s, maintenant=passe)
    recent = rappel(structure=s)
    assert vieux.en_retard() and not recent.en_retard()
    ids = set(DemandeRappel.objects.en_retard().values_list("pk", flat=True))
    assert vieux.pk in ids and recent.pk not in ids


def test_attribuer():
    s = structure()
    responsable = personne(Role.RESPONSABLE, structure=s)
    agent = personne(Role.AGENT, structure=s)
    etranger = personne(Role.AGENT, structure=structure("15"))
    r = rappel(structure=s)
    actions.attribuer_rappel(par=responsable, rappel=r, a=agent)
    r.refresh_from_db()
    assert r.attribuee_a == agent
    with pytest.raises(ValidationError):
        actions.attribuer_rappel(par=responsable, rappel=r, a=etranger)
    with pytest.raises(PermissionDenied):
        actions.attribuer_rappel(par=etranger, rappel=r, a=etranger)
    actions.attribuer_rappel(par=responsable, rappel=r, a=None)
    r.refresh_from_db()
    assert r.attribuee_a is None


def test_clore_avec_la_demande_d_activite_liee():
    from franceservices.activite.models import Canal
    from tests.activite.fabriques import enregistrer_une

    s, autre = structure(), structure("16", 1)
    agent = personne(Role.AGENT, structure=s)
    r = rappel(structure=s)
    demande_autre = enregistrer_une(autre, canal=Canal.TELEPHONE)
    with pytest.raises(ValidationError) as erreur:
        actions.clore(par=agent, rappel=r, resultat=Statut.RAPPELE, demande=demande_autre)
    assert erreur.value.code == "demande"
    r.refresh_from_db()
    assert r.statut == Statut.A_RAPPELER
    demande = enregistrer_une(s, agent, canal=Canal.TELEPHONE)
    actions.clore(par=agent, rappel=r, resultat=Statut.RAPPELE, demande=demande)
    r.refresh_from_db()
    assert r.demande == demande and r.statut == Statut.RAPPELE
