"""Fabriques des tests de rappels : vraies France services, départements et partenaires du référentiel."""

from franceservices.partenaires.models import Partenaire, Presence
from franceservices.rappels import actions
from franceservices.rappels.models import Origine
from franceservices.structures.models import Structure


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def partenaire(rang=0) -> Partenaire:
    return Partenaire.objects.filter(presence=Presence.SOCLE, actif=True).order_by("pk")[rang]


def rappel(*, structure=None, departement=None, partenaire=None, telephone="06 12 34 56 78", **kwargs):
    return actions.demander_rappel(
        telephone=telephone,
        besoin=kwargs.pop("besoin", "Question sur mon dossier"),
        consentement=True,
        origine=kwargs.pop("origine", Origine.FORMULAIRE_PUBLIC),
        structure=structure,
        departement=departement,
        partenaire=partenaire,
        **kwargs,
    )
