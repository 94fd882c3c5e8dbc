"""Indicateurs vérifiés contre un calcul indépendant, fait à la main sur des demandes aux dates choisies."""

import random
from datetime import timedelta
from statistics import median

import pytest
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.rappels import actions
from franceservices.rappels.indicateurs import indicateurs
from franceservices.rappels.models import DemandeRappel, Resultat, Statut
from tests.comptes.factories import personne

from .fabriques import rappel, structure

pytestmark = pytest.mark.django_db


def test_indicateurs_contre_calcul_independant():
    aleatoire = random.Random(6)
    debut = timezone.now() - timedelta(days=30)
    s16, s16b, s15 = structure("16"), structure("16", 1), structure("15")
    agents = {s.pk: personne(Role.AGENT, structure=s) for s in (s16, s16b, s15)}
    attendu = []  # (structure_pk, departement_pk, issue, delai_heures)
    for i in range(40):
        s = aleatoire.choice([s16, s16b, s15])
        cree = debut + timedelta(hours=i * 7)
        r = rappel(structure=s, maintenant=cree)
        issue = aleatoire.choice(["joint", "injoignable", "ouvert", "abandon"])
        delai = aleatoire.randint(1, 96)
        if issue == "joint":
            actions.noter_tentative(
                par=agents[s.pk], rappel=r, resultat=Resultat.JOINT, maintenant=cree + timedelta(hours=delai)
            )
        elif issue == "injoignable":
            actions.noter_tentative(
                par=agents[s.pk],
                rappel=r,
                resultat=Resultat.PAS_DE_REPONSE,
                maintenant=cree + timedelta(hours=1),
            )
            actions.clore(
                par=agents[s.pk],
                rappel=r,
                resultat=Statut.INJOIGNABLE,
                maintenant=cree + timedelta(hours=delai),
            )
        elif issue == "abandon":
            actions.clore(
                par=agents[s.pk], rappel=r, resultat=Statut.ABANDONNE, maintenant=cree + timedelta(hours=2)
            )
        attendu.append((s.pk, s.departement_id, issue, delai))

    def verifier(lignes, obtenu):
        closes = [x for x in lignes if x[2] != "ouvert"]
        joints = [x for x in lignes if x[2] == "joint"]
        dans_cible = [x for x in joints if x[3] <= 48]
        assert obtenu.demandes == len(lignes)
        assert obtenu.closes == len(closes)
        assert obtenu.joints == len(joints)
        assert obtenu.dans_la_cible == len(dans_cible)
        assert obtenu.part_joints == (pytest.approx(len(joints) / len(closes)) if closes else None)
        assert obtenu.part_dans_la_cible == (pytest.approx(len(dans_cible) / len(closes)) if closes else None)
        assert obtenu.delai_median_heures == (pytest.approx(median(x[3] for x in joints)) if joints else None)

    qs = DemandeRappel.objects.filter(cree_le__gte=debut)
    verifier(attendu, indicateurs(qs=qs))
    for s in (s16, s16b, s15):
        verifier([x for x in attendu if x[0] == s.pk], indicateurs(structure=s, qs=qs))
    for d in {s16.departement, s15.departement}:
        verifier([x for x in attendu if x[1] == d.pk], indicateurs(departement=d, qs=qs))
    assert any(x[2] == "joint" for x in attendu) and any(x[2] == "ouvert" for x in attendu)


def test_indicateurs_vides():
    vide = indicateurs(debut=timezone.now() + timedelta(days=365))
    assert vide.demandes == 0 and vide.part_joints is None and vide.delai_median_heures is None
