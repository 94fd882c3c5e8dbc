"""Distance de chaque commune au point d'accès le plus proche, et parts de population couvertes.

**Communes** : les communes « pleines » (`TypeCommune.ACTUELLE`, 34 969 au COG 2026, toutes avec des
coordonnées ; 6 sans population, comptées pour 0). Le fichier des communes compte 37 590 lignes : s'y
ajoutent 45 arrondissements municipaux (leur population est déjà celle de Paris, Lyon et Marseille : les
compter doublerait 3,5 millions d'habitants), 2 105 communes déléguées et 471 associées (sans population,
souvent sans coordonnées). Position d'une commune : son point de référence (centre) du fichier.

**Distance** : à vol d'oiseau (haversine, sphère de rayon moyen) jusqu'au site le plus proche, où qu'il
soit (un site du département voisin compte). Estimation routière = facteur de détour × vol d'oiseau.

**Facteur de détour** (hypothèse du projet, réglable : `COUVERTURE_FACTEUR_DETOUR`, option
`--facteur-detour` de la commande) : 1,3 par défaut. La littérature sur la sinuosité des réseaux routiers
(« circuity factor » / « detour index ») trouve des rapports distance routière / vol d'oiseau de l'ordre
de 1,2 à 1,4 selon les pays et les territoires (p. ex. Ballou, Rahardja et Sakai, 2002 ; Boscoe, Henry et
Zdeb, 2012), plus élevés pour les trajets courts et en relief. 1,3 est le milieu de cette fourchette :
un ordre de grandeur, non une mesure — l'estimation routière est affichée comme telle.

**Méthode (≤ 2 s pour toutes les communes, en Python pur)** : les sites sont rangés dans une grille de
cellules de 0,25° ; les communes sont traitées par cellule : on ajoute les sites des anneaux de cellules
0, 1, 2… autour de la cellule jusqu'à ce que, pour chaque commune de la cellule, la meilleure distance
trouvée soit inférieure à la distance minimale possible vers tout site hors des anneaux parcourus
(`borne_hors_anneaux`, valable pour tout point de la cellule centrale). Les
distances candidates se comparent en corde 3D (vecteurs unitaires précalculés, sans trigonométrie), monotone
avec la distance orthodromique ; seule la meilleure est convertie en kilomètres. Le résultat est celui du
calcul exhaustif (vérifié par les tests et par le banc).
"""

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import asin, cos, floor, pi, radians, sin

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from franceservices.structures.models import Structure
from franceservices.territoires.geo import RAYON_TERRE_KM
from franceservices.territoires.models import Commune, Departement, Region, TypeCommune, Zone

from .models import CalculCouverture, DistanceCommune

FACTEUR_DETOUR_DEFAUT = 1.3
SEUILS_KM_DEFAUT = (10, 20, 30)
SEUIL_CARTE_DEFAUT = 20
# Le total national porte sur la métropole et les DROM ; les collectivités d'outre-mer (COM) sont
# listées à part : le programme France services n'y est pas (ou à peine) déployé, et la distance d'une
# commune polynésienne au site le plus proche (des milliers de kilomètres) n'aurait pas de sens.
ZONES_NATIONALES = (Zone.METROPOLE, Zone.DROM)
TAILLE_CELLULE = 0.25  # degré


def facteur_detour() -> float:
    return float(getattr(settings, "COUVERTURE_FACTEUR_DETOUR", FACTEUR_DETOUR_DEFAUT))


def seuils_km() -> tuple[int, ...]:
    return tuple(getattr(settings, "COUVERTURE_SEUILS_KM", SEUILS_KM_DEFAUT))


# — Géométrie —


def vecteur(latitude: float, longitude: float) -> tuple[float, float, float]:
    phi, lam = radians(latitude), radians(longitude)
    return (cos(phi) * cos(lam), cos(phi) * sin(lam), sin(phi))


def corde_en_km(corde: float) -> float:
    """Distance orthodromique (km) correspondant à une corde de la sphère unité."""
    return 2 * RAYON_TERRE_KM * asin(min(1.0, corde / 2))


