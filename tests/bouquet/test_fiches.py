"""Fiches : rédaction (droits), versions et différences, publication, fiches à relire, audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from franceservices.bouquet.models import Fiche, Statut, VersionFiche
from franceservices.core.models import Evenement, EvenementAudit

from .fabriques import connecter, fiche, partenaire

pytestmark = pytest.mark.django_db


def donnees(code="cnaf", **champs):
    return {
        "partenaire": partenaire(code).pk,
        "titre": "Prime d'activité : trimestrielle",
        "resume": "Déclarer ses ressources chaque trimestre.",
        "contenu": "Ligne un.\n\nLigne deux.",
        "mots_cles": "prime, caf",
        "revoir_le": (timezone.localdate() + timedelta(days=200)).isoformat(),
        "motif": "",
        **champs,
    }


def test_creation_puis_modification_versionnees(client, national):
    connecter(client, national)
    reponse = client.post("/bouquet/fiches/nouvelle/", donnees())
    assert reponse.status_code == 302
    f = Fiche.objects.get(titre="Prime d'activité : trimestrielle")
    assert (f.version, f.statut) == (1, Statut.BROUILLON)
    assert "prime d activite" in f.texte_recherche  # tenu à jour à l'enregistrement
    reponse = client.post(
        f"/bouquet/fiches/{f.pk}/modifier/",
        donnees(contenu="Ligne un.\n\nLigne deux modifiée.", motif="nouveau barème"),
    )
    assert reponse.status_code == 302
    f.refresh_from_db()
    assert f.version == 2
    versions = list(f.versions.order_by("numero").values_list("numero", "motif"))
    assert versions == [(1, "Création"), (2, "nouveau barème")]
    assert EvenementAudit.objects.filter(evenement=Evenement.FICHE_MODIFIEE, cible_id=str(f.pk)).count() == 2
    historique = client.get(f"/bouquet/fiches/{f.pk}/versions/").content.decode()
    assert "nouveau barème" in historique and 'data-version="2"' in historique
    diff = client.get(f"/bouquet/fiches/{f.pk}/difference/", {"de": 1, "a": 2}).content.decode()
    assert '<del><span class="fr-sr-only">Retiré : </span>− Ligne deux.</del>' in diff
    assert '<ins><span class="fr-sr-only">Ajouté : </span>+ Ligne deux modifiée.</ins>' in diff
    assert client.get(f"/bouquet/fiches/{f.pk}/difference/", {"de": 1, "a": 9}).status_code == 404
    assert client.get(f"/bouquet/fiches/{f.pk}/difference/", {"de": "x"}).status_code == 404


def test_publier_archiver(client, national):
    f = fiche(national, statut=Statut.BROUILLON)
    connecter(client, national)
    client.post(f"/bouquet/fiches/{f.pk}/statut/", {"statut": "publiee", "motif": "relue"})
    f.refresh_from_db()
    assert (f.statut, f.version) == (Statut.PUBLIEE, 2)
    client.post(f"/bouquet/fiches/{f.pk}/statut/", {"statut": "archivee"})
    f.refresh_from_db()
    assert (f.statut, f.version) == (Statut.ARCHIVEE, 3)
    assert VersionFiche.objects.get(fiche=f, numero=3).statut == Statut.ARCHIVEE


def test_agent_ne_redige_pas(client, agent, national):
    f = fiche(national)
    connecter(client, agent)
    assert client.get("/bouquet/fiches/nouvelle/").status_code == 403
    assert client.post("/bouquet/fiches/nouvelle/", donnees()).status_code == 403
    assert client.get(f"/bouquet/fiches/{f.pk}/modifier/").status_code == 403
    assert client.post(f"/bouquet/fiches/{f.pk}/statut/", {"statut": "archivee"}).status_code == 403
    f.refresh_from_db()
    assert (f.version, f.statut) == (1, Statut.PUBLIEE)
    page = client.get(f"/bouquet/fiches/{f.pk}/").content.decode()
    assert "Modifier la fiche" not in page
    assert "Saisir une demande avec cette fiche" in page


def test_referent_redige_seulement_son_partenaire(client, national, referent_cnaf):
    a_lui = fiche(national, "cnaf", statut=Statut.BROUILLON)
    autre = fiche(national, "ants")
    brouillon_autre = fiche(national, "ants", statut=Statut.BROUILLON)
    connecter(client, referent_cnaf)
    assert client.get(f"/bouquet/fiches/{a_lui.pk}/").status_code == 200  # son brouillon
    assert client.get(f"/bouquet/fiches/{brouillon_autre.pk}/").status_code == 404
    assert client.get(f"/bouquet/fiches/{autre.pk}/modifier/").status_code == 403
    # Créer une fiche pour un autre partenaire : refusé par le formulaire (choix hors de ses partenaires).
    reponse = client.post("/bouquet/fiches/nouvelle/", donnees("ants"))
    assert reponse.status_code == 200
    assert "Vous ne pouvez rédiger que les fiches de vos partenaires." in reponse.content.decode()
    assert client.post("/bouquet/fiches/nouvelle/", donnees("cnaf")).status_code == 302
    reponse = client.post(f"/bouquet/fiches/{a_lui.pk}/modifier/", donnees("cnaf", motif="relecture"))
    assert reponse.status_code == 302


def test_fiche_a_relire_signalee(client, agent, national):
    vieille = fiche(national, titre="Fiche ancienne", revoir_dans=-3)
    fraiche = fiche(national, titre="Fiche récente")
    assert list(Fiche.objects.a_revoir()) == [vieille]
    connecter(client, agent)
    assert "data-a-relire" in client.get(f"/bouquet/fiches/{vieille.pk}/").content.decode()
    assert "data-a-relire" not in client.get(f"/bouquet/fiches/{fraiche.pk}/").content.decode()
    resultats = client.get("/bouquet/fiches/", {"q": "fiche"}).content.decode()
    assert resultats.count("data-a-relire") == 1
    filtrees = client.get("/bouquet/fiches/", {"a_revoir": "on"}).content.decode()
    assert f'data-fiche="{vieille.pk}"' in filtrees and f'data-fiche="{fraiche.pk}"' not in filtrees


def test_date_de_relecture_passee_refusee(client, national):
    connecter(client, national)
    hier = (timezone.localdate() - timedelta(days=10)).isoformat()
    reponse = client.post("/bouquet/fiches/nouvelle/", donnees(revoir_le=hier))
    assert reponse.status_code == 200
    assert "La date de relecture est passée" in reponse.content.decode()
    assert not Fiche.objects.exists()


def test_recherche_vide_expliquee_par_un_pilote_hors_perimetre(client, agent, national):
    """Un agent hors du pilote Banque de France ne voit pas ses fiches ; une recherche qui n'aboutit qu'à elles
    dit pourquoi (le partenaire n'est pas proposé ici), sans montrer les fiches."""
    fiche(
        national,
        "bdf",
        titre="Surendettement : déposer un dossier à la Banque de France",
        resume="Déposer un dossier de surendettement.",
        contenu="Commission de surendettement des particuliers.",
        mots_cles="dettes",
    )
    connecter(client, agent)
    reponse = client.get("/bouquet/fiches/", {"q": "surendetement"})
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert reponse.context["page"].paginator.count == 0
    assert "data-hors-perimetre" in contenu and "Banque de France" in contenu
    assert "déposer un dossier à la Banque de France" not in contenu  # le titre de la fiche n'apparaît pas
    # Une recherche sans rapport ne mentionne aucun pilote.
    reponse = client.get("/bouquet/fiches/", {"q": "carte grise"})
    assert "data-hors-perimetre" not in reponse.content.decode()
