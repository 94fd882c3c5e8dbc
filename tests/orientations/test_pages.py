"""Pages des orientations : boîte, orienter (proximité, consentement), fiche et réponse, matrice de
permissions (hors périmètre → 404), statistiques, diagnostic et saisie préremplie."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.orientations.models import Etat, Orientation, Sens

from .conftest import orienter

BOITE = reverse("orientations:boite")
ORIENTER = reverse("orientations:orienter")
STATS = reverse("orientations:statistiques")
DIAG = reverse("orientations:diagnostic")


def connecte(client, user):
    client.force_login(user)
    session = client.session
    session[CLE_SESSION] = True  # second facteur vérifié (équipe nationale)
    session.save()
    return client


@pytest.fixture
def orientations(monde):
    return {
        "vers_a": orienter(monde),
        "vers_b": orienter(monde, lieu=monde["lieu_b"], par=monde["agent"]),
        "depuis_a": orienter(
            monde, sens=Sens.VERS_FRANCE_SERVICES, structure=monde["s16b"], besoin="demarche"
        ),
        "gironde": orienter(monde, structure=monde["s33"], lieu=monde["lieu_33"], par=monde["agent_33"]),
    }


# — Matrice : qui voit quelle fiche —
VISIBLES = {
    "agent": {"vers_a", "vers_b"},
    "responsable": {"vers_a", "vers_b"},
    "agent_b": {"depuis_a"},
    "agent_33": {"gironde"},
    "cnfs": {"vers_a", "depuis_a"},
    "cnfs_b": {"vers_b"},
    "cnfs_33": {"gironde"},
    "animateur": set(),
    "prefecture": set(),
    "national": set(),
    "sans_role": set(),
}


@pytest.mark.parametrize("qui", sorted(VISIBLES))
def test_matrice_des_fiches(client, monde, orientations, qui):
    connecte(client, monde[qui])
    for nom, o in orientations.items():
        reponse = client.get(reverse("orientations:fiche", args=[o.pk]))
        attendu = 200 if nom in VISIBLES[qui] else 404
        assert reponse.status_code == attendu, (qui, nom)
        reponse = client.post(reverse("orientations:changer_etat", args=[o.pk]), {"etat": "acceptee"})
        if attendu == 404:
            assert reponse.status_code == 404
    assert client.get(reverse("orientations:fiche", args=[999999])).status_code == 404


@pytest.mark.parametrize("qui", sorted(VISIBLES))
def test_boite(client, monde, orientations, qui):
    connecte(client, monde[qui])
    reponse = client.get(BOITE)
    if qui in {"animateur", "prefecture", "national", "sans_role"}:
        assert reponse.status_code == 403
        return
    assert reponse.status_code == 200
    vues = {o.pk for o in reponse.context["page"]}
    assert vues == {orientations[n].pk for n in VISIBLES[qui]}


def test_boite_filtres_et_pagination(client, monde, orientations):
    connecte(client, monde["cnfs"])
    reponse = client.get(BOITE, {"boite": "recues"})
    assert [o.pk for o in reponse.context["page"]] == [orientations["vers_a"].pk]
    reponse = client.get(BOITE, {"boite": "envoyees"})
    assert [o.pk for o in reponse.context["page"]] == [orientations["depuis_a"].pk]
    reponse = client.get(BOITE, {"etat": "declinee"})
    assert b"data-vide" in reponse.content
    assert client.get(BOITE, {"etat": "nimporte", "page": "zz"}).status_code == 200


def test_orienter_vers_un_conseiller_proche(client, monde):
    connecte(client, monde["agent"])
    reponse = client.get(ORIENTER, {"commune": "16102", "autonomie": "non_autonome"})
    assert reponse.status_code == 200
    proches = [lieu for lieu, _ in reponse.context["destinataires"]]
    assert proches[0] == monde["lieu_b"]  # Cognac d'abord, puis Angoulême ; Bordeaux ensuite
    assert proches.index(monde["lieu_a"]) < proches.index(monde["lieu_33"])
    assert reponse.context["form"]["autonomie"].value() == "non_autonome"
    assert b"data-consentement" in reponse.content


def test_orienter_sans_consentement_refuse(client, monde):
    connecte(client, monde["agent"])
    donnees = {
        "sens": Sens.VERS_MEDIATION,
        "depuis": monde["s16"].pk,
        "commune": "16015",
        "destinataire": monde["lieu_a"].pk,
        "besoin": "equipement",
        "telephone": "06 12 34 56 78",
    }
    reponse = client.post(ORIENTER, donnees)
    assert reponse.status_code == 200
    assert "consentement" in reponse.context["form"].errors
    assert not Orientation.objects.exists()
    reponse = client.post(ORIENTER, {**donnees, "telephone": "", "consentement": "on"})
    assert "téléphone ou un courriel" in str(reponse.context["form"].non_field_errors())
    reponse = client.post(ORIENTER, {**donnees, "destinataire": 999999, "consentement": "on"})
    assert "destinataire" in reponse.context["form"].errors
    reponse = client.post(ORIENTER, {**donnees, "consentement": "on", "autonomie": "partielle"})
    o = Orientation.objects.get()
    assert reponse.status_code == 302 and reponse["Location"] == reverse("orientations:fiche", args=[o.pk])
    assert (o.telephone, o.autonomie, o.lieu, o.structure) == (
        "+33612345678",
        "partielle",
        monde["lieu_a"],
        monde["s16"],
    )


def test_orienter_depuis_une_autre_structure_impossible(client, monde):
    connecte(client, monde["agent"])
    client.post(
        ORIENTER,
        {
            "depuis": monde["s16b"].pk,  # pas la sienne : ignorée, le formulaire refuse
            "destinataire": monde["lieu_a"].pk,
            "besoin": "equipement",
            "telephone": "0612345678",
            "consentement": "on",
        },
    )
    assert not Orientation.objects.filter(structure=monde["s16b"]).exists()


def test_conseiller_oriente_vers_une_france_services(client, monde):
    connecte(client, monde["cnfs"])
    reponse = client.get(ORIENTER)
    assert reponse.context["sens"] == Sens.VERS_FRANCE_SERVICES
    proches = [s for s, _ in reponse.context["destinataires"]]
    assert proches and all(s.departement_id == monde["d16"].pk for s in proches[:3])
    reponse = client.post(
        ORIENTER,
        {
            "sens": Sens.VERS_FRANCE_SERVICES,
            "depuis": monde["lieu_a"].pk,
            "destinataire": proches[0].pk,
            "besoin": "demarche",
            "courriel": "jo@exemple.fr",
            "consentement": "on",
        },
    )
    assert reponse.status_code == 302
    o = Orientation.objects.get()
    assert o.sens == Sens.VERS_FRANCE_SERVICES and o.lieu == monde["lieu_a"] and o.structure == proches[0]


@pytest.mark.parametrize("qui", ["animateur", "national", "sans_role"])
def test_orienter_reserve(client, monde, qui):
    connecte(client, monde[qui])
    assert client.get(ORIENTER).status_code == 403


def test_repondre_depuis_la_fiche_et_l_emetteur_voit_l_issue(client, monde, orientations):
    o = orientations["vers_a"]
    connecte(client, monde["cnfs"])
    fiche = reverse("orientations:fiche", args=[o.pk])
    assert b"Proposer ce cr" in client.get(fiche).content
    url = reverse("orientations:changer_etat", args=[o.pk])
    client.post(url, {"etat": "declinee", "motif": ""})
    o.refresh_from_db()
    assert o.etat == Etat.ENVOYEE
    quand = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    reponse = client.post(url, {"etat": "creneau", "creneau_le": quand, "creneau_lieu": "Salle 2"})
    assert reponse.status_code == 302
    o.refresh_from_db()
    assert o.etat == Etat.CRENEAU
    connecte(client, monde["agent"])
    page = client.get(fiche).content.decode()
    assert "Créneau proposé" in page and "Salle 2" in page
    assert "Proposer ce cr" not in page  # l'émetteur ne répond pas à la place du destinataire
    assert "Classer sans suite" in page


def test_statistiques_pages(client, monde, orientations):
    connecte(client, monde["national"])
    reponse = client.get(STATS)
    assert reponse.status_code == 200 and reponse.context["total"].total == 4
    assert reponse.context["groupe"] == "region"
    reponse = client.get(STATS, {"region": "75"})
    assert reponse.context["groupe"] == "departement" and reponse.context["total"].total == 4
    assert "Jo" not in reponse.content.decode().replace("Jour", "")
    connecte(client, monde["animateur"])
    assert client.get(STATS).context["total"].total == 3
    connecte(client, monde["cnfs_b"])
    assert client.get(STATS).context["total"].total == 1
    connecte(client, monde["sans_role"])
    assert client.get(STATS).status_code == 403


def test_diagnostic_et_saisie_preremplie(client, monde):
    connecte(client, monde["agent"])
    assert client.get(DIAG).context["resultat"] is None
    codes = ("appareil", "internet", "courriel", "compte", "document", "formulaire", "arnaque")
    reponses = dict.fromkeys(codes, "non")
    reponse = client.get(DIAG, reponses)
    assert reponse.context["resultat"].niveau == "non_autonome"
    contenu = reponse.content.decode()
    assert "data-orienter" in contenu and "autonomie=non_autonome" in contenu
    saisie = client.get(reverse("activite:saisie"), {"autonomie": "non_autonome"})
    assert saisie.context["visite"]["autonomie"].value() == "non_autonome"
    assert b"data-autonomie-diagnostic" in saisie.content
    saisie = client.get(reverse("activite:saisie"), {"autonomie": "bidon"})
    assert not saisie.context["visite"]["autonomie"].value()
    incomplet = client.get(DIAG, {"appareil": "oui"})
    assert incomplet.context["resultat"] is None and incomplet.context["form"].errors
    assert not Orientation.objects.exists()  # rien n'est enregistré
