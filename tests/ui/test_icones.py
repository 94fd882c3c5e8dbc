"""Chaque icône DSFR (classe fr-icon-*) employée par un gabarit est déclarée dans ui/icones.css, et son
SVG existe dans le DSFR livré : sinon l'icône s'afficherait comme un carré plein."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

RACINE = Path(settings.BASE_DIR) / "franceservices"


def test_icones_des_gabarits_declarees():
    employees = set()
    for gabarit in RACINE.glob("*/templates/**/*.html"):
        employees |= set(re.findall(r"fr-icon-([a-z0-9-]+)", gabarit.read_text()))
    css = Path(finders.find("ui/icones.css")).read_text()
    declarees = dict(
        re.findall(r'\.fr-icon-([a-z0-9-]+)::before[^{]*\{[^}]*mask-image: url\("\.\./([^"]+)"\)', css)
    )
    assert employees, "aucune icône trouvée : le motif de recherche est à revoir"
    assert employees <= declarees.keys(), (
        f"icônes à déclarer dans ui/icones.css : {employees - declarees.keys()}"
    )
    for icone, chemin in declarees.items():
        assert finders.find(chemin), f"SVG introuvable pour fr-icon-{icone} : {chemin}"
