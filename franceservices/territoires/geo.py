"""Distances sur la sphère terrestre."""

from math import asin, cos, radians, sin, sqrt

RAYON_TERRE_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance orthodromique (à vol d'oiseau) en kilomètres."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi, dlambda = phi2 - phi1, radians(lon2 - lon1)
    a = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlambda / 2) ** 2
    return 2 * RAYON_TERRE_KM * asin(min(1.0, sqrt(a)))
