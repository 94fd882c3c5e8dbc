"""Recherche des France services les plus proches : index en mémoire, exact (haversine).

Les ~2 800 lieux tiennent en mémoire ; une grille de cellules de 1° permet de n'examiner que les
cellules voisines, élargies anneau par anneau jusqu'à ce que la k-ième distance trouvée soit
inférieure à la distance minimale possible vers l'anneau suivant : le résultat est identique à un
calcul exhaustif (vérifié par les tests sur les données réelles), en une fraction du temps.
"""

import heapq
import threading
import time as horloge
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from math import asin, cos, floor, pi, radians, sin, sqrt

from django.db.models import Count, Max

from franceservices.territoires.feries import est_ferie_pour
from franceservices.territoires.geo import RAYON_TERRE_KM

from .horaires import HorairesSemaine, fuseau_du_departement
from .models import Structure
from .serialisation import resume

TAILLE_CELLULE = 0.5  # degré (mesuré : 0,5° est plus rapide que 1° ou 0,25° sur le registre réel)
DELAI_VERIFICATION_S = 5.0


@dataclass(frozen=True)
class Point:
    pk: int
    latitude: float
    longitude: float
    phi: float = 0.0  # latitude en radians
    lam: float = 0.0  # longitude en radians
    cos_phi: float = 1.0

    @classmethod
    def creer(cls, pk: int, latitude: float, longitude: float) -> "Point":
        phi = radians(latitude)
        return cls(pk, latitude, longitude, phi, radians(longitude), cos(phi))


