"""Qui voit quelles demandes de rappel : une matrice rôle × périmètre, avec des demandes hors périmètre."""

import pytest

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.rappels.models import DemandeRappel
from tests.comptes.factories import personne

from .fabriques import partenaire, rappel, structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def demandes():
    """Quatre demandes : deux structures du 16 (dont une avec le partenaire 0), une file départementale du 16
    (partenaire 1), une structure du 15 (partenaire 0)."""
    s16, s16b, s15 = structure("16"), structure("16", 1), structure("15")
    p0, p1 = partenaire(0), partenaire(1)
    return {
        "s16_p0": rappel(structure=s16, partenaire=p0),
        "s16b": rappel(structure=s16b),
        "d16_p1": rappel(departement=s16.departement, partenaire=p1),
        "s15_p0": rappel(structure=s15, partenaire=p0),
    }


def _personnes():
    s16, s16b, s15 = structure("16"), structure("16", 1), structure("15")
    p0, p1 = partenaire(0), partenaire(1)
    lieu = LieuMediation.objects.create(
        identifiant="test-rappels", nom="Lieu test", departement=s16.departement
    )
    return {
        "agent_s16": (personne(Role.AGENT, structure=s16), {"s16_p0"}),
        "responsable_s16b": (personne(Role.RESPONSABLE, structure=s16b), {"s16b"}),
        "agent_s15": (personne(Role.AGENT, structure=s15), {"s15_p0"}),
        "animateur_16": (personne(Role.ANIMATEUR, departement=s16.departement), {"s16_p0", "s16b", "d16_p1"}),
        "prefecture_15": (personne(Role.COORDINATEUR_PREFECTURE, departement=s15.departement), {"s15_p0"}),
        "referent_p0_16": (
            personne(Role.REFERENT_PARTENAIRE, partenaire=p0, departement=s16.departement),
            {"s16_p0"},
        ),
        "referent_p1_16": (
            personne(Role.REFERENT_PARTENAIRE, partenaire=p1, departement=s16.departement),
            {"d16_p1"},
        ),
        "referent_p0_national": (
            personne(Role.REFERENT_PARTENAIRE, partenaire=p0, departement=None),
            {"s16_p0", "s15_p0"},
        ),
        "conseiller_numerique": (personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu), set()),
        "sans_habilitation": (personne(), set()),
        "national": (personne(Role.EQUIPE_NATIONALE), {"s16_p0", "s16b", "d16_p1", "s15_p0"}),
    }


def test_matrice(demandes):
    ids = {pk: nom for nom, pk in ((nom, d.pk) for nom, d in demandes.items())}
    for role, (utilisateur, attendues) in _personnes().items():
        visibles = {
            ids[pk]
            for pk in DemandeRappel.objects.visible_par(utilisateur).values_list("pk", flat=True)
            if pk in ids
        }
        assert visibles == attendues, role
        # Un identifiant d'un autre périmètre ne se retrouve pas par sa clé.
        for nom, demande in demandes.items():
            trouvee = DemandeRappel.objects.visible_par(utilisateur).filter(pk=demande.pk).exists()
            assert trouvee == (nom in attendues), (role, nom)


def test_utilisateur_anonyme(demandes):
    from django.contrib.auth.models import AnonymousUser

    assert not DemandeRappel.objects.visible_par(AnonymousUser()).exists()
