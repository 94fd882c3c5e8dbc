"""Distances au plus proche (contre un calcul exhaustif sur les données réelles), agrégats, facteur de
détour, arrêts itinérants, commande idempotente."""

import io
from datetime import time
from math import inf

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from franceservices.couverture import calcul
from franceservices.couverture.models import CalculCouverture, DistanceCommune
from franceservices.structures.models import Structure
from franceservices.territoires.geo import haversine_km
from franceservices.territoires.models import Commune, TypeCommune, Zone

pytestmark = pytest.mark.django_db


def test_communes_pleines_et_ecart_avec_le_fichier():
    """Les communes pleines (34 969), pas les 37 590 lignes du fichier (arrondissements, déléguées, associées)."""
    assert Commune.objects.count() == 37_590
    pleines = Commune.objects.filter(type=TypeCommune.ACTUELLE)
    assert DistanceCommune.objects.count() == pleines.count() == 34_969
    population = pleines.aggregate(p=Sum("population"))["p"]
    assert DistanceCommune.objects.aggregate(p=Sum("population"))["p"] == population
    # Les arrondissements ne font que redécouper Paris, Lyon et Marseille : les ajouter doublerait.
    arrondissements = Commune.objects.filter(type=TypeCommune.ARRONDISSEMENT).aggregate(p=Sum("population"))
    plm = pleines.filter(code_insee__in=["75056", "69123", "13055"]).aggregate(p=Sum("population"))
    assert arrondissements["p"] == plm["p"]


def test_distances_identiques_au_calcul_exhaustif_sur_un_echantillon_reel():
    sites = list(Structure.objects.filter(latitude__isnull=False).values_list("pk", "latitude", "longitude"))
    lignes = list(
        DistanceCommune.objects.order_by("commune_id").values_list(
            "commune_id", "distance_km", "structure_id", "commune__latitude", "commune__longitude"
        )
    )
    echantillon = lignes[::191]  # ~180 communes de toute la France, outre-mer compris
    assert len(echantillon) > 180
    for _commune, distance, structure_id, lat, lon in echantillon:
        exhaustif = min(haversine_km(lat, lon, la, lo) for _, la, lo in sites)
        assert distance == pytest.approx(exhaustif, abs=1e-3)
        proche = next(s for s in sites if s[0] == structure_id)
        assert haversine_km(lat, lon, proche[1], proche[2]) == pytest.approx(exhaustif, abs=1e-6)


def test_plus_proches_cas_construits():
    sites = [
        calcul.Lieu.creer(1, 45.0, 5.0),
        calcul.Lieu.creer(2, 45.0, 5.2),
        calcul.Lieu.creer(3, -17.5, -149.5),
    ]
    origines = [
        calcul.Lieu.creer(10, 45.0, 5.13),  # plus près de 2
        calcul.Lieu.creer(11, 45.0, 5.1),  # à égale distance : le plus petit pk
        calcul.Lieu.creer(12, -17.6, -149.6),  # Tahiti
        calcul.Lieu.creer(13, 64.0, -150.0),  # loin de tout : repli sur tous les sites
        calcul.Lieu.creer(14, 45.0, 179.9),  # la longitude fait le tour
    ]
    resultats = calcul.plus_proches(origines, sites)
    for origine, (distance, pk) in zip(origines, resultats, strict=True):
        attendu = min(
            (haversine_km(origine.latitude, origine.longitude, s.latitude, s.longitude), s.pk) for s in sites
        )
        assert distance == pytest.approx(attendu[0], abs=1e-6)
        if origine.pk != 11:  # égalité exacte : l'un ou l'autre selon l'arrondi
            assert pk == attendu[1]
    assert resultats[0][1] == 2 and resultats[2][1] == 3
    assert calcul.plus_proches(origines, []) == [(inf, None)] * len(origines)
    # Borne : seuls les sites plus proches que la borne comptent.
    bornes = calcul.plus_proches(origines[:2], sites[:1], bornes=[1.0, 50.0])
    assert bornes[0] == (1.0, None)
    assert bornes[1][1] == 1


