"""Cartes SVG rendues côté serveur (sans JavaScript) depuis les contours des départements en base.

**Projection** : équirectangulaire « locale » : x = longitude × cos(φ0), y = −latitude, φ0 la latitude
moyenne de la zone dessinée (46,5° pour la métropole, celle de chaque DROM pour son encart) ; puis mise à
l'échelle pour remplir le cadre. Aux latitudes françaises, sur l'étendue d'un pays, les déformations
restent faibles (quelques %) : suffisant pour une choroplèthe, et sans dépendance.

**Mise en page nationale** : la métropole à droite, les cinq DROM en encarts à gauche (chacun à sa propre
échelle, indiquée par son nom) ; les collectivités d'outre-mer ne sont pas dessinées (hors du total
national, voir `calcul.ZONES_NATIONALES`), elles figurent dans le tableau.

**Poids** : les points projetés sont arrondis au dixième de pixel et ceux à moins de 1,5 px du précédent
sont omis ; les chemins sont calculés une fois par processus (les contours ne changent pas).
"""

import threading
from dataclasses import dataclass
from math import cos, radians

from franceservices.territoires.models import ContourDepartement, Zone

LARGEUR, HAUTEUR = 700, 600
ENCART = 110  # côté d'un encart DROM
DROM = ("971", "972", "973", "974", "976")
PAS_MIN = 1.5  # px


def _anneaux(geometrie: dict):
    if geometrie.get("type") == "Polygon":
        yield from geometrie.get("coordinates", [])
    elif geometrie.get("type") == "MultiPolygon":
        for polygone in geometrie.get("coordinates", []):
            yield from polygone


@dataclass(frozen=True)
class Projection:
    """(lat, lon) → (x, y) dans un cadre [x0, x0+largeur] × [y0, y0+hauteur], proportions gardées."""

    cos0: float
    lon_min: float
    lat_max: float
    echelle: float
    dx: float
    dy: float

    @classmethod
    def ajuster(cls, lats, lons, x0, y0, largeur, hauteur, marge=4.0) -> "Projection":
        lat_min, lat_max = min(lats), max(lats)
        lon_min, lon_max = min(lons), max(lons)
        cos0 = cos(radians((lat_min + lat_max) / 2))
        etendue_x = max((lon_max - lon_min) * cos0, 1e-6)
        etendue_y = max(lat_max - lat_min, 1e-6)
        echelle = min((largeur - 2 * marge) / etendue_x, (hauteur - 2 * marge) / etendue_y)
        dx = x0 + (largeur - etendue_x * echelle) / 2
        dy = y0 + (hauteur - etendue_y * echelle) / 2
        return cls(cos0, lon_min, lat_max, echelle, dx, dy)

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            round(self.dx + (lon - self.lon_min) * self.cos0 * self.echelle, 1),
            round(self.dy + (self.lat_max - lat) * self.echelle, 1),
        )


def chemin(geometrie: dict, projection: Projection) -> str:
    """Attribut `d` d'un chemin SVG (anneaux fermés, points trop proches omis)."""
    morceaux = []
    for anneau in _anneaux(geometrie):
        points = []
        for lon, lat, *_ in anneau:
            p = projection(lat, lon)
            if not points or abs(p[0] - points[-1][0]) + abs(p[1] - points[-1][1]) >= PAS_MIN:
                points.append(p)
        if len(points) >= 3:
            morceaux.append("M" + "L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
    return "".join(morceaux)


def _coordonnees(geometries):
    lats, lons = [], []
    for g in geometries:
        for anneau in _anneaux(g):
            for lon, lat, *_ in anneau:
                lats.append(lat)
                lons.append(lon)
    return lats, lons


@dataclass(frozen=True)
class Encart:
    nom: str
    x: float
    y: float
    largeur: float
    hauteur: float


_verrou = threading.Lock()
_cache: dict = {}


def chemins_nationaux() -> tuple[dict[str, str], list[Encart]]:
    """{code du département: d} pour la métropole et les DROM en encarts, et le cadre des encarts."""
    with _verrou:
        if "national" in _cache:
            return _cache["national"]
        contours = {
            c.departement.code: (c.departement, c.geometrie)
            for c in ContourDepartement.objects.select_related("departement")
        }
        metro = {code: g for code, (d, g) in contours.items() if d.zone == Zone.METROPOLE}
        chemins: dict[str, str] = {}
        encarts: list[Encart] = []
        if metro:
            lats, lons = _coordonnees(metro.values())
            projection = Projection.ajuster(lats, lons, ENCART + 10, 0, LARGEUR - ENCART - 10, HAUTEUR)
            chemins.update({code: chemin(g, projection) for code, g in metro.items()})
        y = 0.0
        for code in DROM:
            if code not in contours:
                continue
            departement, geometrie = contours[code]
            lats, lons = _coordonnees([geometrie])
            if not lats:
                continue
            projection = Projection.ajuster(lats, lons, 0, y, ENCART, ENCART)
            chemins[code] = chemin(geometrie, projection)
            encarts.append(Encart(departement.nom, 0, y, ENCART, ENCART))
            y += ENCART + 8
        _cache["national"] = (chemins, encarts)
        return _cache["national"]


# — Classes de la choroplèthe (part de la population à ≤ seuil) —

# Palette séquentielle (du clair au foncé) : contrastes suffisants entre classes voisines, lisible en
# niveaux de gris ; chaque valeur est aussi dans le tableau et dans l'infobulle du département.
CLASSES = (
    (99.0, "#000091", "99 % ou plus"),
    (95.0, "#3f5fc6", "de 95 à 99 %"),
    (90.0, "#8aa3e8", "de 90 à 95 %"),
    (80.0, "#f4c95d", "de 80 à 90 %"),
    (0.0, "#d64d2e", "moins de 80 %"),
)
SANS_DONNEE = ("#dddddd", "sans commune calculée")


def couleur(part: float | None) -> str:
    if part is None:
        return SANS_DONNEE[0]
    for minimum, teinte, _ in CLASSES:
        if part >= minimum:
            return teinte
    return CLASSES[-1][1]


def legende() -> list[tuple[str, str]]:
    return [(teinte, libelle) for _, teinte, libelle in CLASSES] + [SANS_DONNEE]


# — Carte d'un département (placement) —


@dataclass(frozen=True)
class PointCarte:
    x: float
    y: float
    libelle: str
    rang: int = 0


def carte_departement(contour: dict | None, points: dict[str, list[tuple[float, float, str]]], taille=560):
    """Le contour projeté et les points (par catégorie), dans un carré de `taille` px.

    Le cadre est celui du contour (ou des points, à défaut) ; les points hors cadre sont omis."""
    geometries = [contour] if contour else []
    lats, lons = _coordonnees(geometries)
    if not lats:
        for liste in points.values():
            for lat, lon, _ in liste:
                lats.append(lat)
                lons.append(lon)
    if not lats:
        return None
    projection = Projection.ajuster(lats, lons, 0, 0, taille, taille, marge=12)
    lat_min, lat_max, lon_min, lon_max = min(lats), max(lats), min(lons), max(lons)
    projetes = {}
    for categorie, liste in points.items():
        projetes[categorie] = [
            PointCarte(*projection(lat, lon), libelle, rang)
            for rang, (lat, lon, libelle) in enumerate(liste, start=1)
            if lat_min <= lat <= lat_max and lon_min <= lon <= lon_max
        ]
    return {"d": chemin(contour, projection) if contour else "", "points": projetes, "taille": taille}
