"""Pages des pilotes : matrice rôle × périmètre (liste, fiche, création, déclaration d'agents formés),
validation des formulaires (messages clairs, pas de 500), journal d'audit."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import FormationPilote, Pilote
from tests.comptes.factories import personne
from tests.core.conftest import connecter

pytestmark = pytest.mark.django_db
LISTE = reverse("partenaires:pilotes")
NOUVEAU = reverse("partenaires:pilote_nouveau")


def client_de(utilisateur) -> Client:
    client = Client()
    connecter(client, utilisateur)
    return client


@pytest.mark.parametrize(
    ("qui", "statut_fiche", "dans_la_liste"),
    [
        ("nationale", 200, True),
        ("referent_bdf", 200, True),
        ("referent_caf", 404, False),
        ("animateur53", 200, True),
        ("animateur16", 404, False),
        ("prefecture53", 200, True),
        ("responsable53", 200, True),
        ("agent53", 200, True),
        ("agent15", 200, True),
        ("agent15_hors", 404, False),
        ("agent16", 404, False),
    ],
)
def test_liste_et_fiche(monde, qui, statut_fiche, dans_la_liste):
    client = client_de(monde[qui])
    pilote = monde["pilote"]
    reponse = client.get(LISTE)
    assert reponse.status_code == 200
    assert (pilote.nom in reponse.content.decode()) is dans_la_liste
    assert client.get(reverse("partenaires:pilote", args=[pilote.pk])).status_code == statut_fiche


def test_liste_vide_explique(monde):
    reponse = client_de(monde["agent16"]).get(LISTE)
    assert b"data-vide" in reponse.content and "parce que vous êtes" in reponse.content.decode()


def test_anonyme_redirige(monde):
    assert Client().get(LISTE).status_code == 302


@pytest.mark.parametrize("qui", ["referent_bdf", "animateur53", "responsable53", "agent53"])
def test_creation_refusee_hors_equipe_nationale(monde, qui, bdf):
    client = client_de(monde[qui])
    assert client.get(NOUVEAU).status_code == 403
    donnees = {"partenaire": bdf.pk, "nom": "x", "departements": "53", "debut": "2026-01-01"}
    assert client.post(NOUVEAU, donnees).status_code == 403
    modifier = reverse("partenaires:pilote_modifier", args=[monde["pilote"].pk])
    assert client.post(modifier, donnees).status_code == 403
    assert not Pilote.objects.filter(nom="x").exists()


def test_creation_par_l_equipe_nationale(monde, bdf):
    client = client_de(monde["nationale"])
    assert client.get(NOUVEAU).status_code == 200
    reponse = client.post(
        NOUVEAU,
        {
            "partenaire": bdf.pk,
            "nom": "BdF Charente",
            "departements": "16, 2a",
            "structures": monde["s53"].id_fs,
            "debut": "2026-01-01",
            "fin": "2026-12-31",
            "formation_requise": "on",
        },
    )
    pilote = Pilote.objects.get(nom="BdF Charente")
    assert reponse.status_code == 302 and reponse.url == reverse("partenaires:pilote", args=[pilote.pk])
    assert set(pilote.departements.values_list("code", flat=True)) == {"16", "2A"}
    assert list(pilote.structures.all()) == [monde["s53"]]
    assert pilote.formation_requise
    audit = EvenementAudit.objects.get(evenement=Evenement.PILOTE_MODIFIE, cible_id=str(pilote.pk))
    assert audit.acteur == monde["nationale"] and audit.details["creation"] is True
    # Modification : fin retirée, formation plus exigée ; l'audit garde l'avant/après.
    modifier = reverse("partenaires:pilote_modifier", args=[pilote.pk])
    assert client.get(modifier).status_code == 200
    client.post(
        modifier,
        {"partenaire": bdf.pk, "nom": "BdF Charente", "departements": "16 2A", "debut": "2026-01-01"},
    )
    pilote.refresh_from_db()
    assert pilote.fin is None and not pilote.formation_requise and not pilote.structures.exists()
    dernier = EvenementAudit.objects.filter(evenement=Evenement.PILOTE_MODIFIE).order_by("-pk").first()
    assert dernier.details["changements"]["fin"] == ["2026-12-31", None]


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"departements": "99"}, "Département(s) inconnu(s) : 99"),
        ({"structures": "nexistepas"}, "France services inconnue(s)"),
        ({"departements": "", "structures": ""}, "au moins un département"),
        ({"fin": "2025-01-01"}, "postérieure ou égale"),
        ({"debut": "pas une date"}, "Saisissez une date valide"),
        ({"debut": ""}, "Indiquez la date de début"),
        ({"partenaire": ""}, "Choisissez le partenaire"),
        ({"partenaire": "cnaf"}, "Sélectionnez un choix valide"),
    ],
)
def test_validation(monde, bdf, donnees, message):
    from franceservices.partenaires.models import Partenaire

    base = {"partenaire": bdf.pk, "nom": "Invalide", "departements": "53", "debut": "2026-01-01"}
    if donnees.get("partenaire") == "cnaf":
        donnees = {"partenaire": Partenaire.objects.get(code="cnaf").pk}
    reponse = client_de(monde["nationale"]).post(NOUVEAU, base | donnees)
    assert reponse.status_code == 400
    assert message in reponse.content.decode()
    assert not Pilote.objects.filter(nom="Invalide").exists()


def _declarer(client, pilote, agent, jour):
    return client.post(
        reverse("partenaires:pilote_declarer", args=[pilote.pk]), {"agent": agent.pk, "formee_le": jour}
    )


@pytest.mark.parametrize(
    ("qui", "agent", "attendu"),
    [
        ("responsable53", "agent53", 302),
        ("animateur53", "agent53", 302),
        ("nationale", "agent15", 302),
        ("animateur15", "agent15", 302),
        ("responsable53", "agent15", 400),  # pas sa structure
        ("animateur15", "agent15_hors", 400),  # structure non couverte
        ("responsable16", "agent16", 404),  # pilote hors de son périmètre
        ("agent53", "agent53", 403),  # un agent ne se déclare pas lui-même
        ("referent_bdf", "agent53", 403),
        ("prefecture53", "agent53", 403),
    ],
)
def test_declaration_matrice(monde, qui, agent, attendu):
    pilote = monde["pilote"]
    reponse = _declarer(client_de(monde[qui]), pilote, monde[agent], timezone.localdate().isoformat())
    assert reponse.status_code == attendu
    assert FormationPilote.objects.filter(pilote=pilote, agent=monde[agent]).exists() is (attendu == 302)


def test_declaration_et_retrait(monde):
    pilote, agent = monde["pilote"], monde["agent53"]
    client = client_de(monde["responsable53"])
    demain = (timezone.localdate() + timedelta(days=1)).isoformat()
    reponse = _declarer(client, pilote, agent, demain)
    assert reponse.status_code == 400 and "dans le futur" in reponse.content.decode()
    hier = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _declarer(client, pilote, agent, hier).status_code == 302
    formation = FormationPilote.objects.get(pilote=pilote, agent=agent)
    assert formation.declaree_par == monde["responsable53"]
    audit = EvenementAudit.objects.filter(evenement=Evenement.FORMATION_PILOTE).order_by("-pk").first()
    assert audit.details["action"] == "declaration" and audit.details["agent"] == agent.email
    fiche = client.get(reverse("partenaires:pilote", args=[pilote.pk])).content.decode()
    assert agent.email in fiche or agent.get_full_name() in fiche
    # La fiche d'un agent d'ailleurs (Cantal) ne montre pas les agents formés de la Mayenne.
    autre = client_de(monde["agent15"]).get(reverse("partenaires:pilote", args=[pilote.pk])).content.decode()
    assert agent.get_full_name() not in autre
    retirer = reverse("partenaires:pilote_retirer", args=[pilote.pk, formation.pk])
    assert client_de(monde["animateur15"]).post(retirer).status_code == 404
    assert client.post(retirer).status_code == 302
    assert not FormationPilote.objects.filter(pk=formation.pk).exists()
    audit = EvenementAudit.objects.filter(evenement=Evenement.FORMATION_PILOTE).order_by("-pk").first()
    assert audit.details["action"] == "retrait"


def test_declaration_invalide_sans_500(monde):
    client = client_de(monde["responsable53"])
    url = reverse("partenaires:pilote_declarer", args=[monde["pilote"].pk])
    for donnees in ({}, {"agent": "abc", "formee_le": "x"}, {"agent": 999999999, "formee_le": "2026-01-01"}):
        assert client.post(url, donnees).status_code == 400
    assert client.get(url).status_code == 405


def test_requetes_bornees(monde, bdf):
    """Liste et fiche : un nombre de requêtes qui ne dépend ni du nombre de pilotes ni des agents formés."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_de(monde["nationale"])
    fiche = reverse("partenaires:pilote", args=[monde["pilote"].pk])

    def compter(url):
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(url).status_code == 200
        return len(requetes)

    # Une formation d'abord : la page lit alors sa liste (une requête), quel que soit le nombre ensuite.
    FormationPilote.objects.create(
        pilote=monde["pilote"], agent=monde["agent15"], formee_le=timezone.localdate()
    )
    liste_1, fiche_1 = compter(LISTE), compter(fiche)
    for i in range(5):
        Pilote.objects.create(partenaire=bdf, nom=f"Autre {i}", debut=timezone.localdate()).departements.set(
            [monde["mayenne"]]
        )
    for agent in ("agent53", "responsable53"):
        FormationPilote.objects.create(
            pilote=monde["pilote"], agent=monde[agent], formee_le=timezone.localdate()
        )
    assert compter(LISTE) == liste_1
    assert compter(fiche) == fiche_1


def test_agents_formes_pagines(monde):
    """La fiche d'un pilote de 8 départements peut compter des centaines d'agents formés : 30 par page."""
    from franceservices.partenaires.views import PAR_PAGE

    for i in range(PAR_PAGE + 5):
        agent = personne(Role.AGENT, structure=monde["s53"], email=f"forme{i:02d}@exemple.fr")
        FormationPilote.objects.create(pilote=monde["pilote"], agent=agent, formee_le=timezone.localdate())
    client = client_de(monde["nationale"])
    fiche = reverse("partenaires:pilote", args=[monde["pilote"].pk])
    premiere = client.get(fiche)
    assert premiere.status_code == 200
    assert len(premiere.context["formations"].object_list) == PAR_PAGE
    assert f"Agents déclarés formés : {PAR_PAGE + 5}, page 1 sur 2" in premiere.content.decode()
    seconde = client.get(fiche, {"page": 2})
    assert len(seconde.context["formations"].object_list) == 5
    assert client.get(fiche, {"page": "abc"}).status_code == 200  # page invalide : la première
