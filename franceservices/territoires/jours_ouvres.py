"""Jours ouvrés : du lundi au vendredi, hors jours fériés de la zone du département (métropole,
Alsace-Moselle, chaque DROM). Sert aux délais de réponse des partenaires (escalades)."""

from datetime import date, timedelta

from .feries import est_ferie_pour

METROPOLE = "75"  # un département de métropole : zone des fériés par défaut


def est_ouvre(jour: date, code_departement: str = METROPOLE) -> bool:
    return jour.weekday() < 5 and not est_ferie_pour(code_departement, jour)


def ajouter_jours_ouvres(depart: date, n: int, code_departement: str = METROPOLE) -> date:
    """Le n-ième jour ouvré après `depart` (exclu). n = 0 : `depart` lui-même."""
    if n < 0:
        raise ValueError("Le nombre de jours ouvrés doit être positif.")
    jour = depart
    while n:
        jour += timedelta(days=1)
        if est_ouvre(jour, code_departement):
            n -= 1
    return jour


def jours_ouvres_entre(debut: date, fin: date, code_departement: str = METROPOLE) -> int:
    """Nombre de jours ouvrés dans ]debut, fin] (0 si fin ≤ debut) : une réponse le jour même compte 0."""
    n = 0
    jour = debut
    while jour < fin:
        jour += timedelta(days=1)
        if est_ouvre(jour, code_departement):
            n += 1
    return n
