"""Matrice des permissions des escalades : rôle × périmètre, sur la liste, la fiche, la pièce jointe et le
changement de statut — y compris par l'identifiant d'une escalade d'un autre périmètre."""

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.escalades.models import Escalade, Statut
from franceservices.mediation.models import LieuMediation
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

# (voit dans la liste, fiche, pièce, changement de statut)
MATRICE = {
    "agent": (True, 200, 200, 403),
    "responsable": (True, 200, 200, 403),
    "responsable_autre_structure": (False, 404, 404, 404),
    "referent": (True, 200, 200, 302),
    "referent_national": (True, 200, 200, 302),
    "referent_autre_partenaire": (False, 404, 404, 404),
    "referent_autre_departement": (False, 404, 404, 404),
    "animateur": (False, 403, 404, 403),
    "prefecture": (False, 403, 404, 403),
    "conseiller_numerique": (False, 403, 404, 403),
    "equipe_nationale": (True, 200, 200, 302),
}


@pytest.fixture
def monde():
    structure, partenaire = f.structure("16"), f.partenaire()
    agent = f.agent(structure)
    escalade = f.escalade(
        agent=agent, structure=structure, partenaire=partenaire, pieces=[f.fichier("avis.pdf")]
    )
    departement = structure.departement
    ailleurs = f.structure("24")
    return {
        "escalade": escalade,
        "personnes": {
            "agent": lambda: agent,
            "responsable": lambda: personne(Role.RESPONSABLE, structure=structure),
            "responsable_autre_structure": lambda: personne(Role.RESPONSABLE, structure=f.structure("16", 1)),
            "referent": lambda: f.referent(partenaire, departement),
            "referent_national": lambda: f.referent(partenaire, None),
            "referent_autre_partenaire": lambda: f.referent(f.partenaire(1), departement),
            "referent_autre_departement": lambda: f.referent(partenaire, ailleurs.departement),
            "animateur": lambda: personne(Role.ANIMATEUR, departement=departement),
            "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=departement),
            "conseiller_numerique": lambda: personne(
                Role.CONSEILLER_NUMERIQUE,
                lieu_mediation=LieuMediation.objects.create(
                    identifiant="m1", nom="Lieu", departement=departement
                ),
            ),
            "equipe_nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        },
    }


@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice(client, monde, qui):
    voit, fiche, piece, transition = MATRICE[qui]
    escalade = monde["escalade"]
    f.connecter(client, monde["personnes"][qui]())

    liste = client.get(reverse("escalades:liste"))
    if liste.status_code == 200:
        assert (f'data-escalade="{escalade.pk}"' in liste.content.decode()) is voit
    else:
        assert liste.status_code == 403 and not voit

    assert client.get(reverse("escalades:detail", args=[escalade.pk])).status_code == fiche
    assert client.get(reverse("escalades:piece", args=[escalade.pieces.get().pk])).status_code == piece
    reponse = client.post(reverse("escalades:statut", args=[escalade.pk]), {"vers": "prise_en_charge"})
    assert reponse.status_code == transition
    escalade.refresh_from_db()
    assert (escalade.statut == Statut.PRISE_EN_CHARGE) is (transition == 302)

    # écrire dans le fil : seulement les deux côtés de l'escalade
    reponse = client.post(reverse("escalades:detail", args=[escalade.pk]), {"texte": "Bonjour"})
    assert reponse.status_code == (302 if fiche == 200 else fiche)


def test_pas_de_fuite_par_identifiant_d_un_autre_perimetre(client, monde):
    """Un agent de Charente qui tente l'escalade (et la pièce) d'une France services de Dordogne : 404."""
    ailleurs = f.structure("24")
    autre = f.escalade(
        agent=f.agent(ailleurs), structure=ailleurs, partenaire=f.partenaire(), pieces=[f.fichier("x.pdf")]
    )
    client.force_login(monde["personnes"]["agent"]())
    assert client.get(reverse("escalades:detail", args=[autre.pk])).status_code == 404
    assert client.get(reverse("escalades:piece", args=[autre.pieces.get().pk])).status_code == 404
    assert client.post(reverse("escalades:detail", args=[autre.pk]), {"texte": "x"}).status_code == 404
    assert client.post(reverse("escalades:statut", args=[autre.pk]), {"vers": "rejetee"}).status_code == 404
    assert client.get(reverse("escalades:detail", args=[999999999])).status_code == 404
    assert Escalade.objects.get(pk=autre.pk).messages.count() == 0
