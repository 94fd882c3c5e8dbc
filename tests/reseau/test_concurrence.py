"""Inscriptions simultanées sur PostgreSQL : plusieurs personnes demandent en même temps la dernière place
d'un événement ; une seule l'obtient, les autres reçoivent « Complet », jamais de surréservation.

Comme tests/formations/test_concurrence.py : les fils écrivent par leurs propres connexions des données
validées (pas de transaction de test, ni `transaction=True`) ; le test efface ce qu'il a écrit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from franceservices.comptes.models import Habilitation, Utilisateur
from franceservices.reseau import actions
from franceservices.reseau.models import EvenementReseau, Participation
from tests.core.concurrence import en_parallele

from . import fabriques as f

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrence réelle : PostgreSQL")

CLIENTS = 8


@pytest.fixture
def monde(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        structure = f.structure("16")
        evenement = f.evenement(departement=structure.departement, capacite=3)
        personnes = [f.agent(structure) for _ in range(CLIENTS + 2)]
        try:
            yield {"evenement": evenement, "agents": personnes}
        finally:
            Participation.objects.filter(evenement=evenement).delete()
            EvenementReseau.objects.filter(pk=evenement.pk).delete()
            Habilitation.objects.filter(utilisateur__in=personnes).delete()
            Utilisateur.objects.filter(pk__in=[p.pk for p in personnes]).delete()


def test_derniere_place_une_seule_inscription(monde):
    evenement, agents = monde["evenement"], monde["agents"]
    for agent in agents[:2]:  # deux places prises d'avance : il en reste une
        actions.inscrire(par=agent, evenement=evenement)
    resultats, erreurs = en_parallele(
        [lambda a=a: actions.inscrire(par=a, evenement=evenement) for a in agents[2:]]
    )
    assert len(resultats) == 1
    assert len(erreurs) == CLIENTS - 1 and all(isinstance(e, ValidationError) for e in erreurs)
    assert all(e.messages[0].startswith("Complet") for e in erreurs)
    assert Participation.objects.inscrites().filter(evenement=evenement).count() == evenement.capacite


def test_double_clic_une_seule_participation(monde):
    evenement, agent = monde["evenement"], monde["agents"][0]
    resultats, erreurs = en_parallele([lambda: actions.inscrire(par=agent, evenement=evenement)] * 4)
    assert len(resultats) == 1 and len(erreurs) == 3
    assert all("déjà inscrit" in e.messages[0] for e in erreurs)
    assert Participation.objects.filter(evenement=evenement, personne=agent).count() == 1
