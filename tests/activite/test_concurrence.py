"""Écritures concurrentes sur PostgreSQL : une même soumission envoyée en parallèle est enregistrée une
fois ; des écritures parallèles sur les mêmes lignes d'agrégats ne perdent aucun incrément.

Les fils écrivent par leurs propres connexions des données validées : pas de transaction de test ici, ni
`transaction=True` (qui viderait toutes les tables, référentiel compris) ; le test efface ce qu'il a écrit."""

import threading
import uuid
from datetime import date

import pytest
from django.db import connection, connections

from franceservices.activite import actions, agregats
from franceservices.activite.models import Agregat, AgregatDepartement, Demande, Dimension
from franceservices.structures.models import Structure

from .fabriques import demande

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrence réelle : PostgreSQL")


def en_parallele(fonctions):
    erreurs = []
    depart = threading.Barrier(len(fonctions))

    def lancer(f):
        try:
            depart.wait()
            f()
        except Exception as exc:  # remonté au test
            erreurs.append(exc)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=lancer, args=(f,)) for f in fonctions]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert erreurs == []


@pytest.fixture
def structure(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        try:
            yield Structure.objects.filter(departement__code="16").order_by("pk").first()
        finally:
            Demande.objects.all().delete()
            Agregat.objects.all().delete()
            AgregatDepartement.objects.all().delete()


def test_meme_soumission_en_parallele_enregistree_une_fois(structure):
    cle = uuid.uuid4()
    en_parallele([lambda: actions.enregistrer([demande(structure, cle_client=cle)]) for _ in range(8)])
    assert Demande.objects.filter(cle_client=cle).count() == 1
    assert Agregat.objects.get(structure=structure, dimension=Dimension.TOTAL).nombre == 1


def test_ecritures_paralleles_aucun_increment_perdu(structure):
    def dix_visites():
        for _ in range(10):
            actions.enregistrer([demande(structure), demande(structure)])

    en_parallele([dix_visites for _ in range(6)])
    assert Demande.objects.count() == 120
    assert Agregat.objects.get(structure=structure, dimension=Dimension.TOTAL).nombre == 120
    assert agregats.reconcilier(date(2026, 1, 1), date(2026, 12, 1)) == []