class IndexProximite:
    def __init__(
        self,
        points: list[Point],
        horaires: dict[int, tuple[HorairesSemaine, str]] | None = None,
        fiches: dict[int, dict] | None = None,
    ):
        self.points = points
        self.horaires = horaires or {}
        self.fiches = fiches or {}  # représentation publique précalculée (API)
        self.cellules: dict[tuple[int, int], list[Point]] = {}
        for point in points:
            self.cellules.setdefault(self._cellule(point.latitude, point.longitude), []).append(point)
        self.max_anneau = round(180 / TAILLE_CELLULE) + 1

    @staticmethod
    def _cellule(lat: float, lon: float) -> tuple[int, int]:
        tour = round(360 / TAILLE_CELLULE)
        return (floor(lat / TAILLE_CELLULE), ((floor(lon / TAILLE_CELLULE) + tour // 2) % tour) - tour // 2)

    def _anneau(self, centre: tuple[int, int], r: int):
        ci, cj = centre
        if r == 0:
            yield (ci, cj)
            return
        for dj in range(-r, r + 1):
            yield (ci - r, cj + dj)
            yield (ci + r, cj + dj)
        for di in range(-r + 1, r):
            yield (ci + di, cj - r)
            yield (ci + di, cj + r)

    def plus_proches(
        self, lat: float, lon: float, k: int, filtre: Callable[[int], bool] | None = None
    ) -> list[tuple[float, int]]:
        """[(distance_km, pk)] des k plus proches (ceux qui passent le filtre), triés par distance puis pk."""
        if not self.points or k <= 0:
            return []
        centre = self._cellule(lat, lon)
        phi, lam = radians(lat), radians(lon)
        cos_phi = cos(phi)
        diametre = 2 * RAYON_TERRE_KM
        tas: list[tuple[float, int]] = []  # tas « max » : (-distance, -pk)
        visitees: set[tuple[int, int]] = set()
        tour = round(360 / TAILLE_CELLULE)
        demi_tour = tour // 2
        for r in range(self.max_anneau + 1):
            dernier = (2 * r + 1) ** 2 > len(self.points)
            if dernier:
                # Les anneaux couvrent plus de cellules qu'il n'y a de lieux (lieux lointains, ou
                # filtre qui écarte presque tout : la nuit, le dimanche, un jour férié) : on finit par les
                # cellules occupées restantes plutôt que de parcourir le globe cellule par cellule
                # (jusqu'à 260 000 cellules, ~1 s par requête auparavant). Le résultat reste exact.
                lots = [points for cellule, points in self.cellules.items() if cellule not in visitees]
            else:
                lots = []
                for i, j in self._anneau(centre, r):
                    cellule = (i, ((j + demi_tour) % tour) - demi_tour)  # la longitude fait le tour
                    if cellule in visitees:
                        continue
                    visitees.add(cellule)
                    if cellule in self.cellules:
                        lots.append(self.cellules[cellule])
            for points in lots:
                for point in points:
                    if filtre is not None and not filtre(point.pk):
                        continue
                    # haversine, avec les radians et cosinus précalculés du lieu
                    a = (
                        sin((point.phi - phi) / 2) ** 2
                        + cos_phi * point.cos_phi * sin((point.lam - lam) / 2) ** 2
                    )
                    element = (-diametre * asin(min(1.0, sqrt(a))), -point.pk)
                    if len(tas) < k:
                        heapq.heappush(tas, element)
                    elif element > tas[0]:
                        heapq.heapreplace(tas, element)
            if dernier or (len(tas) == k and borne_hors_anneaux(lat, r) > -tas[0][0]):
                break
        return sorted((-d, -pk) for d, pk in tas)

    def plus_proches_ouverts(self, lat: float, lon: float, k: int, ouvert_le=None) -> list[tuple[float, int]]:
        """Les k plus proches, parmi ceux ouverts à `ouvert_le` quand il est donné."""
        filtre = (lambda pk: self.ouvert_a(pk, ouvert_le)) if ouvert_le is not None else None
        return self.plus_proches(lat, lon, k, filtre)

    def ouvert_a(self, pk: int, instant) -> bool:
        semaine, code_dep = self.horaires[pk]
        return (
            semaine.plage_a(instant, fuseau_du_departement(code_dep), partial(est_ferie_pour, code_dep))
            is not None
        )

    def prochaine_ouverture(self, pk: int, instant):
        semaine, code_dep = self.horaires[pk]
        return semaine.prochaine_ouverture(
            instant, fuseau_du_departement(code_dep), partial(est_ferie_pour, code_dep)
        )


def borne_hors_anneaux(lat: float, r: int) -> float:
    """Distance minimale (km) entre le point et tout lieu situé hors des anneaux 0..r de la grille.

    Un tel lieu est à au moins r cellules en latitude (d ≥ R·Δφ) ou en longitude ; dans ce second cas,
    hav(d) ≥ cos²φmax · hav(Δλ) avec φmax la latitude absolue la plus haute possible dans la bande.
    """
    ecart = radians(r * TAILLE_CELLULE)
    borne_lat = RAYON_TERRE_KM * ecart
    phi_max = radians(min(90.0, abs(lat) + r * TAILLE_CELLULE))
    borne_lon = 2 * RAYON_TERRE_KM * asin(min(1.0, cos(phi_max) * sin(min(ecart, pi) / 2)))
    return min(borne_lat, borne_lon)


_verrou = threading.Lock()
_etat: dict = {"index": None, "version": None, "verifie_a": 0.0}


def _version():
    return tuple(
        Structure.objects.filter(latitude__isnull=False, longitude__isnull=False)
        .aggregate(n=Count("pk"), m=Max("modifie_le"))
        .values()
    )


def index() -> IndexProximite:
    """L'index du processus ; reconstruit quand le registre a changé (vérifié toutes les 5 s)."""
    maintenant = horloge.monotonic()
    if _etat["index"] is not None and maintenant - _etat["verifie_a"] < DELAI_VERIFICATION_S:
        return _etat["index"]
    with _verrou:
        version = _version()
        if _etat["index"] is None or version != _etat["version"]:
            points, horaires = [], {}
            lignes = (
                Structure.objects.filter(latitude__isnull=False, longitude__isnull=False)
                .values_list("pk", "latitude", "longitude", "horaires", "departement__code")
                .iterator(chunk_size=1000)
            )
            for pk, lat, lon, donnees_horaires, code_dep in lignes:
                if -90 <= lat <= 90 and -180 <= lon <= 180:
                    points.append(Point.creer(pk, lat, lon))
                    horaires[pk] = (HorairesSemaine.depuis_json(donnees_horaires), code_dep)
            fiches = {s.pk: resume(s) for s in Structure.objects.pour_affichage().filter(pk__in=horaires)}
            _etat.update(index=IndexProximite(points, horaires, fiches), version=version)
        _etat["verifie_a"] = maintenant
        return _etat["index"]


def invalider_index() -> None:
    _etat.update(index=None, version=None, verifie_a=0.0)


def structures_proches(lat: float, lon: float, limite: int, ouvert_le=None) -> list[tuple[Structure, float]]:
    """Les France services les plus proches (ouvertes à `ouvert_le` si donné), avec leur distance en km."""
    resultats = index().plus_proches_ouverts(lat, lon, limite, ouvert_le)
    structures = Structure.objects.pour_affichage().in_bulk([pk for _, pk in resultats])
    return [(structures[pk], d) for d, pk in resultats if pk in structures]


def fiches_proches(lat: float, lon: float, limite: int, ouvert_le, maintenant) -> list[dict]:
    """Pour l'API : fiches publiques des plus proches, sans requête SQL (tout est dans l'index).

    Les plages commencent et finissent à la minute : l'état d'un lieu (ouvert, prochaine ouverture)
    est le même pour tout instant d'une même minute. On le calcule donc une fois par lieu et par minute.
    """
    idx = index()
    minute = maintenant.replace(second=0, microsecond=0)
    courant = _etats[0]  # un seul accès : sûr entre fils d'exécution
    if courant[0] != minute or courant[1] is not idx:
        courant = _etats[0] = (minute, idx, {})
    valeurs = courant[2]
    fiches = []
    for distance, pk in idx.plus_proches_ouverts(lat, lon, limite, ouvert_le):
        if pk not in valeurs:
            valeurs[pk] = (idx.ouvert_a(pk, minute), idx.prochaine_ouverture(pk, minute))
        ouvert, prochaine = valeurs[pk]
        fiches.append(
            {
                **idx.fiches[pk],
                "distance_km": round(distance, 2),
                "ouvert_maintenant": ouvert,
                "prochaine_ouverture": prochaine,
            }
        )
    return fiches


_etats: list[tuple] = [(None, None, {})]  # (minute, index, {pk: (ouvert, prochaine ouverture)})
