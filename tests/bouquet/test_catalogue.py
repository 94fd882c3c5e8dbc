"""Catalogue : pages des partenaires (pilotes compris), modification auditée d'une démarche, API, import."""

from datetime import date

import pytest

from franceservices.activite.importation import importer_demarches
from franceservices.activite.models import Demarche, Regle
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import Pilote, Presence

from .fabriques import connecter, partenaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def bdf():
    p = partenaire("bdf")
    assert p.presence == Presence.PILOTE
    return p


def test_accueil_sans_pilote_hors_perimetre(client, agent, bdf):
    connecter(client, agent)
    html = client.get("/bouquet/").content.decode()
    assert 'data-partenaire="cnaf"' in html
    assert 'data-partenaire="bdf"' not in html
    assert client.get("/bouquet/partenaires/bdf/").status_code == 404


def test_pilote_visible_dans_son_perimetre(client, agent, structure, bdf):
    pilote = Pilote.objects.create(partenaire=bdf, nom="Pilote BdF", debut=date(2022, 11, 1))
    pilote.departements.add(structure.departement)
    connecter(client, agent)
    assert 'data-partenaire="bdf"' in client.get("/bouquet/").content.decode()
    page = client.get("/bouquet/partenaires/bdf/").content.decode()
    surendettement = Demarche.objects.get(partenaire=bdf, libelle="Surendettement")
    assert surendettement.regle == Regle.ESCALADE
    assert f"/escalades/nouvelle/?demarche={surendettement.pk}" in page
    assert "Questions bancaires générales (inclusion bancaire)" in page


def test_page_partenaire_regle_pieces_liens(client, agent):
    connecter(client, agent)
    html = client.get("/bouquet/partenaires/cnaf/").content.decode()
    assert "Traitée au guichet France services" in html
    assert "https://www.service-public.fr/particuliers/vosdroits/F2882" in html
    assert "RIB" in html
    assert "valeurs par défaut du projet" in html


def test_modifier_une_demarche_auditee(client, national):
    d = Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")
    connecter(client, national)
    reponse = client.post(
        f"/bouquet/demarches/{d.pk}/modifier/",
        {
            "regle": "orientation",
            "mode_orientation": "telephone",
            "precisions_orientation": "Ligne dédiée",
            "pieces": "RIB\n\n- Avis d'imposition",
            "lien_en_ligne": "https://www.caf.fr",
            "lien_service_public": "https://www.service-public.fr/particuliers/vosdroits/F2882",
        },
    )
    assert reponse.status_code == 302
    d.refresh_from_db()
    assert (d.regle, d.liste_pieces) == (Regle.ORIENTATION, ["RIB", "Avis d'imposition"])
    evenement = EvenementAudit.objects.get(evenement=Evenement.DEMARCHE_MODIFIEE, cible_id=str(d.pk))
    assert evenement.details["apres"]["regle"] == "orientation"


def test_lien_service_public_verifie(client, national):
    d = Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")
    connecter(client, national)
    reponse = client.post(
        f"/bouquet/demarches/{d.pk}/modifier/",
        {"regle": "guichet", "lien_service_public": "https://exemple.com/faux"},
    )
    assert reponse.status_code == 200
    assert "service-public.fr" in reponse.content.decode()


def test_modifier_demarche_refusee(client, agent, referent_ants):
    d = Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")
    for qui in (agent, referent_ants):
        connecter(client, qui)
        assert client.get(f"/bouquet/demarches/{d.pk}/modifier/").status_code == 403
        assert client.post(f"/bouquet/demarches/{d.pk}/modifier/", {"regle": "escalade"}).status_code == 403
    d.refresh_from_db()
    assert d.regle == Regle.GUICHET
    assert not EvenementAudit.objects.filter(evenement=Evenement.DEMARCHE_MODIFIEE).exists()


