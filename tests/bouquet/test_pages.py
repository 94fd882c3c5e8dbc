"""Toutes les pages du bouquet, par rôle : réponses attendues (200 / 403 / 404), sans variable de gabarit inconnue."""

import pytest

from franceservices.activite.models import Demarche
from franceservices.bouquet.models import Statut
from franceservices.comptes.models import Role
from tests.comptes.factories import personne

from .fabriques import connecter, fiche

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(national, structure):
    publiee = fiche(national, "cnaf", titre="Fiche publiée", revoir_dans=-1)
    brouillon = fiche(national, "cnaf", titre="Fiche brouillon", statut=Statut.BROUILLON)
    demarche = Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")
    return {"publiee": publiee, "brouillon": brouillon, "demarche": demarche}


def pages(monde):
    p, b, d = monde["publiee"].pk, monde["brouillon"].pk, monde["demarche"].pk
    return {
        "accueil": "/bouquet/",
        "partenaire": "/bouquet/partenaires/cnaf/",
        "modifier_demarche": f"/bouquet/demarches/{d}/modifier/",
        "fiches": "/bouquet/fiches/?q=fiche",
        "fiche": f"/bouquet/fiches/{p}/",
        "brouillon": f"/bouquet/fiches/{b}/",
        "nouvelle": "/bouquet/fiches/nouvelle/",
        "modifier": f"/bouquet/fiches/{p}/modifier/",
        "versions": f"/bouquet/fiches/{p}/versions/",
        "difference": f"/bouquet/fiches/{p}/difference/",
    }


ATTENDUS = {
    # rôle : pages refusées (403) et introuvables (404) ; toutes les autres : 200
    "national": ({}, {}),
    "referent_cnaf": ({}, {}),
    "referent_ants": ({"modifier_demarche", "modifier"}, {"brouillon"}),
    "agent": ({"modifier_demarche", "nouvelle", "modifier"}, {"brouillon"}),
    "animateur": ({"modifier_demarche", "nouvelle", "modifier"}, {"brouillon"}),
    "conseiller": ({"modifier_demarche", "nouvelle", "modifier"}, {"brouillon"}),
}


@pytest.mark.parametrize("role", list(ATTENDUS))
def test_matrice(client, role, monde, national, referent_cnaf, referent_ants, agent, structure):
    from franceservices.mediation.models import LieuMediation

    comptes = {
        "national": national,
        "referent_cnaf": referent_cnaf,
        "referent_ants": referent_ants,
        "agent": agent,
        "animateur": personne(Role.ANIMATEUR, departement=structure.departement),
        "conseiller": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=LieuMediation.objects.first())
        if LieuMediation.objects.exists()
        else personne(),
    }
    refusees, introuvables = ATTENDUS[role]
    connecter(client, comptes[role])
    for nom, url in pages(monde).items():
        attendu = 403 if nom in refusees else 404 if nom in introuvables else 200
        assert client.get(url).status_code == attendu, (role, nom, url)


def test_anonyme_redirige(client, monde):
    for url in pages(monde).values():
        assert client.get(url).status_code == 302


def test_accueil_signale_les_fiches_a_relire(client, monde, referent_cnaf, agent):
    connecter(client, referent_cnaf)
    assert "data-a-relire" in client.get("/bouquet/").content.decode()
    connecter(client, agent)
    assert "data-a-relire" not in client.get("/bouquet/").content.decode()
