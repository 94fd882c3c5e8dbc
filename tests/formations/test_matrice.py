"""Matrice des permissions de la formation : rôle × périmètre, sur le catalogue, la fiche d'une session
départementale (Charente), les demandes à approuver et l'approbation par l'identifiant d'une demande."""

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.formations import actions
from franceservices.formations.models import Inscription, Statut
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

# (catalogue, fiche de la session, page des approbations, voit la demande, approuver la demande)
MATRICE = {
    "agent": (200, 200, 403, False, 403),
    "responsable": (200, 200, 200, True, 302),
    "responsable_autre_structure": (200, 200, 200, False, 404),
    "responsable_autre_departement": (200, 404, 200, False, 404),
    "animateur": (200, 200, 200, True, 302),
    "animateur_autre_departement": (200, 404, 200, False, 404),
    "prefecture": (200, 200, 403, False, 403),
    "referent": (403, 404, 403, False, 403),
    "conseiller_numerique": (403, 404, 403, False, 403),
    "formateur": (403, 200, 403, False, 403),
    "sans_habilitation": (403, 404, 403, False, 403),
    "equipe_nationale": (200, 200, 200, True, 302),
}


@pytest.fixture
def monde():
    structure = f.structure("16")
    departement = structure.departement
    ailleurs = f.structure("24")
    agent = f.agent(structure)
    formateur = personne()
    session = f.session(departement=departement, formateur=formateur)
    demande = actions.inscrire(par=agent, session=session, agent=agent)
    return {
        "session": session,
        "demande": demande,
        "personnes": {
            "agent": lambda: agent,
            "responsable": lambda: f.responsable(structure),
            "responsable_autre_structure": lambda: f.responsable(f.structure("16", 1)),
            "responsable_autre_departement": lambda: f.responsable(ailleurs),
            "animateur": lambda: f.animateur(departement),
            "animateur_autre_departement": lambda: f.animateur(ailleurs.departement),
            "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=departement),
            "referent": lambda: personne(
                Role.REFERENT_PARTENAIRE,
                partenaire=Partenaire.objects.order_by("pk").first(),
                departement=departement,
            ),
            "conseiller_numerique": lambda: personne(
                Role.CONSEILLER_NUMERIQUE,
                lieu_mediation=LieuMediation.objects.create(
                    identifiant="m1", nom="Lieu", departement=departement
                ),
            ),
            "formateur": lambda: formateur,
            "sans_habilitation": lambda: personne(),
            "equipe_nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        },
    }


@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice(client, monde, qui):
    catalogue, fiche, page, voit, approuver = MATRICE[qui]
    demande = monde["demande"]
    f.connecter(client, monde["personnes"][qui]())

    assert client.get(reverse("formations:catalogue")).status_code == catalogue
    assert client.get(reverse("formations:session", args=[monde["session"].pk])).status_code == fiche
    reponse = client.get(reverse("formations:approbations"))
    assert reponse.status_code == page
    if page == 200:
        assert (f'data-demande="{demande.pk}"' in reponse.content.decode()) is voit
    assert client.get(reverse("formations:mes_inscriptions")).status_code == 200
    assert client.post(reverse("formations:approuver", args=[demande.pk])).status_code == approuver
    attendu = Statut.CONFIRMEE if approuver == 302 else Statut.DEMANDEE
    assert Inscription.objects.get(pk=demande.pk).statut == attendu
