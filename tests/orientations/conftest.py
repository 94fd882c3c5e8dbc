"""Un petit monde pour les orientations : deux France services de Charente et une de Gironde, deux lieux de
médiation charentais (Angoulême, Cognac) et un girondin ; leurs équipes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.orientations import actions
from franceservices.orientations.models import Besoin, Sens
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune, Departement
from tests.comptes.factories import personne


def commune(code):
    return Commune.objects.par_code(code)


@pytest.fixture
def monde(db):
    d16 = Departement.objects.get(code="16")
    d33 = Departement.objects.get(code="33")
    s16, s16b = Structure.objects.filter(departement=d16).order_by("id_fs")[:2]
    s33 = Structure.objects.filter(departement=d33).order_by("id_fs").first()
    lieu_a = LieuMediation.objects.create(
        identifiant="t-angouleme", nom="Médiathèque d'Angoulême", commune=commune("16015"), departement=d16
    )
    lieu_b = LieuMediation.objects.create(
        identifiant="t-cognac", nom="Espace numérique de Cognac", commune=commune("16102"), departement=d16
    )
    lieu_33 = LieuMediation.objects.create(
        identifiant="t-bordeaux", nom="Tiers-lieu de Bordeaux", commune=commune("33063"), departement=d33
    )
    return {
        "d16": d16,
        "d33": d33,
        "s16": s16,
        "s16b": s16b,
        "s33": s33,
        "lieu_a": lieu_a,
        "lieu_b": lieu_b,
        "lieu_33": lieu_33,
        "agent": personne(Role.AGENT, structure=s16, email="agent@orientations.example"),
        "responsable": personne(Role.RESPONSABLE, structure=s16, email="responsable@orientations.example"),
        "agent_b": personne(Role.AGENT, structure=s16b),
        "agent_33": personne(Role.AGENT, structure=s33),
        "cnfs": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu_a, email="cnfs@orientations.example"),
        "cnfs_b": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu_b),
        "cnfs_33": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu_33),
        "animateur": personne(Role.ANIMATEUR, departement=d16),
        "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=d33),
        "national": personne(Role.EQUIPE_NATIONALE),
        "sans_role": personne(),
    }


def orienter(monde, *, sens=Sens.VERS_MEDIATION, structure=None, lieu=None, par=None, il_y_a=None, **champs):
    structure = structure or monde["s16"]
    lieu = lieu or monde["lieu_a"]
    if par is None:
        par = monde["agent"] if sens == Sens.VERS_MEDIATION else monde["cnfs"]
    valeurs = {
        "besoin": Besoin.EQUIPEMENT,
        "prenom": "Jo",
        "telephone": "+33612345678",
        "consentement": True,
        **champs,
    }
    maintenant = timezone.now() - il_y_a if il_y_a else None
    return actions.envoyer_orientation(
        par=par, sens=sens, structure=structure, lieu=lieu, maintenant=maintenant, **valeurs
    )


@pytest.fixture
def jours():
    return lambda n: timedelta(days=n)
