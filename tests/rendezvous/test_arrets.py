"""France services itinérantes : les rendez-vous à un arrêt ne se prennent que pendant ses horaires."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from franceservices.rendezvous import actions
from franceservices.rendezvous.creneaux import creneaux_structure
from franceservices.rendezvous.models import Arret
from franceservices.territoires.models import Commune

from .fabriques import a_paris, semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db

AVANT = a_paris(2026, 11, 1, 8)


@pytest.fixture
def bus():
    structure = structure_du("23")
    semaine_type(structure)
    commune = Commune.objects.filter(departement=structure.departement).order_by("code_insee")[0]
    # Le 2e mercredi du mois, place de la mairie, 9 h – 11 h.
    arret = Arret.objects.create(
        structure=structure,
        libelle="Place de la mairie",
        commune=commune,
        rang=2,
        jour_semaine=2,
        heure_debut=time(9),
        heure_fin=time(11),
    )
    return structure, arret


def test_creneaux_d_un_arret_suivent_ses_horaires(bus):
    structure, arret = bus
    type_ = type_rdv(structure, duree=30)
    creneaux = creneaux_structure(
        structure, type_, du=AVANT.date(), semaines=6, maintenant=AVANT, arret=arret
    )
    # Novembre 2026 : le 2e mercredi est le 11 (férié, armistice) ; décembre : le 9.
    assert creneaux == [a_paris(2026, 12, 9, h, m) for h, m in ((9, 0), (9, 30), (10, 0), (10, 30))]
    sans_arret = creneaux_structure(structure, type_, du=AVANT.date(), semaines=1, maintenant=AVANT)
    assert len(sans_arret) > 4


def test_reserver_a_un_arret(bus):
    structure, arret = bus
    type_ = type_rdv(structure)
    valeurs = {"nom": "Camille", "telephone": "0612345678", "maintenant": AVANT}
    rdv = actions.reserver(
        structure=structure, type_=type_, debut=a_paris(2026, 12, 9, 9), arret=arret, **valeurs
    )
    assert rdv.arret == arret
    with pytest.raises(ValidationError, match="pas proposé"):
        actions.reserver(
            structure=structure, type_=type_, debut=a_paris(2026, 12, 10, 9), arret=arret, **valeurs
        )
    autre = structure_du("16")
    with pytest.raises(ValidationError, match="pas desservi"):
        actions.reserver(
            structure=autre, type_=type_rdv(autre), debut=a_paris(2026, 12, 9, 9), arret=arret, **valeurs
        )
