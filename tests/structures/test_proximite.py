"""Plus proches voisins (grille en mémoire) : identiques à un calcul exhaustif sur les données réelles."""

import heapq
import random
import time
from datetime import datetime
from math import floor
from zoneinfo import ZoneInfo

import pytest

from franceservices.structures import proximite
from franceservices.structures.models import Structure
from franceservices.structures.proximite import IndexProximite, Point, borne_hors_anneaux
from franceservices.territoires.geo import haversine_km
from franceservices.territoires.models import Commune

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
CODES_PARTICULIERS = [
    "97411",
    "97302",
    "98818",
    "2A004",
    "2B033",
    "97209",
    "97611",
    "75056",
    "29155",
    "59350",
]


@pytest.fixture(scope="module")
def lieux(django_db_blocker):
    with django_db_blocker.unblock():
        return list(Structure.objects.values_list("pk", "latitude", "longitude"))


@pytest.fixture(scope="module")
def communes_echantillon(django_db_blocker):
    """Une commune sur 110 (ordre du code INSEE) et quelques communes d'outre-mer et de Corse."""
    with django_db_blocker.unblock():
        communes = list(Commune.objects.select_related("commune_parente").order_by("code_insee", "type"))
    echantillon = communes[::110]
    deja = {c.pk for c in echantillon}
    echantillon += [c for c in communes if c.code_insee in CODES_PARTICULIERS and c.pk not in deja]
    return [(c.code_insee, *c.position) for c in echantillon if c.position is not None]


@pytest.fixture(scope="module")
def index(django_db_blocker):
    with django_db_blocker.unblock():
        proximite.invalider_index()
        return proximite.index()


def exhaustif(lieux, lat, lon, k, garder=None):
    """Les k plus proches par calcul exhaustif : [(distance, pk)] triés par distance puis pk."""
    return heapq.nsmallest(
        k,
        ((haversine_km(lat, lon, la, lo), pk) for pk, la, lo in lieux if garder is None or pk in garder),
    )


def comparer(obtenus, attendus, contexte):
    assert [pk for _, pk in obtenus] == [pk for _, pk in attendus], contexte
    for (d1, _), (d2, _) in zip(obtenus, attendus, strict=True):
        assert abs(d1 - d2) <= 1e-9, contexte


def test_echantillon(communes_echantillon, lieux):
    assert len(communes_echantillon) >= 300
    codes = {code for code, _, _ in communes_echantillon}
    assert {"97411", "97302", "2A004"} <= codes
    assert len(lieux) == 2845


def test_index_contient_tous_les_lieux(index, lieux):
    assert sorted((p.pk, p.latitude, p.longitude) for p in index.points) == sorted(lieux)


@pytest.mark.parametrize("k", [1, 10, 50])
def test_identique_au_calcul_exhaustif(index, lieux, communes_echantillon, k):
    echantillon = communes_echantillon if k == 10 else communes_echantillon[::4]
    for code, lat, lon in echantillon:
        comparer(index.plus_proches(lat, lon, k), exhaustif(lieux, lat, lon, k), (code, k))


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (90, 180),
        (-90, -180),
        (0, 0),
        (0, 179.99),
        (0, -180),
        (89.9, 45),
        (-21.1, 55.5),
        (46.5, 2.5),
        (42.0, 9.0),
    ],
)
def test_points_extremes(index, lieux, lat, lon):
    comparer(index.plus_proches(lat, lon, 10), exhaustif(lieux, lat, lon, 10), (lat, lon))


def test_egalites_departagees_par_pk(lieux):
    """Plusieurs lieux au même endroit : l'ordre suit le pk, comme dans le calcul exhaustif."""
    points = [Point.creer(pk, 48.0, -0.7) for pk in (7, 3, 5, 1)] + [Point.creer(9, 48.1, -0.7)]
    idx = IndexProximite(points)
    assert [pk for _, pk in idx.plus_proches(48.0, -0.7, 3)] == [1, 3, 5]
    assert [pk for _, pk in idx.plus_proches(48.0, -0.7, 10)] == [1, 3, 5, 7, 9]
    # Dans les données réelles, des lieux partagent leurs coordonnées.
    assert len({(la, lo) for _, la, lo in lieux}) < len(lieux)


def test_cas_limites(index):
    assert index.plus_proches(48.0, -0.7, 0) == []
    assert index.plus_proches(48.0, -0.7, 5, filtre=lambda pk: False) == []
    assert IndexProximite([]).plus_proches(48.0, -0.7, 5) == []
    tous = index.plus_proches(48.0, -0.7, 5000)
    assert len(tous) == 2845
    assert [d for d, _ in tous] == sorted(d for d, _ in tous)


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 3, 3, 10, 0, tzinfo=PARIS),  # mardi matin
        datetime(2026, 3, 7, 11, 0, tzinfo=PARIS),  # samedi
        datetime(2026, 3, 4, 12, 30, tzinfo=PARIS),  # mercredi, pause de midi
        datetime(2026, 12, 25, 10, 0, tzinfo=PARIS),  # Noël
    ],
)
def test_filtre_ouvert_le_identique_au_calcul_exhaustif(index, lieux, communes_echantillon, instant):
    ouverts = {s.pk for s in Structure.objects.pour_affichage() if s.ouvert_a(instant)}
    for code, lat, lon in communes_echantillon[::3]:
        obtenus = index.plus_proches(lat, lon, 10, filtre=lambda pk: index.ouvert_a(pk, instant))
        comparer(obtenus, exhaustif(lieux, lat, lon, 10, ouverts), (code, instant))
    if instant.month == 12:
        # Noël est férié partout : plus aucun lieu ouvert.
        assert ouverts == set()
    else:
        assert 100 < len(ouverts) < 2845