def km_en_corde2(distance_km: float) -> float:
    """Carré de la corde de la sphère unité correspondant à une distance orthodromique."""
    return (2 * sin(min(distance_km / RAYON_TERRE_KM, pi) / 2)) ** 2


def borne_hors_anneaux(lat_abs_max: float, r: int) -> float:
    """Distance minimale (km) entre tout point d'une cellule dont la latitude absolue est ≤ `lat_abs_max` et
    tout site hors des anneaux 0..r autour d'elle (même raisonnement que `structures.proximite`, pour des
    cellules de TAILLE_CELLULE) : au moins r cellules d'écart en latitude (d ≥ R·Δφ) ou en longitude (alors
    hav(d) ≥ cos²φmax · hav(Δλ), φmax la plus haute latitude absolue possible dans la bande)."""
    ecart = radians(r * TAILLE_CELLULE)
    borne_lat = RAYON_TERRE_KM * ecart
    phi_max = radians(min(90.0, lat_abs_max + r * TAILLE_CELLULE))
    borne_lon = 2 * RAYON_TERRE_KM * asin(min(1.0, cos(phi_max) * sin(min(ecart, pi) / 2)))
    return min(borne_lat, borne_lon)


def _cellule(lat: float, lon: float) -> tuple[int, int]:
    tour = round(360 / TAILLE_CELLULE)
    return (floor(lat / TAILLE_CELLULE), ((floor(lon / TAILLE_CELLULE) + tour // 2) % tour) - tour // 2)


def _anneau(ci: int, cj: int, r: int):
    if r == 0:
        yield (ci, cj)
        return
    for dj in range(-r, r + 1):
        yield (ci - r, cj + dj)
        yield (ci + r, cj + dj)
    for di in range(-r + 1, r):
        yield (ci + di, cj - r)
        yield (ci + di, cj + r)


@dataclass(frozen=True)
class Lieu:
    """Un point (commune, site, arrêt) : identifiant, coordonnées et vecteur unitaire précalculé."""

    pk: int
    latitude: float
    longitude: float
    x: float
    y: float
    z: float

    @classmethod
    def creer(cls, pk: int, latitude: float, longitude: float) -> "Lieu":
        return cls(pk, latitude, longitude, *vecteur(latitude, longitude))


def plus_proches(
    origines: Sequence[Lieu], sites: Sequence[Lieu], bornes: Sequence[float] | None = None
) -> list[tuple[float, int | None]]:
    """Pour chaque origine, (distance km, pk) du site le plus proche (exact, cf. docstring du module).

    `bornes` (km, facultatif) : on ne cherche que des sites plus proches que la borne de chaque origine ;
    sinon la réponse est (borne, None). Sert à ajouter les arrêts itinérants à une distance déjà connue.
    """
    resultats: list[tuple[float, int | None]] = [(float("inf"), None)] * len(origines)
    if bornes is not None:
        resultats = [(b, None) for b in bornes]
    if not sites or not origines:
        return resultats
    cellules_sites: dict[tuple[int, int], list[Lieu]] = {}
    for s in sites:
        cellules_sites.setdefault(_cellule(s.latitude, s.longitude), []).append(s)
    groupes: dict[tuple[int, int], list[int]] = {}
    for i, o in enumerate(origines):
        groupes.setdefault(_cellule(o.latitude, o.longitude), []).append(i)
    tour = round(360 / TAILLE_CELLULE)
    demi_tour = tour // 2
    max_anneau = round(180 / TAILLE_CELLULE) + 1
    for (ci, cj), indices in groupes.items():
        # meilleure corde² trouvée et pk, par origine du groupe
        meilleures = [km_en_corde2(resultats[i][0]) if bornes is not None else 5.0 for i in indices]
        pks: list[int | None] = [None] * len(indices)
        membres = [origines[i] for i in indices]
        actifs = list(range(len(indices)))
        lat_max = max(abs(ci * TAILLE_CELLULE), abs((ci + 1) * TAILLE_CELLULE))
        visitees: set[tuple[int, int]] = set()
        for r in range(max_anneau + 1):
            dernier = (2 * r + 1) ** 2 > len(cellules_sites)
            if dernier:
                lots = [pts for cellule, pts in cellules_sites.items() if cellule not in visitees]
            else:
                lots = []
                for i, j in _anneau(ci, cj, r):
                    cellule = (i, ((j + demi_tour) % tour) - demi_tour)
                    if cellule in visitees:
                        continue
                    visitees.add(cellule)
                    pts = cellules_sites.get(cellule)
                    if pts:
                        lots.append(pts)
            coords = [(n, membres[n].x, membres[n].y, membres[n].z) for n in actifs]
            for pts in lots:
                for s in pts:
                    sx, sy, sz, spk = s.x, s.y, s.z, s.pk
                    for n, ox, oy, oz in coords:
                        dx, dy, dz = ox - sx, oy - sy, oz - sz
                        d2 = dx * dx + dy * dy + dz * dz
                        if d2 < meilleures[n] or (
                            d2 == meilleures[n] and pks[n] is not None and spk < pks[n]
                        ):
                            meilleures[n] = d2
                            pks[n] = spk
            if dernier:
                break
            # Une origine a fini quand aucun site hors des anneaux 0..r ne peut battre sa meilleure distance ;
            # les suivantes continuent seules (anneau suivant).
            borne = km_en_corde2(borne_hors_anneaux(lat_max, r))
            actifs = [n for n in actifs if meilleures[n] >= borne]
            if not actifs:
                break
        for n, i in enumerate(indices):
            if pks[n] is not None:
                resultats[i] = (corde_en_km(meilleures[n] ** 0.5), pks[n])
    return resultats


# — Lecture des données —


def communes_du_calcul():
    """[(pk, departement_id, population, latitude, longitude)] des communes pleines ayant une position."""
    return list(
        Commune.objects.filter(type=TypeCommune.ACTUELLE, latitude__isnull=False, longitude__isnull=False)
        .order_by("pk")
        .values_list("pk", "departement_id", "population", "latitude", "longitude")
    )


def lieux_sites() -> list[Lieu]:
    return [
        Lieu.creer(pk, lat, lon)
        for pk, lat, lon in Structure.objects.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("pk")
        .values_list("pk", "latitude", "longitude")
        if -90 <= lat <= 90 and -180 <= lon <= 180
    ]


def lieux_arrets() -> list[Lieu]:
    """Arrêts des France services itinérantes, à la position de leur commune (ou de sa parente)."""
    from franceservices.rendezvous.models import Arret

    lieux, vus = [], set()
    for arret in Arret.objects.select_related("commune__commune_parente").order_by("pk"):
        position = arret.commune.position
        if position is not None and position not in vus:
            vus.add(position)
            lieux.append(Lieu.creer(arret.pk, *position))
    return lieux


def version_registre() -> str:
    """Empreinte de ce dont dépend le calcul : sites (nombre, dernière modification), arrêts, communes."""
    from franceservices.rendezvous.models import Arret

    sites = Structure.objects.filter(latitude__isnull=False, longitude__isnull=False).aggregate(
        n=Count("pk"), m=Max("modifie_le")
    )
    arrets = Arret.objects.aggregate(n=Count("pk"), m=Max("pk"), c=Sum("commune_id"))
    communes = Commune.objects.filter(type=TypeCommune.ACTUELLE).aggregate(
        n=Count("pk"), p=Sum("population"), m=Max("pk")
    )
    horodate = sites["m"].isoformat(timespec="seconds") if sites["m"] else "-"
    return (
        f"sites={sites['n']}@{horodate};arrets={arrets['n']}/{arrets['m']}/{arrets['c']};"
        f"communes={communes['n']}/{communes['p']}/{communes['m']}"
    )


# — Calcul et mise en table —


@dataclass
class ResultatCalcul:
    lignes: list[DistanceCommune]
    sites: int
    arrets: int
    duree_s: float


def calculer(facteur: float | None = None) -> ResultatCalcul:
    """Les distances de toutes les communes (sans écrire) ; la durée exclut la lecture en base."""
    communes = communes_du_calcul()
    sites = lieux_sites()
    arrets = lieux_arrets()
    debut = time.perf_counter()
    origines = [Lieu.creer(pk, lat, lon) for pk, _, _, lat, lon in communes]
    vers_sites = plus_proches(origines, sites)
    # Les arrêts ne comptent que s'ils sont plus proches que le site : la distance au site borne la recherche.
    vers_acces = plus_proches(origines, arrets, bornes=[d for d, _ in vers_sites]) if arrets else vers_sites
    lignes = [
        DistanceCommune(
            commune_id=pk,
            departement_id=dep,
            population=population or 0,
            distance_km=round(d_site, 4),
            structure_id=site,
            distance_acces_km=round(d_acces[0], 4),
        )
        for (pk, dep, population, _, _), (d_site, site), d_acces in zip(
            communes, vers_sites, vers_acces, strict=True
        )
    ]
    return ResultatCalcul(lignes, len(sites), len(arrets), time.perf_counter() - debut)


CHAMPS = ("departement_id", "population", "distance_km", "structure_id", "distance_acces_km")


def _remplacer(lignes: list[DistanceCommune]) -> int:
    """Met la table à l'image de `lignes` en n'écrivant que ce qui change (le plus souvent : presque rien,
    une fiche modifiée ne déplace pas les distances). Renvoie le nombre de lignes écrites ou effacées."""
    existantes = {
        ligne[0]: ligne[1:]
        for ligne in DistanceCommune.objects.values_list("commune_id", *CHAMPS).iterator(chunk_size=5000)
    }
    nouvelles, modifiees = [], []
    for li in lignes:
        avant = existantes.pop(li.commune_id, None)
        if avant is None:
            nouvelles.append(li)
        elif avant != tuple(getattr(li, champ) for champ in CHAMPS):
            modifiees.append(li)
    if existantes:
        DistanceCommune.objects.filter(commune_id__in=list(existantes)).delete()
    DistanceCommune.objects.bulk_create(nouvelles, batch_size=2000)
    DistanceCommune.objects.bulk_update(modifiees, [c.removesuffix("_id") for c in CHAMPS], batch_size=1000)
    return len(nouvelles) + len(modifiees) + len(existantes)


def dernier_calcul() -> CalculCouverture | None:
    return CalculCouverture.objects.order_by("-calcule_le", "-pk").first()


@transaction.atomic
def enregistrer_couverture(
    *, facteur: float | None = None, forcer: bool = False
) -> tuple[CalculCouverture, bool]:
    """Recalcule et remplace la table si le registre (ou le facteur) a changé depuis le dernier calcul.

    Idempotent : relancé sans changement, ne fait rien et renvoie (dernier calcul, False)."""
    facteur = facteur_detour() if facteur is None else facteur
    if not (1.0 <= facteur <= 3.0):
        raise ValueError("Le facteur de détour doit être compris entre 1 et 3.")
    version = version_registre()
    dernier = dernier_calcul()
    if (
        not forcer
        and dernier is not None
        and dernier.version_registre == version
        and dernier.facteur_detour == facteur
        and DistanceCommune.objects.exists()
    ):
        return dernier, False
    resultat = calculer(facteur)
    _remplacer(resultat.lignes)
    calcul = CalculCouverture.objects.create(
        calcule_le=timezone.now(),
        version_registre=version,
        facteur_detour=facteur,
        communes=len(resultat.lignes),
        population=sum(li.population for li in resultat.lignes),
        sites=resultat.sites,
        arrets=resultat.arrets,
        duree_ms=round(resultat.duree_s * 1000),
    )
    return calcul, True


def a_jour(calcul: CalculCouverture | None) -> bool:
    return calcul is not None and calcul.version_registre == version_registre()


# — Agrégats (SQL, à la lecture : seuils et mesure au choix) —


@dataclass(frozen=True)
class Mesure:
    """Ce que l'on compte : vol d'oiseau ou route estimée, sites seuls ou arrêts compris."""

    route: bool = False
    arrets: bool = False
    facteur: float = FACTEUR_DETOUR_DEFAUT

    @property
    def champ(self) -> str:
        return "distance_acces_km" if self.arrets else "distance_km"

    def limite_vol(self, seuil_km: float) -> float:
        """Distance à vol d'oiseau en deçà de laquelle une commune est à ≤ seuil (selon la mesure)."""
        return seuil_km / self.facteur if self.route else float(seuil_km)

    def distance(self, distance_vol_km: float) -> float:
        return distance_vol_km * self.facteur if self.route else distance_vol_km

    @property
    def libelle(self) -> str:
        quoi = "route estimée" if self.route else "vol d'oiseau"
        return quoi + (", arrêts itinérants compris" if self.arrets else "")


@dataclass
class Ligne:
    """Agrégat d'une zone (département, région, national)."""

    code: str
    nom: str
    zone: str
    communes: int
    population: int
    couverte: dict[int, int]  # seuil → population à ≤ seuil
    distance_max: float  # km, selon la mesure
    region_code: str = ""

    def part(self, seuil: int) -> float | None:
        return None if not self.population else 100 * self.couverte[seuil] / self.population

    def non_couverte(self, seuil: int) -> int:
        return self.population - self.couverte[seuil]

    @property
    def detail(self) -> list[tuple[int, float | None, int, int]]:
        """[(seuil, part %, population à ≤ seuil, population au-delà)] pour les gabarits."""
        return [(s, self.part(s), self.couverte[s], self.non_couverte(s)) for s in sorted(self.couverte)]

    def choisir(self, seuil: int) -> "Ligne":
        """Pose `part_choisie` et `non_couverte_choisie` (seuil de la page) pour les gabarits."""
        self.part_choisie = self.part(seuil)
        self.non_couverte_choisie = self.non_couverte(seuil)
        return self


def _annotations(mesure: Mesure, seuils: Iterable[int]) -> dict:
    annotations = {
        "communes": Count("pk"),
        "population_totale": Sum("population"),
        "distance_max": Max(mesure.champ),
    }
    for s in seuils:
        annotations[f"couverte_{s}"] = Sum(
            "population", filter=Q(**{f"{mesure.champ}__lte": mesure.limite_vol(s)})
        )
    return annotations


def par_departement(mesure: Mesure, seuils: Sequence[int]) -> list[Ligne]:
    """Une ligne par département (tous, y compris ceux sans commune calculée), en 2 requêtes."""
    valeurs = {
        v["departement_id"]: v
        for v in DistanceCommune.objects.values("departement_id").annotate(**_annotations(mesure, seuils))
    }
    lignes = []
    for d in Departement.objects.select_related("region").order_by("code"):
        v = valeurs.get(d.pk, {})
        lignes.append(
            Ligne(
                code=d.code,
                nom=d.nom,
                zone=d.zone,
                communes=v.get("communes") or 0,
                population=v.get("population_totale") or 0,
                couverte={s: v.get(f"couverte_{s}") or 0 for s in seuils},
                distance_max=mesure.distance(v.get("distance_max") or 0.0),
                region_code=d.region.code,
            )
        )
    return lignes


def _somme(code: str, nom: str, zone: str, lignes: list[Ligne], seuils: Sequence[int]) -> Ligne:
    return Ligne(
        code=code,
        nom=nom,
        zone=zone,
        communes=sum(li.communes for li in lignes),
        population=sum(li.population for li in lignes),
        couverte={s: sum(li.couverte[s] for li in lignes) for s in seuils},
        distance_max=max((li.distance_max for li in lignes), default=0.0),
    )


def par_region(departements: list[Ligne], seuils: Sequence[int]) -> list[Ligne]:
    """Les régions, sommes de leurs départements (mêmes chiffres, par construction)."""
    regions = []
    for r in Region.objects.order_by("code"):
        siens = [d for d in departements if d.region_code == r.code]
        regions.append(_somme(r.code, r.nom, r.zone, siens, seuils))
    return regions


def national(departements: list[Ligne], seuils: Sequence[int]) -> Ligne:
    return _somme(
        "FR",
        "France (métropole et DROM)",
        "",
        [d for d in departements if d.zone in ZONES_NATIONALES],
        seuils,
    )
