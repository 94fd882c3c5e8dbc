"""Diagnostic d'autonomie numérique : niveaux (valeurs du champ de la saisie)."""

import pytest

from franceservices.activite.models import Autonomie
from franceservices.orientations import diagnostic

CODES = [code for code, _ in diagnostic.QUESTIONS]


def toutes(reponse, **autres):
    return {code: autres.get(code, reponse) for code in CODES}


def test_entre_5_et_8_questions():
    assert 5 <= len(diagnostic.QUESTIONS) <= 8


@pytest.mark.parametrize(
    ("reponses", "niveau"),
    [
        (toutes("oui"), Autonomie.AUTONOME),
        (toutes("oui", arnaque="aide"), Autonomie.AUTONOME),
        (toutes("oui", arnaque="non"), Autonomie.PARTIELLE),  # un « non » empêche « autonome »
        (toutes("aide"), Autonomie.PARTIELLE),
        (toutes("non", appareil="oui", internet="oui", courriel="aide", compte="aide"), Autonomie.PARTIELLE),
        (toutes("non", appareil="oui", internet="aide"), Autonomie.NON_AUTONOME),
        (toutes("non"), Autonomie.NON_AUTONOME),
    ],
)
def test_niveaux(reponses, niveau):
    resultat = diagnostic.evaluer(reponses)
    assert resultat.niveau == niveau
    assert resultat.niveau in Autonomie.values
    assert resultat.suggere_orientation == (niveau != Autonomie.AUTONOME)


def test_reponses_manquantes():
    with pytest.raises(ValueError, match="manquantes"):
        diagnostic.evaluer({"appareil": "oui"})