def test_filtre_qui_ecarte_tout_reste_rapide(index):
    """Sans lieu ouvert (nuit, dimanche, jour férié), la recherche s'arrête une fois tous les lieux vus
    au lieu de parcourir tout le globe cellule par cellule (1 s par requête auparavant)."""
    debut = time.perf_counter()
    for lat, lon in [(48.0, -0.7), (-21.1, 55.5), (4.9, -52.3), (-22.3, 166.4), (42.0, 9.0)] * 4:
        assert index.plus_proches(lat, lon, 10, filtre=lambda pk: False) == []
    assert time.perf_counter() - debut < 4


def test_structures_proches(index):
    laval = Commune.objects.par_code("53130")
    resultats = proximite.structures_proches(*laval.position, 10)
    assert len(resultats) == 10
    assert [s.pk for s, _ in resultats] == [pk for _, pk in index.plus_proches(*laval.position, 10)]
    assert resultats[0][0].departement.code == "53"
    assert resultats[0][1] < 5
    mardi = datetime(2026, 3, 3, 10, 0, tzinfo=PARIS)
    ouverts = proximite.structures_proches(*laval.position, 10, ouvert_le=mardi)
    assert ouverts and all(s.ouvert_a(mardi) for s, _ in ouverts)


def _anneau(lat, lon, lat2, lon2) -> int:
    """Rang de l'anneau de la grille (autour de la cellule du point) qui contient l'autre point."""
    taille = proximite.TAILLE_CELLULE
    tour = round(360 / taille)
    di = abs(floor(lat2 / taille) - floor(lat / taille))
    dj = abs(floor(lon2 / taille) - floor(lon / taille)) % tour
    return max(di, min(dj, tour - dj))


def test_borne_hors_anneaux_est_un_minorant():
    """Tout lieu hors des anneaux 0..r est au moins à borne_hors_anneaux(lat, r) km."""
    alea = random.Random(0)
    taille = proximite.TAILLE_CELLULE
    verifies = 0
    for n in range(40_000):
        lat = alea.uniform(-89.99, 89.99)
        lon = alea.uniform(-180, 180)
        r = alea.randint(0, 40)
        if n % 4 == 0:  # n'importe où sur le globe
            lat2, lon2 = alea.uniform(-90, 90), alea.uniform(-180, 180)
        else:  # juste autour de l'anneau r+1, là où la borne est la plus serrée
            ecart = (r + 2) * taille
            lat2 = max(-90.0, min(90.0, lat + alea.uniform(-ecart, ecart)))
            lon2 = (lon + alea.uniform(-ecart, ecart) + 180) % 360 - 180
        if _anneau(lat, lon, lat2, lon2) <= r:
            continue
        verifies += 1
        assert haversine_km(lat, lon, lat2, lon2) >= borne_hors_anneaux(lat, r) - 1e-9, (
            lat,
            lon,
            lat2,
            lon2,
            r,
        )
    assert verifies > 10_000


def test_borne_hors_anneaux_positive_et_utile():
    for lat in (-89.5, -45.0, 0.0, 16.2, 48.0, 89.5):
        bornes = [borne_hors_anneaux(lat, r) for r in range(60)]
        assert bornes[0] == 0
        assert all(b >= 0 for b in bornes)
    # Aux latitudes habitées, la borne grandit avec r : la recherche s'arrête vite.
    bornes = [borne_hors_anneaux(48.0, r) for r in range(20)]
    assert bornes == sorted(bornes)
    assert bornes[-1] > 500


@pytest.mark.django_db
def test_fiches_proches_etat_a_la_seconde_pres():
    """L'état mis en cache par minute est exactement celui calculé à l'instant (plages à la minute)."""
    from datetime import time as heure

    from franceservices.structures.proximite import fiches_proches

    paris = ZoneInfo("Europe/Paris")
    etats = {}
    for texte in ["11:59:00", "11:59:59", "12:00:00", "12:00:59", "08:59:30", "09:00:00", "13:29:59.999999"]:
        instant = datetime.combine(
            datetime(2026, 12, 1).date(), heure.fromisoformat(texte), paris
        )  # un mardi
        fiches = fiches_proches(48.07, -0.77, 20, None, instant)  # autour de Laval
        assert len(fiches) == 20
        ids = [f["id_fs"] for f in fiches]
        structures = Structure.objects.pour_affichage().in_bulk(ids, field_name="id_fs")
        for fiche in fiches:
            structure = structures[fiche["id_fs"]]
            assert fiche["ouvert_maintenant"] == structure.ouvert_a(instant), (texte, fiche["id_fs"])
            assert fiche["prochaine_ouverture"] == structure.prochaine_ouverture(instant), (
                texte,
                fiche["id_fs"],
            )
        etats[texte] = [f["ouvert_maintenant"] for f in fiches]
    # Le test est sensible : des lieux ferment à midi, l'état change entre 11:59:59 et 12:00:00.
    assert etats["11:59:00"] == etats["11:59:59"]
    assert etats["11:59:59"] != etats["12:00:00"]