def test_referent_modifie_son_partenaire(client, referent_cnaf):
    d = Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")
    connecter(client, referent_cnaf)
    reponse = client.post(f"/bouquet/demarches/{d.pk}/modifier/", {"regle": "escalade", "pieces": "RIB"})
    assert reponse.status_code == 302


# — Import du catalogue —


def test_import_ne_reecrit_pas_une_demarche_modifiee():
    d = Demarche.objects.get(partenaire__code="cnaf", libelle="Prime d'activité")
    assert d.lien_en_ligne == "https://www.caf.fr" and "RIB" in d.liste_pieces
    d.pieces = "Seulement ceci"
    d.save()
    bilan = importer_demarches()
    d.refresh_from_db()
    assert d.pieces == "Seulement ceci"
    assert bilan.compteurs["rejetés"] == 0


def test_import_complete_une_base_anterieure():
    d = Demarche.objects.get(partenaire__code="bdf", libelle="Surendettement")
    Demarche.objects.filter(pk=d.pk).update(
        regle=Regle.GUICHET, pieces="", lien_en_ligne="", lien_service_public="", precisions_orientation=""
    )
    importer_demarches()
    d.refresh_from_db()
    assert d.regle == Regle.ESCALADE and d.liste_pieces


def test_liens_officiels_seulement():
    officiels = (
        "https://www.service-public.fr/",
        "https://ants.gouv.fr",
        "https://www.caf.fr",
        "https://www.ameli.fr",
        "https://www.lassuranceretraite.fr",
        "https://www.msa.fr",
        "https://www.francetravail.fr",
        "https://www.impots.gouv.fr",
        "https://www.banque-france.fr",
        "https://www.justice.fr",
        "https://casier-judiciaire.justice.gouv.fr",
        "https://www.chequeenergie.gouv.fr",
        "https://www.france-renov.gouv.fr",
        "https://www.urssaf.fr",
        "https://www.laposte.fr",
    )
    for d in Demarche.objects.all():
        for lien in (d.lien_en_ligne, d.lien_service_public):
            assert not lien or lien.startswith(officiels), (d.libelle, lien)


# — API publique —


def test_api_demarches(client):
    reponse = client.get("/api/v1/catalogue/demarches")
    assert reponse.status_code == 200
    codes = {d["partenaire"] for d in reponse.json()}
    assert "cnaf" in codes and "bdf" not in codes  # pas de partenaire pilote
    cnaf = client.get("/api/v1/catalogue/demarches", {"partenaire": "cnaf"}).json()
    assert cnaf and {d["partenaire"] for d in cnaf} == {"cnaf"}
    prime = next(d for d in cnaf if d["libelle"] == "Prime d'activité")
    assert prime["regle"] == "guichet" and "RIB" in prime["pieces"]
    assert "défaut du projet" in prime["source_regle"]
    assert client.get(f"/api/v1/catalogue/demarches/{prime['id']}").json()["libelle"] == "Prime d'activité"


@pytest.mark.parametrize(
    ("parametres", "statut", "extrait"),
    [
        ({"partenaire": "inconnu"}, 404, "Partenaire inconnu"),
        ({"partenaire": "bdf"}, 404, "absent du catalogue public"),
        ({"partenaire": "CNAF!"}, 422, "caractères non autorisés"),
        ({"partenaire": "x" * 30}, 422, "au plus 20"),
    ],
)
def test_api_erreurs_en_francais(client, parametres, statut, extrait):
    reponse = client.get("/api/v1/catalogue/demarches", parametres)
    assert reponse.status_code == statut
    assert extrait in reponse.json()["message"]


def test_api_demarche_pilote_introuvable(client):
    d = Demarche.objects.get(partenaire__code="bdf", libelle="Surendettement")
    assert client.get(f"/api/v1/catalogue/demarches/{d.pk}").status_code == 404
    assert client.get("/api/v1/catalogue/demarches/999999999").json()["message"] == "Ressource introuvable."
