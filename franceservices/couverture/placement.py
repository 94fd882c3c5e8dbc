"""Où ouvrir k nouveaux points d'accès dans un département : couverture maximale, heuristique gloutonne.

Problème (« maximal covering location problem », Church et ReVelle, 1974) : parmi les communes candidates
du département, choisir k emplacements qui couvrent le plus de population non couverte. Une commune est
**non couverte** quand sa distance au point d'accès existant le plus proche (où qu'il soit : les sites
des départements voisins comptent ; arrêts itinérants compris si on le demande) dépasse le rayon R ;
elle est couverte par un candidat quand elle est à ≤ R de lui. Distances : celles du dernier calcul de
couverture, à vol d'oiseau ou en route estimée (facteur de détour × vol d'oiseau : R route ⇔ R / facteur
à vol d'oiseau), au choix ; les candidats sont les communes pleines du département, à leur centre.

**Glouton** : à chaque tour, le candidat qui ajoute le plus de population non encore couverte (égalités :
la commune la plus peuplée, puis le code INSEE). La fonction de couverture est sous-modulaire : le glouton
garantit au moins 1 − (1 − 1/k)^k ≥ 1 − 1/e ≈ 63 % de l'optimum (Nemhauser, Wolsey et Fisher, 1978) ;
en pratique il en est bien plus près (mesuré sur petits cas contre l'énumération exacte : tests et banc).

**Représentation** : l'ensemble des communes que couvre un candidat est un entier (un bit par commune non
couverte) ; la population d'un ensemble se lit octet par octet dans des tables précalculées. Une
« option arrêts de bus » propose des arrêts d'une France services itinérante plutôt que des sites fixes :
même calcul, libellés différents.
"""

import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import combinations
from math import comb

from franceservices.territoires.models import Commune, Departement, TypeCommune

from .calcul import Mesure, km_en_corde2, vecteur
from .models import DistanceCommune

K_MAX = 10
RAYONS_KM = (10, 20, 30)
LIMITE_COMBINAISONS = 3_000_000  # au-delà, l'optimum exact n'est pas calculé (énumération trop longue)


