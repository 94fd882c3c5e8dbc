"""Fixtures du journal d'audit : personnes de chaque rôle, connexion avec le second facteur vérifié."""

from unittest import mock

import pytest

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Role
from franceservices.core.models import EvenementAudit
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne


def connecter(client, utilisateur):
    """Connexion de test ; le second facteur (exigé de l'équipe nationale) est marqué vérifié."""
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return utilisateur


def evenement_le(moment, **champs) -> EvenementAudit:
    """Un événement horodaté à `moment` (l'horodatage est fixé à l'enregistrement, jamais modifiable)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return EvenementAudit.objects.create(**champs)


@pytest.fixture
def cantal():
    return Departement.objects.get(code="15")


@pytest.fixture
def structure(cantal):
    return Structure.objects.filter(departement=cantal).order_by("pk").first()


@pytest.fixture
def nationale():
    return personne(Role.EQUIPE_NATIONALE, email="nationale@anct.gouv.fr")


@pytest.fixture
def personnes_non_nationales(cantal, structure):
    """Une personne par rôle hors équipe nationale."""
    lieu = LieuMediation.objects.create(
        identifiant="test-journal", nom="Espace numérique", departement=cantal
    )
    return {
        "agent": personne(Role.AGENT, structure=structure),
        "responsable": personne(Role.RESPONSABLE, structure=structure),
        "animateur": personne(Role.ANIMATEUR, departement=cantal),
        "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=cantal),
        "referent": personne(
            Role.REFERENT_PARTENAIRE, partenaire=Partenaire.objects.order_by("pk").first(), departement=cantal
        ),
        "conseiller-numerique": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu),
        "sans-habilitation": personne(),
    }
