"""Statistiques des orientations : chiffres exacts, identiques à la référence naïve, bornés au périmètre."""

from datetime import timedelta

import pytest

from franceservices.comptes.perimetre import perimetre_de
from franceservices.orientations import actions, statistiques
from franceservices.orientations.models import Etat, Orientation, Sens

from .conftest import orienter


@pytest.fixture
def jeu(monde):
    h = timedelta(hours=1)
    o1 = orienter(monde, il_y_a=10 * h)
    actions.changer_etat(par=monde["cnfs"], orientation_id=o1.pk, etat=Etat.ACCEPTEE)  # 10 h
    o2 = orienter(monde, il_y_a=30 * h)
    actions.changer_etat(par=monde["cnfs"], orientation_id=o2.pk, etat=Etat.DECLINEE, motif="Complet")  # 30 h
    o3 = orienter(monde, lieu=monde["lieu_b"], il_y_a=4 * h)
    actions.changer_etat(par=monde["cnfs_b"], orientation_id=o3.pk, etat=Etat.ACCEPTEE)  # 4 h
    actions.changer_etat(par=monde["cnfs_b"], orientation_id=o3.pk, etat=Etat.SANS_SUITE)
    orienter(monde, sens=Sens.VERS_FRANCE_SERVICES, besoin="demarche")  # en attente
    orienter(monde, structure=monde["s33"], lieu=monde["lieu_33"], par=monde["agent_33"])
    return monde


def test_national_par_region_exact(jeu):
    lignes, total = statistiques.statistiques(Orientation.objects.all(), "region")
    assert total.total == 5
    assert total.par_sens == {Sens.VERS_MEDIATION: 4, Sens.VERS_FRANCE_SERVICES: 1}
    assert total.par_etat == {Etat.ACCEPTEE: 1, Etat.DECLINEE: 1, Etat.SANS_SUITE: 1, Etat.ENVOYEE: 2}
    assert (total.repondues, total.acceptees, total.part_acceptee) == (3, 2, 66.7)
    assert total.delai_median == 10.0 and total.delai_90 == 30
    na = {ligne.libelle: ligne.total for ligne in lignes}
    assert na == {"Nouvelle-Aquitaine": 5}
    naives, total_naif = statistiques.statistiques_naives(Orientation.objects.all(), "region")
    assert [ligne.resume() for ligne in lignes] == [ligne.resume() for ligne in naives]
    assert total.resume() == total_naif.resume()


@pytest.mark.parametrize("portee", ["departement", "structure", "lieu"])
def test_identique_a_la_reference(jeu, portee):
    sql, _ = statistiques.statistiques(Orientation.objects.all(), portee)
    naif, _ = statistiques.statistiques_naives(Orientation.objects.all(), portee)
    assert [ligne.resume() for ligne in sql] == [ligne.resume() for ligne in naif]


def test_portees(jeu):
    qs, groupe, _ = statistiques.portee_de(perimetre_de(jeu["animateur"]))
    assert groupe == "departement" and qs.count() == 4
    qs, groupe, _ = statistiques.portee_de(perimetre_de(jeu["prefecture"]))
    assert qs.count() == 1
    qs, groupe, _ = statistiques.portee_de(perimetre_de(jeu["cnfs_b"]))
    assert groupe == "lieu" and qs.count() == 1
    qs, groupe, _ = statistiques.portee_de(perimetre_de(jeu["agent_b"]))
    assert groupe == "structure" and qs.count() == 0
    assert statistiques.portee_de(perimetre_de(jeu["sans_role"])) is None


def test_requetes_en_nombre_fixe(jeu, django_assert_num_queries):
    with django_assert_num_queries(2):
        statistiques.statistiques(Orientation.objects.all(), "departement")
