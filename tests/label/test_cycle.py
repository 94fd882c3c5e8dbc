"""Cycle de labellisation : transitions permises, refusées, droits par rôle, échéance calculée, historique."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import EvenementAudit
from franceservices.label import actions
from franceservices.label.conformite import resumes
from franceservices.label.models import TRANSITIONS, Dossier, Etat, ReglageCycle
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    s = f.structure()
    Structure.objects.filter(pk=s.pk).update(date_labellisation=None)
    s.refresh_from_db()
    return s


def test_toutes_les_transitions_sont_des_etats_connus():
    for depuis, arrivees in TRANSITIONS.items():
        assert depuis is None or depuis in Etat.values
        assert arrivees <= set(Etat.values)


def test_parcours_complet(site):
    porteur = personne(Role.RESPONSABLE, structure=site)
    prefecture = personne(Role.COORDINATEUR_PREFECTURE, departement=site.departement)
    actions.changer_etat(par=porteur, structure=site, vers=Etat.CANDIDATURE, commentaire="Dossier complet")
    actions.changer_etat(par=prefecture, structure=site, vers=Etat.INSTRUCTION)
    jour = timezone.localdate() - timedelta(days=10)
    actions.changer_etat(par=prefecture, structure=site, vers=Etat.LABELLISEE, date_effet=jour)
    dossier = Dossier.objects.get(structure=site)
    assert (dossier.etat, dossier.date_label) == (Etat.LABELLISEE, jour)
    r = resumes([site.pk])[site.pk]
    assert r.etat == "Labellisée"
    assert r.prochaine_echeance == date(jour.year + 3, jour.month, jour.day)
    actions.changer_etat(par=prefecture, structure=site, vers=Etat.AUDIT)
    actions.changer_etat(par=prefecture, structure=site, vers=Etat.PLAN_CORRECTIF, commentaire="Signalétique")
    actions.changer_etat(par=prefecture, structure=site, vers=Etat.RENOUVELEE)
    dossier.refresh_from_db()
    assert dossier.date_label == timezone.localdate()
    assert [e.vers for e in dossier.etapes.order_by("pk")] == [
        Etat.CANDIDATURE,
        Etat.INSTRUCTION,
        Etat.LABELLISEE,
        Etat.AUDIT,
        Etat.PLAN_CORRECTIF,
        Etat.RENOUVELEE,
    ]
    assert dossier.etapes.order_by("pk").first().par == porteur
    assert EvenementAudit.objects.filter(evenement="label_cycle").count() == 6


def test_duree_du_label_est_une_donnee(site):
    ReglageCycle.objects.update_or_create(pk=1, defaults={"duree_mois": 24})
    Structure.objects.filter(pk=site.pk).update(date_labellisation=date(2024, 2, 29))
    assert resumes([site.pk])[site.pk].prochaine_echeance == date(2026, 2, 28)


def test_transition_interdite_refusee(site):
    national = personne(Role.EQUIPE_NATIONALE)
    with pytest.raises(ValidationError, match="Passage impossible"):
        actions.changer_etat(par=national, structure=site, vers=Etat.LABELLISEE)
    actions.changer_etat(par=national, structure=site, vers=Etat.CANDIDATURE)
    with pytest.raises(ValidationError, match="Passage impossible"):
        actions.changer_etat(par=national, structure=site, vers=Etat.RENOUVELEE)
    assert Dossier.objects.get(structure=site).etat == Etat.CANDIDATURE


def test_registre_sans_dossier_est_labellise(site):
    Structure.objects.filter(pk=site.pk).update(date_labellisation=date(2022, 3, 1))
    site.refresh_from_db()
    prefecture = personne(Role.COORDINATEUR_PREFECTURE, departement=site.departement)
    with pytest.raises(ValidationError):
        actions.changer_etat(par=prefecture, structure=site, vers=Etat.CANDIDATURE)
    actions.changer_etat(par=prefecture, structure=site, vers=Etat.AUDIT)
    dossier = Dossier.objects.get(structure=site)
    assert (dossier.etat, dossier.date_label) == (Etat.AUDIT, date(2022, 3, 1))
    assert dossier.etapes.get().depuis == Etat.LABELLISEE


@pytest.mark.parametrize("vers", [Etat.SUSPENDUE, Etat.RETIREE])
def test_commentaire_obligatoire(site, vers):
    Structure.objects.filter(pk=site.pk).update(date_labellisation=date(2022, 3, 1))
    site.refresh_from_db()
    prefecture = personne(Role.COORDINATEUR_PREFECTURE, departement=site.departement)
    with pytest.raises(ValidationError, match="commentaire est obligatoire"):
        actions.changer_etat(par=prefecture, structure=site, vers=vers, commentaire="   ")
    actions.changer_etat(par=prefecture, structure=site, vers=vers, commentaire="Fermée depuis 3 mois")
    assert Dossier.objects.get(structure=site).etat == vers


def test_date_future_refusee(site):
    national = personne(Role.EQUIPE_NATIONALE)
    with pytest.raises(ValidationError, match="futur"):
        actions.changer_etat(
            par=national,
            structure=site,
            vers=Etat.CANDIDATURE,
            date_effet=timezone.localdate() + timedelta(days=1),
        )


def test_droits_par_role(site):
    animateur = personne(Role.ANIMATEUR, departement=site.departement)
    agent = personne(Role.AGENT, structure=site)
    porteur = personne(Role.RESPONSABLE, structure=site)
    autre_prefecture = personne(Role.COORDINATEUR_PREFECTURE, departement=f.structure("15").departement)
    for qui in (animateur, agent, autre_prefecture):
        with pytest.raises(PermissionDenied):
            actions.changer_etat(par=qui, structure=site, vers=Etat.CANDIDATURE)
    actions.changer_etat(par=porteur, structure=site, vers=Etat.CANDIDATURE)
    # Le porteur dépose mais n'instruit pas.
    with pytest.raises(PermissionDenied):
        actions.changer_etat(par=porteur, structure=site, vers=Etat.INSTRUCTION)