def test_agregats_coherents_departement_region_national():
    seuils = calcul.seuils_km()
    for mesure in (calcul.Mesure(), calcul.Mesure(route=True, facteur=1.3)):
        departements = calcul.par_departement(mesure, seuils)
        regions = calcul.par_region(departements, seuils)
        national = calcul.national(departements, seuils)
        assert (
            sum(d.population for d in departements)
            == DistanceCommune.objects.aggregate(p=Sum("population"))["p"]
        )
        for s in seuils:
            assert sum(r.couverte[s] for r in regions) == sum(d.couverte[s] for d in departements)
            assert national.couverte[s] == sum(
                d.couverte[s] for d in departements if d.zone in calcul.ZONES_NATIONALES
            )
            assert 0 <= national.couverte[s] <= national.population
        assert national.population == sum(r.population for r in regions if r.zone != Zone.COM)
        # Plus le seuil est grand, plus on couvre.
        for li in departements:
            parts = [li.couverte[s] for s in seuils]
            assert parts == sorted(parts)
    # Vérification directe d'un département : la population à ≤ 10 km comptée à la main.
    creuse = next(d for d in calcul.par_departement(calcul.Mesure(), seuils) if d.code == "23")
    a_la_main = sum(
        p
        for p, d in DistanceCommune.objects.filter(departement__code="23").values_list(
            "population", "distance_km"
        )
        if d <= 10
    )
    assert creuse.couverte[10] == a_la_main
    assert creuse.part(10) == pytest.approx(100 * a_la_main / creuse.population)


def test_facteur_de_detour():
    mesure = calcul.Mesure(route=True, facteur=1.3)
    assert mesure.limite_vol(20) == pytest.approx(20 / 1.3)
    assert mesure.distance(10) == pytest.approx(13)
    assert calcul.Mesure().limite_vol(20) == 20
    seuils = calcul.seuils_km()
    vol = calcul.national(calcul.par_departement(calcul.Mesure(), seuils), seuils)
    route = calcul.national(calcul.par_departement(mesure, seuils), seuils)
    plus_large = calcul.national(
        calcul.par_departement(calcul.Mesure(route=True, facteur=1.6), seuils), seuils
    )
    for s in seuils:
        assert plus_large.couverte[s] <= route.couverte[s] <= vol.couverte[s]
    assert route.distance_max == pytest.approx(vol.distance_max * 1.3)
    assert calcul.FACTEUR_DETOUR_DEFAUT == 1.3


def test_arrets_itinerants_comptent_comme_points_d_acces():
    from franceservices.rendezvous.models import Arret

    plus_loin = DistanceCommune.objects.filter(departement__code="48").order_by("-distance_km").first()
    commune = Commune.objects.get(pk=plus_loin.commune_id)
    bus = Structure.objects.filter(departement__code="48").first()
    Arret.objects.create(
        structure=bus,
        libelle="Place",
        commune=commune,
        jour_semaine=1,
        heure_debut=time(9),
        heure_fin=time(12),
    )
    resultat = calcul.calculer()
    ligne = next(li for li in resultat.lignes if li.commune_id == commune.pk)
    assert resultat.arrets == 1
    assert ligne.distance_acces_km == 0
    assert ligne.distance_km == pytest.approx(plus_loin.distance_km)
    assert all(li.distance_acces_km <= li.distance_km for li in resultat.lignes)


def test_commande_idempotente():
    avant = CalculCouverture.objects.count()
    sortie = io.StringIO()
    call_command("calculer_couverture", stdout=sortie)
    assert "Rien à faire" in sortie.getvalue()
    call_command("calculer_couverture", "--dry-run", stdout=sortie)
    assert "À jour" in sortie.getvalue()
    assert CalculCouverture.objects.count() == avant
    # Le registre change (une fiche modifiée) : recalcul, la table est remplacée, pas doublée.
    structure = Structure.objects.order_by("pk").first()
    structure.save()
    call_command("calculer_couverture", "--dry-run", stdout=sortie)
    assert "À recalculer" in sortie.getvalue()
    call_command("calculer_couverture", stdout=sortie)
    assert "Couverture calculée : 34969 communes" in sortie.getvalue()
    assert CalculCouverture.objects.count() == avant + 1
    assert DistanceCommune.objects.count() == 34_969
    assert calcul.a_jour(calcul.dernier_calcul())
    with pytest.raises(CommandError):
        call_command("calculer_couverture", "--facteur-detour", "0.5", stdout=sortie)