class Poids:
    """Population d'un ensemble de communes (entier-masque) : somme par octets via des tables."""

    def __init__(self, populations: list[int]):
        self.populations = populations
        self.octets = max(1, (len(populations) + 7) // 8)
        self.tables = []
        for o in range(self.octets):
            bloc = populations[8 * o : 8 * o + 8]
            table = [0] * 256
            for valeur in range(1, 256):
                bas = valeur & -valeur
                rang = bas.bit_length() - 1
                table[valeur] = table[valeur ^ bas] + (bloc[rang] if rang < len(bloc) else 0)
            self.tables.append(table)

    def __call__(self, masque: int) -> int:
        if not masque:
            return 0
        return sum(
            t[b] for t, b in zip(self.tables, masque.to_bytes(self.octets, "little"), strict=True) if b
        )


def glouton(
    masques: list[int], poids: Poids, k: int, departages: list[tuple] | None = None
) -> list[tuple[int, int]]:
    """[(indice du candidat, gain marginal)] dans l'ordre du choix ; s'arrête quand plus rien n'est gagné.

    `departages[i]` : clé d'égalité (plus petite = préférée) ; par défaut l'indice."""
    couvert = 0
    choix: list[tuple[int, int]] = []
    restants = [i for i, m in enumerate(masques) if m]
    for _ in range(k):
        meilleur, meilleur_gain, meilleure_cle = None, 0, None
        for i in restants:
            gain = poids(masques[i] & ~couvert)
            if gain <= 0:
                continue
            cle = departages[i] if departages else (i,)
            if gain > meilleur_gain or (gain == meilleur_gain and cle < meilleure_cle):
                meilleur, meilleur_gain, meilleure_cle = i, gain, cle
        if meilleur is None:
            break
        choix.append((meilleur, meilleur_gain))
        couvert |= masques[meilleur]
        restants = [i for i in restants if i != meilleur and masques[i] & ~couvert]
    return choix


def optimum_exact(masques: list[int], poids: Poids, k: int) -> tuple[int, tuple[int, ...]] | None:
    """(population couverte, indices) optimaux par énumération de toutes les combinaisons de k candidats.

    Les candidats qui ne couvrent rien, et ceux dont l'ensemble est identique à celui d'un autre, sont
    écartés d'abord (sans changer l'optimum). Renvoie None si l'énumération dépasserait
    LIMITE_COMBINAISONS."""
    uniques: dict[int, int] = {}
    for i, m in enumerate(masques):
        if m and m not in uniques:
            uniques[m] = i
    # Un ensemble inclus dans un autre n'est jamais nécessaire à l'optimum : on l'écarte aussi.
    liste = sorted(uniques.items(), key=lambda mi: -poids(mi[0]))
    gardes = []
    for m, i in liste:
        if not any((m | autre) == autre for autre, _ in gardes):
            gardes.append((m, i))
    k = min(k, len(gardes))
    if k == 0:
        return (0, ())
    if comb(len(gardes), k) > LIMITE_COMBINAISONS:
        return None
    meilleur, meilleurs = -1, ()
    for combinaison in combinations(range(len(gardes)), k):
        masque = 0
        for j in combinaison:
            masque |= gardes[j][0]
        valeur = poids(masque)
        if valeur > meilleur:
            meilleur, meilleurs = valeur, combinaison
    return meilleur, tuple(sorted(gardes[j][1] for j in meilleurs))


def garantie(k: int) -> float:
    """Part de l'optimum que le glouton garantit pour k choix : 1 − (1 − 1/k)^k (≥ 1 − 1/e)."""
    return 1 - (1 - 1 / k) ** k if k else 1.0


def masques_couverture(
    candidats: list[tuple[float, float]], demandes: list[tuple[float, float]], rayon_vol_km: float
) -> list[int]:
    """Pour chaque candidat (lat, lon), l'ensemble (masque) des demandes à ≤ rayon à vol d'oiseau."""
    limite = km_en_corde2(rayon_vol_km) * (1 + 1e-12)
    vd = [vecteur(lat, lon) for lat, lon in demandes]
    # Tri des demandes par latitude : un candidat n'examine que la bande de latitude utile.
    ordre = sorted(range(len(demandes)), key=lambda j: demandes[j][0])
    lats = [demandes[j][0] for j in ordre]
    marge = rayon_vol_km / 111.19 + 1e-6  # degrés de latitude (1° ≈ 111,19 km sur la sphère du calcul)
    masques = []
    for lat, lon in candidats:
        cx, cy, cz = vecteur(lat, lon)
        masque = 0
        for p in range(bisect_left(lats, lat - marge), bisect_right(lats, lat + marge)):
            j = ordre[p]
            x, y, z = vd[j]
            dx, dy, dz = x - cx, y - cy, z - cz
            if dx * dx + dy * dy + dz * dz <= limite:
                masque |= 1 << j
        masques.append(masque)
    return masques


# — Sur les données : un département —


@dataclass(frozen=True)
class CommunePlacement:
    pk: int
    code_insee: str
    nom: str
    population: int
    latitude: float
    longitude: float
    distance_km: float  # au point d'accès existant le plus proche, selon la mesure


@dataclass
class Proposition:
    rang: int
    commune: CommunePlacement
    gain: int  # population nouvellement couverte
    cumul: int
    communes: int  # communes nouvellement couvertes


@dataclass
class ResultatPlacement:
    departement: Departement
    k: int
    rayon_km: int
    mesure: Mesure
    population: int  # du département
    non_couverte: int  # avant les propositions
    communes_non_couvertes: list[CommunePlacement]
    propositions: list[Proposition] = field(default_factory=list)
    duree_s: float = 0.0

    @property
    def gagnee(self) -> int:
        return self.propositions[-1].cumul if self.propositions else 0

    @property
    def reste(self) -> int:
        return self.non_couverte - self.gagnee

    def part(self, valeur: int) -> float | None:
        return 100 * valeur / self.population if self.population else None


def donnees_departement(departement: Departement, mesure: Mesure) -> list[CommunePlacement]:
    """Communes pleines du département avec leur distance du dernier calcul (une requête)."""
    distances = dict(
        DistanceCommune.objects.filter(departement=departement).values_list("commune_id", mesure.champ)
    )
    return [
        CommunePlacement(pk, code, nom, population or 0, lat, lon, mesure.distance(distances[pk]))
        for pk, code, nom, population, lat, lon in Commune.objects.filter(
            departement=departement,
            type=TypeCommune.ACTUELLE,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .order_by("code_insee")
        .values_list("pk", "code_insee", "nom", "population", "latitude", "longitude")
        if pk in distances
    ]


def placer(departement: Departement, *, k: int, rayon_km: int, mesure: Mesure) -> ResultatPlacement:
    debut = time.perf_counter()
    communes = donnees_departement(departement, mesure)
    return placer_communes(departement, communes, k=k, rayon_km=rayon_km, mesure=mesure, debut=debut)


def placer_communes(departement, communes, *, k, rayon_km, mesure, debut=None) -> ResultatPlacement:
    debut = time.perf_counter() if debut is None else debut
    demandes = [c for c in communes if c.distance_km > rayon_km and c.population > 0]
    masques = masques_couverture(
        [(c.latitude, c.longitude) for c in communes],
        [(c.latitude, c.longitude) for c in demandes],
        mesure.limite_vol(rayon_km),
    )
    poids = Poids([c.population for c in demandes])
    departages = [(-c.population, c.code_insee) for c in communes]
    resultat = ResultatPlacement(
        departement=departement,
        k=k,
        rayon_km=rayon_km,
        mesure=mesure,
        population=sum(c.population for c in communes),
        non_couverte=sum(c.population for c in demandes),
        communes_non_couvertes=sorted(demandes, key=lambda c: (-c.distance_km, c.code_insee)),
    )
    cumul, couvert = 0, 0
    for rang, (i, gain) in enumerate(glouton(masques, poids, k, departages), start=1):
        cumul += gain
        nouvelles = masques[i] & ~couvert
        couvert |= masques[i]
        resultat.propositions.append(Proposition(rang, communes[i], gain, cumul, nouvelles.bit_count()))
    resultat.duree_s = time.perf_counter() - debut
    return resultat
