"""Lecture des paramètres d'adresse (GET) : une saisie forgée donne None, jamais une exception."""


def identifiant(valeur) -> int | None:
    """Un identifiant de ligne : entier strictement positif tenant dans un entier SQL de 32 bits."""
    try:
        n = int(str(valeur).strip())
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**31 else None
