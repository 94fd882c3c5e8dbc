"""Matrice des permissions des rappels : rôle × périmètre sur la file, la fiche, l'attribution, la tentative,
la clôture et les indicateurs — y compris par l'identifiant d'une demande d'un autre périmètre (404)."""

from html import unescape

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.rappels.models import Origine, TentativeRappel
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .fabriques import partenaire, rappel, structure

pytestmark = pytest.mark.django_db

# qui → (statut de la file, voit le rappel de la structure, voit la file départementale, fiche, tentative)
MATRICE = {
    "agent": (200, True, False, 200, 302),
    "responsable": (200, True, False, 200, 302),
    "responsable_autre_structure": (200, False, False, 404, 404),
    "agent_autre_departement": (200, False, False, 404, 404),
    "animateur": (200, True, True, 200, 302),
    "animateur_autre_departement": (200, False, False, 404, 404),
    "prefecture": (200, True, True, 200, 302),
    "referent": (200, True, True, 200, 302),
    "referent_national": (200, True, True, 200, 302),
    "referent_autre_partenaire": (200, False, False, 404, 404),
    "referent_autre_departement": (200, False, False, 404, 404),
    "conseiller_numerique": (403, False, False, 403, 404),
    "sans_habilitation": (403, False, False, 403, 404),
    "equipe_nationale": (200, True, True, 200, 302),
}


@pytest.fixture
def monde():
    s = structure("16")
    p = partenaire()
    departement = s.departement
    ailleurs = structure("24")
    return {
        "rappel": rappel(structure=s, partenaire=p),
        "file_departement": rappel(
            departement=departement, partenaire=p, origine=Origine.PLATEFORME_PARTENAIRE
        ),
        "personnes": {
            "agent": lambda: personne(Role.AGENT, structure=s),
            "responsable": lambda: personne(Role.RESPONSABLE, structure=s),
            "responsable_autre_structure": lambda: personne(Role.RESPONSABLE, structure=structure("16", 1)),
            "agent_autre_departement": lambda: personne(Role.AGENT, structure=ailleurs),
            "animateur": lambda: personne(Role.ANIMATEUR, departement=departement),
            "animateur_autre_departement": lambda: personne(Role.ANIMATEUR, departement=ailleurs.departement),
            "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=departement),
            "referent": lambda: personne(Role.REFERENT_PARTENAIRE, partenaire=p, departement=departement),
            "referent_national": lambda: personne(Role.REFERENT_PARTENAIRE, partenaire=p),
            "referent_autre_partenaire": lambda: personne(
                Role.REFERENT_PARTENAIRE, partenaire=partenaire(1), departement=departement
            ),
            "referent_autre_departement": lambda: personne(
                Role.REFERENT_PARTENAIRE, partenaire=p, departement=ailleurs.departement
            ),
            "conseiller_numerique": lambda: personne(
                Role.CONSEILLER_NUMERIQUE,
                lieu_mediation=LieuMediation.objects.create(
                    identifiant="m1", nom="Lieu", departement=departement
                ),
            ),
            "sans_habilitation": lambda: personne(None),
            "equipe_nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        },
    }


@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice(client, monde, qui):
    statut_file, voit, voit_departement, fiche, tentative = MATRICE[qui]
    r, d = monde["rappel"], monde["file_departement"]
    connecter(client, monde["personnes"][qui]())

    file = client.get(reverse("rappels:file"))
    assert file.status_code == statut_file
    contenu = file.content.decode()
    assert (f'data-rappel="{r.pk}"' in contenu) is voit
    assert (f'data-rappel="{d.pk}"' in contenu) is voit_departement
    if statut_file == 200:
        assert "Vous voyez" in unescape(contenu)

    assert client.get(reverse("rappels:detail", args=[r.pk])).status_code == fiche
    attendu_departement = 200 if voit_departement else (403 if fiche == 403 else 404)
    assert client.get(reverse("rappels:detail", args=[d.pk])).status_code == attendu_departement
    reponse = client.post(reverse("rappels:tentative", args=[r.pk]), {"resultat": "pas_de_reponse"})
    assert reponse.status_code == tentative
    assert TentativeRappel.objects.filter(rappel=r).exists() is (tentative == 302)
    for nom in ("attribuer", "clore"):
        statut = client.post(reverse(f"rappels:{nom}", args=[r.pk]), {"moi": "1", "resultat": "abandonne"})
        assert (statut.status_code == 404) is (tentative == 404)
    assert client.get(reverse("rappels:indicateurs")).status_code == statut_file
    assert client.get(reverse("rappels:nouveau")).status_code == statut_file


def test_identifiant_inexistant_404(client):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    assert client.get(reverse("rappels:detail", args=[999999])).status_code == 404
    assert client.post(reverse("rappels:tentative", args=[999999]), {"resultat": "joint"}).status_code == 404


def test_pages_publiques_et_privees(client):
    assert client.get(reverse("rappels:demander_public")).status_code == 200
    for nom in ("rappels:file", "rappels:nouveau", "rappels:indicateurs"):
        reponse = client.get(reverse(nom))
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]
