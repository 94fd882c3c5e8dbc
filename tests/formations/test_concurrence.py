"""Inscriptions simultanées sur PostgreSQL : plusieurs responsables inscrivent en même temps des agents à
la dernière place d'une session ; une seule inscription est confirmée, les autres vont en liste
d'attente, jamais de surréservation.

Comme tests/rendezvous/test_concurrence.py : les fils écrivent par leurs propres connexions des données
validées (pas de transaction de test, ni `transaction=True`) ; le test efface ce qu'il a écrit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from franceservices.comptes.models import Habilitation, Utilisateur
from franceservices.formations import actions
from franceservices.formations.models import Inscription, Session, Statut
from tests.core.concurrence import en_parallele

from . import fabriques as f

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrence réelle : PostgreSQL")

CLIENTS = 8


@pytest.fixture
def monde(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        structure = f.structure("16")
        module = f.module()
        session = f.session(module, capacite=3)
        personnes = [f.agent(structure) for _ in range(CLIENTS + 2)]
        responsable = f.responsable(structure)
        personnes.append(responsable)
        try:
            yield {"session": session, "agents": personnes[:-1], "responsable": responsable}
        finally:
            Inscription.objects.filter(session__module=module).delete()
            Session.objects.filter(module=module).delete()
            module.delete()
            Habilitation.objects.filter(utilisateur__in=personnes).delete()
            Utilisateur.objects.filter(pk__in=[p.pk for p in personnes]).delete()


def test_derniere_place_une_seule_confirmee(monde):
    session, agents, responsable = monde["session"], monde["agents"], monde["responsable"]
    # Deux places prises d'avance : il n'en reste qu'une.
    for agent in agents[:2]:
        actions.inscrire(par=responsable, session=session, agent=agent)
    candidats = agents[2:]
    resultats, erreurs = en_parallele(
        [lambda a=a: actions.inscrire(par=responsable, session=session, agent=a) for a in candidats]
    )
    assert erreurs == []
    assert sorted(i.statut for i in resultats) == [Statut.ATTENTE] * (CLIENTS - 1) + [Statut.CONFIRMEE]
    assert Inscription.objects.filter(session=session, statut=Statut.CONFIRMEE).count() == session.capacite
    assert Inscription.objects.filter(session=session, statut=Statut.ATTENTE).count() == CLIENTS - 1


def test_approbations_simultanees_sans_surreservation(monde):
    session, agents, responsable = monde["session"], monde["agents"], monde["responsable"]
    demandes = [actions.inscrire(par=a, session=session, agent=a) for a in agents[:CLIENTS]]
    resultats, erreurs = en_parallele(
        [lambda d=d: actions.approuver(par=responsable, inscription=d) for d in demandes]
    )
    assert erreurs == []
    confirmees = [i for i in resultats if i.statut == Statut.CONFIRMEE]
    assert len(confirmees) == session.capacite
    assert Inscription.objects.filter(session=session, statut=Statut.CONFIRMEE).count() == session.capacite


def test_annulations_simultanees_promotions_sans_surreservation(monde):
    session, agents, responsable = monde["session"], monde["agents"], monde["responsable"]
    inscrits = [actions.inscrire(par=responsable, session=session, agent=a) for a in agents[:CLIENTS]]
    confirmes = [i for i in inscrits if i.statut == Statut.CONFIRMEE]
    _, erreurs = en_parallele(
        [lambda i=i: actions.annuler(par=responsable, inscription=i) for i in confirmes[:2]]
    )
    assert erreurs == []
    assert Inscription.objects.filter(session=session, statut=Statut.CONFIRMEE).count() == session.capacite
    promus = set(
        Inscription.objects.filter(session=session, statut=Statut.CONFIRMEE).values_list("pk", flat=True)
    )
    # Les deux premiers de la liste d'attente, dans l'ordre des demandes.
    attente = [i.pk for i in inscrits if i.statut == Statut.ATTENTE]
    assert set(attente[:2]) <= promus


def test_double_clic_une_seule_demande(monde):
    session, agent = monde["session"], monde["agents"][0]
    resultats, erreurs = en_parallele([lambda: actions.inscrire(par=agent, session=session, agent=agent)] * 4)
    assert len(resultats) == 1 and resultats[0].statut == Statut.DEMANDEE
    assert len(erreurs) == 3 and all(isinstance(e, ValidationError) for e in erreurs)
    assert all("déjà inscrit" in e.messages[0] for e in erreurs)
    assert Inscription.objects.filter(session=session, agent=agent).count() == 1
