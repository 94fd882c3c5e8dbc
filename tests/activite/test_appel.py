"""Appel reçu en une étape (/activite/appel/) : une demande au canal téléphone, validée et écrite comme la
saisie (mêmes formulaires, `controler_visite`, `actions.enregistrer` idempotent) ; « appel suivant »."""

import uuid
from html import unescape

import pytest
from django.urls import reverse

from franceservices.activite.models import Agregat, Canal, Demande, Demarche, Dimension, Issue, Theme
from franceservices.comptes.models import Role
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune
from tests.comptes.factories import HabilitationFactory, personne
from tests.escalades.fabriques import connecter

pytestmark = pytest.mark.django_db

URL = reverse("activite:appel")


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="16").order_by("pk").first()


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure)


def donnees(**ligne):
    visite = {k: ligne.pop(k) for k in ("structure", "commune") if k in ligne}
    valeurs = {
        "appel-TOTAL_FORMS": "1",
        "appel-INITIAL_FORMS": "0",
        "appel-MIN_NUM_FORMS": "1",
        "appel-MAX_NUM_FORMS": "20",
        "appel-0-cle_client": str(uuid.uuid4()),
        "appel-0-issue": Issue.FINALISEE,
    }
    valeurs.update({f"appel-0-{k}": v for k, v in ligne.items()})
    valeurs.update(visite)
    return valeurs


def test_page(client, agent):
    connecter(client, agent)
    reponse = client.get(URL)
    contenu = unescape(reponse.content.decode())
    assert reponse.status_code == 200
    assert "Enregistrer et saisir l'appel suivant" in contenu
    assert 'name="appel-0-cle_client"' in contenu and 'name="canal"' not in contenu


def test_appel_avec_demarche_puis_suivant(client, agent, structure):
    connecter(client, agent)
    demarche = Demarche.objects.filter(actif=True, partenaire__actif=True).order_by("pk").first()
    angouleme = Commune.objects.par_code("16015")
    telephone = Agregat.objects.filter(structure=structure, dimension=Dimension.CANAL, valeur=Canal.TELEPHONE)
    avant = sum(telephone.values_list("nombre", flat=True))
    envoi = donnees(demarche_catalogue=demarche.pk, commune="16015") | {"suivant": "1"}
    reponse = client.post(URL, envoi)
    assert reponse.status_code == 302 and reponse["Location"] == URL
    d = Demande.objects.get(cle_client=envoi["appel-0-cle_client"])
    assert (d.canal, d.demarche, d.partenaire, d.theme) == (
        Canal.TELEPHONE,
        demarche,
        demarche.partenaire,
        demarche.theme,
    )
    assert (d.structure, d.agent, d.commune) == (structure, agent, angouleme)
    assert sum(telephone.values_list("nombre", flat=True)) == avant + 1  # agrégats tenus
    # Rejouée (double clic) : pas de doublon.
    reponse = client.post(URL, envoi)
    assert reponse.status_code == 302
    assert Demande.objects.filter(cle_client=envoi["appel-0-cle_client"]).count() == 1


def test_appel_partenaire_et_theme_vers_la_fiche(client, agent):
    connecter(client, agent)
    caf = Partenaire.objects.get(code="cnaf")
    envoi = donnees(partenaire=caf.pk, theme=Theme.SOCIAL_SANTE, issue=Issue.ORIENTEE, orientee_vers="CCAS")
    reponse = client.post(URL, envoi)
    d = Demande.objects.get(cle_client=envoi["appel-0-cle_client"])
    assert reponse.status_code == 302 and reponse["Location"] == reverse("activite:demande", args=[d.pk])
    assert d.canal == Canal.TELEPHONE and d.orientee_vers == "CCAS" and d.commune is None


@pytest.mark.parametrize(
    ("ligne", "message"),
    [
        ({}, "Choisissez une démarche, ou un partenaire et un thème"),
        ({"partenaire": "cnaf"}, "Choisissez le thème de la demande"),
        ({"partenaire": "cnaf", "theme": "social_sante", "issue": "orientee"}, "Indiquez vers quel service"),
        (
            {"partenaire": "cnaf", "theme": "social_sante", "commune": "Zzzzyx"},
            "Aucune commune ne correspond",
        ),
        ({"partenaire": "999999", "theme": "social_sante"}, "Partenaire inconnu"),
        ({"demarche_catalogue": "abc"}, "Démarche inconnue"),
    ],
)
def test_appel_refuse_avec_message(client, agent, ligne, message):
    connecter(client, agent)
    if ligne.get("partenaire") == "cnaf":
        ligne["partenaire"] = Partenaire.objects.get(code="cnaf").pk
    avant = Demande.objects.count()
    reponse = client.post(URL, donnees(**ligne))
    contenu = unescape(reponse.content.decode())
    assert reponse.status_code == 200
    assert message in contenu and "L'appel n'a pas été enregistré" in contenu
    assert Demande.objects.count() == avant


def test_formulaire_de_gestion_fausse_pas_de_500(client, agent):
    connecter(client, agent)
    reponse = client.post(URL, {"appel-0-partenaire": "1"})
    assert reponse.status_code == 200
    assert "Formulaire incomplet" in unescape(reponse.content.decode())


def test_structure_d_une_autre_equipe_refusee(client):
    s0, s1, s2 = Structure.objects.filter(departement__code="16").order_by("pk")[:3]
    deux_structures = personne(Role.AGENT, structure=s1)
    HabilitationFactory(utilisateur=deux_structures, role=Role.AGENT, structure=s2)
    connecter(client, deux_structures)
    autre = s0
    caf = Partenaire.objects.get(code="cnaf")
    reponse = client.post(URL, donnees(structure=autre.pk, partenaire=caf.pk, theme=Theme.SOCIAL_SANTE))
    assert reponse.status_code == 200
    assert "que de vos France services" in unescape(reponse.content.decode())


@pytest.mark.parametrize("role", [Role.ANIMATEUR, Role.EQUIPE_NATIONALE, None])
def test_reserve_a_qui_saisit(client, structure, role):
    perimetre = {"departement": structure.departement} if role == Role.ANIMATEUR else {}
    connecter(client, personne(role, **perimetre))
    assert client.get(URL).status_code == 403
    assert client.post(URL, donnees()).status_code == 403


def test_anonyme_redirige_vers_la_connexion(client):
    assert client.get(URL).status_code == 302
