"""Placement : glouton contre l'optimum exact sur petits cas construits (garantie 1 − 1/e), outils de
masques et de poids, et le placement sur un vrai département."""

import random

import pytest

from franceservices.couverture import calcul, placement
from franceservices.couverture.placement import Poids, glouton, optimum_exact
from franceservices.territoires.geo import haversine_km
from franceservices.territoires.models import Departement


def _masque(*bits):
    return sum(1 << b for b in bits)


def test_poids_par_octets():
    hasard = random.Random(3)
    populations = [hasard.randint(0, 5000) for _ in range(37)]
    poids = Poids(populations)
    for _ in range(200):
        masque = hasard.getrandbits(37)
        assert poids(masque) == sum(p for i, p in enumerate(populations) if masque >> i & 1)
    assert poids(0) == 0
    assert Poids([])(0) == 0


def test_glouton_sous_optimal_sur_le_cas_classique():
    """Deux grands ensembles disjoints battent l'ensemble du milieu que le glouton prend d'abord."""
    masques = [_masque(0, 1, 2), _masque(3, 4, 5), _masque(1, 2, 3, 4)]
    poids = Poids([10, 10, 10, 10, 10, 10])
    choix = glouton(masques, poids, 2)
    assert [i for i, _ in choix] == [2, 0]
    assert sum(g for _, g in choix) == 50
    valeur, indices = optimum_exact(masques, poids, 2)
    assert (valeur, indices) == (60, (0, 1))
    assert placement.garantie(2) * 60 <= 50


def test_glouton_et_optimum_sur_petits_cas_aleatoires():
    hasard = random.Random(20261127)
    ecarts = []
    for _ in range(150):
        demandes = hasard.randint(5, 14)
        candidats = hasard.randint(3, 9)
        poids = Poids([hasard.randint(1, 1000) for _ in range(demandes)])
        masques = [hasard.getrandbits(demandes) & hasard.getrandbits(demandes) for _ in range(candidats)]
        k = hasard.randint(1, 4)
        gain = sum(g for _, g in glouton(masques, poids, k))
        optimum, indices = optimum_exact(masques, poids, k)
        assert len(indices) <= k
        assert gain <= optimum
        assert gain >= placement.garantie(k) * optimum - 1e-9
        assert placement.garantie(k) >= 1 - 1 / 2.718281828459045
        ecarts.append(gain / optimum if optimum else 1)
    assert min(ecarts) < 1  # les cas construits contiennent des pièges pour le glouton
    assert sum(ecarts) / len(ecarts) > 0.9


def test_gains_marginaux_decroissants_et_arret_sans_gain():
    poids = Poids([5, 5, 5])
    masques = [_masque(0), _masque(0, 1), 0, _masque(2)]
    choix = glouton(masques, poids, 10)
    assert [g for _, g in choix] == [10, 5]
    assert optimum_exact(masques, poids, 0) == (0, ())


def test_optimum_exact_refuse_les_enumerations_trop_longues(monkeypatch):
    monkeypatch.setattr(placement, "LIMITE_COMBINAISONS", 10)
    masques = [1 << i for i in range(10)]
    assert optimum_exact(masques, Poids([1] * 10), 3) is None


def test_masques_couverture_contre_haversine():
    hasard = random.Random(7)
    candidats = [(45 + hasard.random(), 3 + hasard.random()) for _ in range(30)]
    demandes = [(45 + hasard.random(), 3 + hasard.random()) for _ in range(40)]
    masques = placement.masques_couverture(candidats, demandes, 20)
    for (la, lo), masque in zip(candidats, masques, strict=True):
        for j, (lb, lob) in enumerate(demandes):
            d = haversine_km(la, lo, lb, lob)
            if abs(d - 20) > 1e-6:
                assert bool(masque >> j & 1) == (d <= 20)


@pytest.mark.django_db
@pytest.mark.parametrize("route", [False, True])
def test_placement_sur_un_vrai_departement(route):
    lozere = Departement.objects.get(code="48")
    mesure = calcul.Mesure(route=route, facteur=1.3)
    resultat = placement.placer(lozere, k=3, rayon_km=10, mesure=mesure)
    communes = placement.donnees_departement(lozere, mesure)
    non_couvertes = [c for c in communes if c.distance_km > 10 and c.population > 0]
    assert resultat.non_couverte == sum(c.population for c in non_couvertes) > 0
    assert len(resultat.propositions) == 3
    gains = [p.gain for p in resultat.propositions]
    assert gains == sorted(gains, reverse=True)
    assert resultat.propositions[-1].cumul == sum(gains) <= resultat.non_couverte
    # Vérification indépendante : population à ≤ 10 km (selon la mesure) d'au moins une proposition.
    rayon_vol = 10 / 1.3 if route else 10
    couverte = sum(
        c.population
        for c in non_couvertes
        if any(
            haversine_km(c.latitude, c.longitude, p.commune.latitude, p.commune.longitude) <= rayon_vol
            for p in resultat.propositions
        )
    )
    assert couverte == resultat.gagnee
    # Au rayon de 30 km à vol d'oiseau, toute la Lozère est couverte : rien à proposer.
    assert placement.placer(lozere, k=3, rayon_km=30, mesure=calcul.Mesure()).propositions == []


@pytest.mark.django_db
def test_placement_glouton_proche_de_l_optimum_sur_un_vrai_departement():
    lozere = Departement.objects.get(code="48")
    communes = placement.donnees_departement(lozere, calcul.Mesure())
    demandes = [c for c in communes if c.distance_km > 10 and c.population > 0]
    masques = placement.masques_couverture(
        [(c.latitude, c.longitude) for c in communes], [(c.latitude, c.longitude) for c in demandes], 10
    )
    poids = Poids([c.population for c in demandes])
    for k in (1, 2):
        gain = sum(g for _, g in glouton(masques, poids, k))
        optimum, _ = optimum_exact(masques, poids, k)
        assert placement.garantie(k) * optimum <= gain <= optimum
