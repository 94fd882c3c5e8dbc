"""Réservations simultanées sur PostgreSQL : plusieurs clients réservent le même créneau en même temps,
un seul l'obtient, les autres reçoivent « Ce créneau vient d'être pris ».

Comme tests/activite/test_concurrence.py : les fils écrivent par leurs propres connexions des données
validées (pas de transaction de test, ni `transaction=True` qui viderait le référentiel) ; le test
efface ce qu'il a écrit."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from franceservices.rendezvous import actions
from franceservices.rendezvous.models import Disponibilite, RendezVous, TypeRendezVous

from .fabriques import a_paris, semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrence réelle : PostgreSQL")

AVANT = a_paris(2026, 11, 1, 8)
CLIENTS = 8


@pytest.fixture
def structure(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        s = structure_du("16")
        try:
            semaine_type(s)
            yield s
        finally:
            RendezVous.objects.filter(structure=s).delete()
            TypeRendezVous.objects.filter(structure=s).delete()
            Disponibilite.objects.filter(structure=s).delete()


def en_parallele(fonctions):
    resultats, erreurs = [], []
    depart = threading.Barrier(len(fonctions))

    def lancer(f):
        try:
            depart.wait()
            resultats.append(f())
        except ValidationError as exc:
            erreurs.append(exc.messages[0])
        finally:
            connections.close_all()

    fils = [threading.Thread(target=lancer, args=(f,)) for f in fonctions]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    return resultats, erreurs


def test_un_seul_client_obtient_le_creneau(structure):
    court, long_ = type_rdv(structure, duree=30), type_rdv(structure, duree=60)
    debut = a_paris(2026, 11, 2, 9)

    def client(n):
        type_ = court if n % 2 else long_  # mêmes créneaux, durées différentes : chevauchement
        return lambda: actions.reserver(
            structure=structure,
            type_=type_,
            debut=debut,
            nom=f"Client {n}",
            telephone="0612345678",
            courriel="",
            maintenant=AVANT,
        )

    gagnants, perdants = en_parallele([client(n) for n in range(CLIENTS)])
    assert len(gagnants) == 1
    assert perdants == ["Ce créneau vient d'être pris : choisissez-en un autre."] * (CLIENTS - 1)
    assert RendezVous.objects.filter(structure=structure).count() == 1


def test_creneaux_differents_tous_reserves(structure):
    type_ = type_rdv(structure, duree=30)
    debuts = [
        a_paris(2026, 11, 2, 9, 0),
        a_paris(2026, 11, 2, 9, 30),
        a_paris(2026, 11, 2, 10),
        a_paris(2026, 11, 2, 14),
    ]
    gagnants, perdants = en_parallele(
        [
            (
                lambda d=d: actions.reserver(
                    structure=structure,
                    type_=type_,
                    debut=d,
                    nom="X",
                    telephone="",
                    courriel="x@exemple.fr",
                    maintenant=AVANT,
                )
            )
            for d in debuts
        ]
    )
    assert perdants == [] and len(gagnants) == len(debuts)
    assert sorted(RendezVous.objects.filter(structure=structure).values_list("debut", flat=True)) == sorted(
        debuts
    )
