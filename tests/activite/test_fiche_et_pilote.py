"""Saisie : fiche consultée (pré-remplie, vérifiée), partenaires pilotes (proposés et refusés), escalade."""

from datetime import date

import pytest
from django.utils import timezone

from franceservices.activite.models import Demande, Demarche
from franceservices.bouquet.models import Statut
from franceservices.comptes.models import Role
from franceservices.partenaires.models import FormationPilote, Partenaire, Pilote
from franceservices.structures.models import Structure
from tests.activite.test_saisie import JSON, URL, donnees
from tests.bouquet.fabriques import connecter, fiche
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="16").order_by("id_fs").first()


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure)


@pytest.fixture
def national():
    return personne(Role.EQUIPE_NATIONALE)


@pytest.fixture
def prime():
    return Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")


@pytest.fixture
def bdf():
    return Partenaire.objects.get(code="bdf")


def test_saisie_avec_fiche(client, agent, structure, national, prime):
    f = fiche(national, "cnaf", titre="Prime d'activité", demarches=[prime])
    connecter(client, agent)
    page = client.get(URL, {"fiche": f.pk}).content.decode()
    assert "data-fiche-consultee" in page and f'value="{f.pk}"' in page
    assert f'<option value="{prime.pk}" selected>' in page  # la démarche unique de la fiche
    reponse = client.post(URL, donnees(structure, [{"demarche_catalogue": prime.pk, "fiche": f.pk}]), **JSON)
    assert reponse.status_code == 201
    demande = Demande.objects.get()
    assert demande.fiche == f
    fiche_demande = client.get(f"/activite/demandes/{demande.pk}/").content.decode()
    assert f.titre.replace("'", "&#x27;") in fiche_demande
    assert f"/escalades/nouvelle/?demande={demande.pk}" in fiche_demande


def test_fiche_invisible_refusee(client, agent, structure, national, prime):
    brouillon = fiche(national, "cnaf", statut=Statut.BROUILLON)
    connecter(client, agent)
    for numero in (brouillon.pk, 999999):
        reponse = client.post(
            URL, donnees(structure, [{"demarche_catalogue": prime.pk, "fiche": numero}]), **JSON
        )
        assert reponse.status_code == 400
        assert (
            "n'existe pas ou ne vous est pas accessible" in reponse.json()["erreurs"]["demandes-0-fiche"][0]
        )
    reponse = client.post(URL, donnees(structure, [{"demarche_catalogue": prime.pk, "fiche": "abc"}]), **JSON)
    assert reponse.status_code == 400 and "Numéro de fiche invalide" in str(reponse.json())
    assert not Demande.objects.exists()
    page = client.get(URL, {"fiche": brouillon.pk})
    assert page.status_code == 200 and "data-fiche-consultee" not in page.content.decode()


def test_pilote_hors_perimetre_ni_propose_ni_accepte(client, agent, structure, bdf):
    connecter(client, agent)
    page = client.get(URL).content.decode()
    assert f'<option value="{bdf.pk}">Banque de France</option>' not in page
    surendettement = Demarche.objects.get(partenaire=bdf, libelle="Surendettement")
    assert ">Surendettement</option>" not in page
    reponse = client.post(URL, donnees(structure, [{"demarche_catalogue": surendettement.pk}]), **JSON)
    assert reponse.status_code == 400
    assert "hors du périmètre du pilote" in reponse.json()["erreurs"]["demandes-0-partenaire"][0]
    reponse = client.post(URL, donnees(structure, [{"partenaire": bdf.pk, "theme": "argent_impots"}]), **JSON)
    assert reponse.status_code == 400
    assert not Demande.objects.exists()


def test_pilote_exige_la_formation(client, agent, structure, bdf, national):
    pilote = Pilote.objects.create(partenaire=bdf, nom="Pilote BdF", debut=date(2022, 11, 1))
    pilote.structures.add(structure)
    surendettement = Demarche.objects.get(partenaire=bdf, libelle="Surendettement")
    connecter(client, agent)
    page = client.get(URL).content.decode()
    assert f'<option value="{bdf.pk}">Banque de France</option>' in page  # proposé : périmètre du pilote
    assert ">Surendettement</option>" in page
    reponse = client.post(URL, donnees(structure, [{"demarche_catalogue": surendettement.pk}]), **JSON)
    assert reponse.status_code == 400
    assert "déclaré(e) formé(e)" in reponse.json()["erreurs"]["demandes-0-partenaire"][0]
    FormationPilote.objects.create(
        pilote=pilote, agent=agent, formee_le=timezone.localdate(), declaree_par=national
    )
    reponse = client.post(URL, donnees(structure, [{"demarche_catalogue": surendettement.pk}]), **JSON)
    assert reponse.status_code == 201
    assert Demande.objects.get().partenaire == bdf


def test_refus_pilote_sans_script(client, agent, structure, bdf):
    connecter(client, agent)
    reponse = client.post(URL, donnees(structure, [{"partenaire": bdf.pk, "theme": "argent_impots"}]))
    assert reponse.status_code == 200
    assert "hors du périmètre du pilote" in reponse.content.decode()


def test_pas_d_escalade_pour_qui_ne_saisit_pas(client, agent, structure, prime):
    connecter(client, agent)
    assert client.post(URL, donnees(structure, [{"demarche_catalogue": prime.pk}]), **JSON).status_code == 201
    demande = Demande.objects.get()
    animateur = personne(Role.ANIMATEUR, departement=structure.departement)
    connecter(client, animateur)
    page = client.get(f"/activite/demandes/{demande.pk}/").content.decode()
    assert "Escalader cette demande" not in page
