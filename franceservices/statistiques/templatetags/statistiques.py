from django import template

register = template.Library()


def _nombre(valeur: float) -> str:
    texte = f"{valeur:.1f}".rstrip("0").rstrip(".")
    return texte.replace(".", ",")


@register.filter
def evolution(valeur) -> str:
    """« +12,5 % », « −3 % », « — » (période précédente nulle)."""
    if valeur is None:
        return "—"
    signe = "+" if valeur > 0 else ("−" if valeur < 0 else "")
    return f"{signe}{_nombre(abs(valeur))} %"


@register.filter
def pourcent(valeur) -> str:
    return "—" if valeur is None else f"{_nombre(valeur)} %"


@register.filter
def decimal(valeur) -> str:
    return "—" if valeur is None else _nombre(valeur)


@register.filter
def entier(valeur) -> str:
    """Séparateur de milliers (espace insécable fine)."""
    return "—" if valeur is None else f"{valeur:,}".replace(",", "\u202f")
