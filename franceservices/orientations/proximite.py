"""Destinataires proches d'une orientation : lieux de médiation (position de leur commune) ou France services
(index de proximité du registre), à vol d'oiseau depuis la commune de l'usager ou l'émetteur."""

from math import cos, radians

from franceservices.mediation.models import LieuMediation
from franceservices.structures.proximite import structures_proches
from franceservices.territoires.geo import haversine_km

LIMITE = 10
RAYONS_KM = (30, 80, 200, 600)


def position_structure(structure) -> tuple[float, float] | None:
    if structure.latitude is not None and structure.longitude is not None:
        return (structure.latitude, structure.longitude)
    return structure.commune.position if structure.commune_id else None


def position_lieu(lieu) -> tuple[float, float] | None:
    return lieu.commune.position if lieu.commune_id else None


def lieux_proches(
    position, *, limite: int = LIMITE, departement_id=None
) -> list[tuple[LieuMediation, float | None]]:
    """Les `limite` lieux les plus proches (boîte englobante élargie jusqu'à en trouver assez, puis distance
    exacte). Sans position : les lieux du département, par nom."""
    if position is None:
        lieux = LieuMediation.objects.filter(departement_id=departement_id).select_related("commune")
        return [(lieu, None) for lieu in lieux[:limite]]
    lat, lon = position
    trouves = []
    for rayon in RAYONS_KM:
        dlat, dlon = rayon / 111.0, rayon / 111.0 / max(0.2, abs(cos(radians(lat))))
        lieux = LieuMediation.objects.filter(
            commune__latitude__range=(lat - dlat, lat + dlat),
            commune__longitude__range=(lon - dlon, lon + dlon),
        ).select_related("commune")
        trouves = [
            (lieu, haversine_km(lat, lon, lieu.commune.latitude, lieu.commune.longitude)) for lieu in lieux
        ]
        trouves = [(lieu, d) for lieu, d in trouves if d <= rayon]
        if len(trouves) >= limite:
            break
    trouves.sort(key=lambda t: (t[1], t[0].nom))
    return trouves[:limite]


def france_services_proches(position, *, limite: int = LIMITE, departement_id=None):
    if position is None:
        from franceservices.structures.models import Structure

        qs = Structure.objects.filter(departement_id=departement_id).select_related("commune").order_by("nom")
        return [(s, None) for s in qs[:limite]]
    return structures_proches(position[0], position[1], limite)
