"""Annulation d'une session, courriels de la formation (après commit, vrai SMTP), rappel avant la session."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.formations import actions
from franceservices.formations.models import Inscription, Session, Statut
from tests.comptes.factories import personne

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
