"""Médiane et 90e centile d'un histogramme {valeur: effectif} (délais en jours ouvrés, en minutes…),
sans charger les valeurs une à une. Règle du 90e centile : la valeur de rang ⌈0,9 n⌉."""


def kieme(histogramme: dict[int, int], k: int) -> int:
    """La k-ième plus petite valeur (k ≥ 1) d'un histogramme {valeur: effectif}."""
    cumul = 0
    for valeur in sorted(histogramme):
        cumul += histogramme[valeur]
        if cumul >= k:
            return valeur
    raise ValueError("k dépasse l'effectif")


def mediane(histogramme: dict[int, int]) -> float | None:
    n = sum(histogramme.values())
    if not n:
        return None
    if n % 2:
        return float(kieme(histogramme, (n + 1) // 2))
    return (kieme(histogramme, n // 2) + kieme(histogramme, n // 2 + 1)) / 2


def centile_90(histogramme: dict[int, int]) -> int | None:
    n = sum(histogramme.values())
    return kieme(histogramme, (9 * n + 9) // 10) if n else None  # rang ⌈0,9 n⌉
