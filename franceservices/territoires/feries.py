"""Jours fériés par zone, chargés une fois par processus (et rechargés après un import)."""

from datetime import date
from functools import lru_cache

from .models import JourFerie, zone_feries


@lru_cache(maxsize=1)
def _feries_par_zone() -> dict[str, frozenset[date]]:
    par_zone: dict[str, set[date]] = {}
    for jour, zone in JourFerie.objects.values_list("date", "zone"):
        par_zone.setdefault(zone, set()).add(jour)
    return {zone: frozenset(jours) for zone, jours in par_zone.items()}


def est_ferie_pour(code_departement: str, jour: date) -> bool:
    return jour in _feries_par_zone().get(zone_feries(code_departement), frozenset())


def vider_cache() -> None:
    _feries_par_zone.cache_clear()
