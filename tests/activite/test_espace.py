"""« Mon espace » mène à la saisie, aux demandes, aux statistiques et à l'import selon le rôle."""

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

SAISIE, DEMANDES, STATS, IMPORT = (
    reverse("activite:saisie"),
    reverse("activite:demandes"),
    reverse("statistiques:tableau_de_bord"),
    reverse("activite:import"),
)


@pytest.mark.parametrize(
    ("role", "attendus"),
    [
        (Role.AGENT, {SAISIE, DEMANDES, STATS}),
        (Role.RESPONSABLE, {SAISIE, DEMANDES, STATS, IMPORT}),
        (Role.ANIMATEUR, {STATS}),
        (Role.CONSEILLER_NUMERIQUE, set()),
    ],
)
def test_tuiles_de_l_activite_selon_le_role(client, role, attendus):
    structure = Structure.objects.filter(departement__code="16").first()
    perimetre = {
        Role.AGENT: {"structure": structure},
        Role.RESPONSABLE: {"structure": structure},
        Role.ANIMATEUR: {"departement": structure.departement},
        Role.CONSEILLER_NUMERIQUE: {
            "lieu_mediation": LieuMediation.objects.create(
                identifiant="espace", nom="Lieu", departement=structure.departement
            )
        },
    }[role]
    client.force_login(personne(role, **perimetre))
    contenu = client.get(reverse("comptes:espace")).content.decode()
    tuiles = {url for url in (SAISIE, DEMANDES, STATS, IMPORT) if f'<a href="{url}">' in contenu}
    assert tuiles == attendus
