"""Fabriques des tests du label : France services réelles (référentiel importé) aux horaires choisis."""

from franceservices.label.models import Critere
from franceservices.structures.horaires import HorairesSemaine
from franceservices.structures.models import Format, Structure
from tests.escalades.fabriques import connecter  # noqa: F401 (réexport)


def structure(code="16", rang=0, *, format=Format.FIXE) -> Structure:
    return (
        Structure.objects.filter(departement__code=code, format=format)
        .select_related("departement")
        .order_by("pk")[rang]
    )


def horaires(s: Structure, textes: dict[str, str]) -> Structure:
    """Pose des horaires (textes publiés, ex. {"lundi": "09:00 - 12:00"}) ; les autres jours sont fermés."""
    s.horaires = HorairesSemaine.depuis_textes(textes).vers_json()
    s.save()
    return s


def critere(code) -> Critere:
    return Critere.objects.get(code=code)


def regler(code, **parametres) -> Critere:
    c = critere(code)
    c.parametres = {**c.parametres, **parametres}
    c.save()
    return c


def seuls(*codes):
    """Désactive tous les critères sauf `codes`."""
    Critere.objects.exclude(code__in=codes).update(actif=False)
    Critere.objects.filter(code__in=codes).update(actif=True)
