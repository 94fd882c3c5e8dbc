"""Calcul de référence, exécuté par `simulateur/.venv/bin/python` : OpenFisca-France appelé directement
(SimulationBuilder), sans notre serveur. Entrée (stdin) : liste de {situation, calculs} ; sortie (stdout) :
liste de {variable: {periode: {identifiant: valeur}}}."""

import json
import sys

from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_france import CountryTaxBenefitSystem

modele = CountryTaxBenefitSystem()
sorties = []
for demande in json.load(sys.stdin):
    simulation = SimulationBuilder().build_from_entities(modele, demande["situation"])
    resultats = {}
    for calcul in demande["calculs"]:
        variable, periode = calcul["variable"], calcul["periode"]
        ids = simulation.get_variable_population(variable).ids
        valeurs = simulation.calculate(variable, periode).tolist()
        resultats.setdefault(variable, {})[periode] = dict(zip(ids, valeurs, strict=True))
    sorties.append(resultats)
json.dump(sorties, sys.stdout)
