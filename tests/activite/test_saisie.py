"""Saisie d'une visite par un agent : formulaire, idempotence, réponses JSON, permissions, requêtes SQL."""

import uuid
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.activite import agregats
from franceservices.activite.models import Agregat, Demande, Demarche, Dimension, Favori, Issue
from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

URL = "/activite/saisie/"
JSON = {"HTTP_ACCEPT": "application/json"}
TOUTE_L_ANNEE = (date.today() - timedelta(days=400), date.today() + timedelta(days=40))


@pytest.fixture
def charente():
    return list(Structure.objects.filter(departement__code="16").order_by("id_fs")[:3])


@pytest.fixture
def agent(charente):
    return personne(Role.AGENT, structure=charente[0])


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def demarches_de(code, n=1):
    return list(Demarche.objects.filter(partenaire__code=code, actif=True).order_by("pk")[:n])


def donnees(structure, lignes, **visite):
    """Un POST de saisie : `lignes` est une liste de dicts (champs d'une demande, sans préfixe)."""
    d = {
        "structure": str(structure.pk),
        "demandes-TOTAL_FORMS": str(len(lignes)),
        "demandes-INITIAL_FORMS": "0",
        **visite,
    }
    for i, ligne in enumerate(lignes):
        ligne = {"cle_client": str(uuid.uuid4()), **ligne}
        for cle, valeur in ligne.items():
            d[f"demandes-{i}-{cle}"] = "" if valeur is None else str(valeur)
    return d


def test_reverse():
    assert reverse("activite:saisie") == URL
    assert reverse("activite:demandes") == "/activite/demandes/"


def test_page_de_saisie(client_agent, charente):
    reponse = client_agent.get(URL)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Saisir une visite" in html
    assert 'name="demandes-TOTAL_FORMS"' in html
    assert 'name="demandes-0-cle_client"' in html
    assert "autofocus" in html
    assert charente[0].nom in html  # une seule France services : affichée, présélectionnée


def test_visite_de_trois_demandes(client_agent, charente, agent):
    caf = demarches_de("cnaf")[0]
    cpam = demarches_de("cnam")[0] if demarches_de("cnam") else demarches_de("ants")[0]
    lignes = [
        {"demarche": caf.pk},
        {"demarche_catalogue": cpam.pk, "duree": 30, "niveau": "realisee"},
        {"partenaire_autre": "Mission locale", "theme": "travail_formation", "issue": "orientee",
         "orientee_vers": "Mission locale d'Angoulême"},
    ]  # fmt: skip
    commune = Commune.objects.get(code_insee="16015")
    reponse = client_agent.post(
        URL, donnees(charente[0], lignes, tranche_age="26_39", commune="16015", premiere_visite="oui")
    )
    assert reponse.status_code == 302 and reponse["Location"] == URL
    demandes = list(Demande.objects.order_by("pk"))
    assert len(demandes) == 3
    assert len({d.visite for d in demandes}) == 1
    assert all(d.agent == agent and d.structure == charente[0] for d in demandes)
    assert all(d.commune == commune and d.premiere_visite is True for d in demandes)
    assert demandes[0].partenaire_id == caf.partenaire_id and demandes[0].theme == caf.theme
    assert demandes[1].demarche == cpam and demandes[1].duree == 30
    assert demandes[2].partenaire is None and demandes[2].partenaire_autre == "Mission locale"
    assert demandes[2].issue == Issue.ORIENTEE
    suivante = client_agent.get(URL)
    assert "3 demandes enregistrées." in suivante.content.decode()
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_meme_post_deux_fois_une_demande(client_agent, charente):
    post = donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}])
    assert client_agent.post(URL, post).status_code == 302
    assert client_agent.post(URL, post).status_code == 302
    assert Demande.objects.count() == 1
    total = Agregat.objects.get(structure=charente[0], dimension=Dimension.TOTAL)
    assert total.nombre == 1
    reponse = client_agent.post(URL, post, **JSON)
    assert reponse.status_code == 201
    assert reponse.json()["enregistrees"] == 0 and reponse.json()["deja_enregistrees"] == 1
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_json_201(client_agent, charente):
    cles = [str(uuid.uuid4()), str(uuid.uuid4())]
    caf = demarches_de("cnaf")[0]
    post = donnees(
        charente[0],
        [{"cle_client": cles[0], "demarche": caf.pk}, {"cle_client": cles[1], "demarche": caf.pk}],
    )
    reponse = client_agent.post(URL, post, **JSON)
    assert reponse.status_code == 201
    assert reponse.json() == {"enregistrees": 2, "deja_enregistrees": 0, "cles": cles}


def test_json_400_en_francais(client_agent, charente):
    reponse = client_agent.post(URL, donnees(charente[0], [{"partenaire_autre": "Mairie"}]), **JSON)
    assert reponse.status_code == 400
    assert reponse.json() == {"erreurs": {"demandes-0-theme": ["Choisissez le thème de la demande."]}}
    assert Demande.objects.count() == 0


def test_json_sans_formulaire_de_gestion(client_agent):
    reponse = client_agent.post(URL, {"structure": "1"}, **JSON)
    assert reponse.status_code == 400
    assert "__all__" in reponse.json()["erreurs"]


def erreurs(client, post):
    reponse = client.post(URL, post, **JSON)
    assert reponse.status_code == 400, reponse.content
    return reponse.json()["erreurs"]


def test_mauvaises_saisies(client_agent, charente):
    caf, ants = demarches_de("cnaf")[0], demarches_de("ants")[0]
    s = charente[0]
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk, "partenaire": ants.partenaire_id}]))
    assert "relève de" in e["demandes-0-partenaire"][0]
    e = erreurs(client_agent, donnees(s, [{"partenaire": caf.partenaire_id}]))
    assert e["demandes-0-theme"] == ["Choisissez le thème de la demande."]
    e = erreurs(client_agent, donnees(s, [{"theme": "logement"}]))
    assert e["demandes-0-partenaire_autre"] == ["Choisissez un partenaire ou nommez l'autre partenaire."]
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk, "duree": 17}]))
    assert "durée proposée" in e["demandes-0-duree"][0]
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk, "theme": "inconnu", "niveau": "x"}]))
    assert e["demandes-0-theme"] == ["Thème inconnu."] and e["demandes-0-niveau"] == [
        "Niveau d'aide inconnu."
    ]
    e = erreurs(client_agent, donnees(s, [{"demarche": 999999}]))
    assert e["demandes-0-demarche"] == ["Démarche inconnue ou retirée du catalogue."]
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk, "issue": "orientee"}]))
    assert e["demandes-0-orientee_vers"] == ["Indiquez vers quel service l'usager est orienté."]
    futur = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk}], date_heure=futur))
    assert "futur" in e["date_heure"][0]
    vieux = (timezone.localtime() - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk}], date_heure=vieux))
    assert "plus d'un an" in e["date_heure"][0]
    e = erreurs(client_agent, donnees(charente[1], [{"demarche": caf.pk}]))
    assert e["structure"] == ["Vous ne pouvez enregistrer l'activité que de vos France services."]
    e = erreurs(client_agent, donnees(s, [{"demarche": caf.pk}], commune="zzzzzzzz"))
    assert "Aucune commune" in e["commune"][0]
    e = erreurs(client_agent, donnees(s, [{}]))
    assert e["demandes-0-demarche_catalogue"] == ["Choisissez une démarche, ou un partenaire et un thème."]
    cle = str(uuid.uuid4())
    e = erreurs(client_agent, donnees(s, [{"cle_client": cle, "demarche": caf.pk}] * 2))
    assert e["__all__"] == ["Deux demandes portent la même clé de soumission."]
    e = erreurs(client_agent, donnees(s, [{"cle_client": "pas-une-cle", "demarche": caf.pk}]))
    assert e["demandes-0-cle_client"] == ["Clé de soumission invalide."]
    assert Demande.objects.count() == 0


def test_date_passee_acceptee_et_defauts(client_agent, charente):
    hier = (timezone.localtime() - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    post = donnees(
        charente[0], [{"demarche": demarches_de("cnaf")[0].pk}], date_heure=hier.strftime("%Y-%m-%dT%H:%M")
    )
    assert client_agent.post(URL, post, **JSON).status_code == 201
    d = Demande.objects.get()
    assert d.date_heure == hier
    assert (d.canal, d.niveau, d.issue, d.duree) == ("accueil_physique", "accompagnement", "finalisee", 15)


def test_erreurs_affichees_et_reliees(client_agent, charente):
    reponse = client_agent.post(URL, donnees(charente[0], [{"partenaire_autre": "Mairie"}]))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "La visite n'a pas été enregistrée : 1 erreur à corriger" in html
    assert 'id="id_demandes-0-theme_error"' in html
    assert 'aria-describedby="id_demandes-0-theme_error"' in html
    assert 'aria-invalid="true"' in html
    assert (
        '<a href="#id_demandes-0-theme">Demande 1 — Thème : Choisissez le thème de la demande.</a>'
        in unescape(html)
    )


def test_ajouter_une_ligne_sans_script(client_agent, charente):
    post = donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}]) | {"ajouter": "1"}
    reponse = client_agent.post(URL, post)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert 'name="demandes-1-cle_client"' in html and 'value="2"' in html
    assert Demande.objects.count() == 0


def test_defauts_structure_et_canal_de_la_derniere_saisie(client, charente):
    responsable = personne(Role.RESPONSABLE, structure=charente[1])
    from tests.comptes.factories import HabilitationFactory

    HabilitationFactory(utilisateur=responsable, role=Role.AGENT, structure=charente[2])
    client.force_login(responsable)
    post = donnees(charente[2], [{"demarche": demarches_de("cnaf")[0].pk}], canal="telephone")
    assert client.post(URL, post).status_code == 302
    html = client.get(URL).content.decode()
    assert f'<option value="{charente[2].pk}" selected>' in html
    assert '<option value="telephone" selected>' in html
    # La démarche employée est proposée en démarche récente.
    caf = demarches_de("cnaf")[0]
    assert "Démarches favorites et récentes" in html
    assert f'name="demandes-0-demarche" value="{caf.pk}" data-rapide autofocus>' in html
    assert "checked" not in html


def test_favoris(client_agent, agent):
    caf = demarches_de("cnaf")[0]
    reponse = client_agent.post("/activite/favoris/", {"demarche": caf.pk, "action": "ajouter"})
    assert reponse.status_code == 302
    assert Favori.objects.filter(agent=agent, demarche=caf).exists()
    html = unescape(client_agent.get(URL).content.decode())
    assert "· favorite" in html and caf.libelle in html
    client_agent.post("/activite/favoris/", {"demarche": caf.pk, "action": "retirer"})
    assert not Favori.objects.filter(agent=agent).exists()


@pytest.mark.parametrize("role", ["animateur", "conseiller", "national", "sans"])
def test_pas_de_saisie_sans_structure(client, charente, role):
    charente_dep = charente[0].departement
    comptes = {
        "animateur": lambda: personne(Role.ANIMATEUR, departement=charente_dep),
        "conseiller": lambda: personne(
            Role.CONSEILLER_NUMERIQUE,
            lieu_mediation=LieuMediation.objects.create(
                identifiant="t", nom="Lieu", departement=charente_dep
            ),
        ),
        "national": lambda: personne(Role.EQUIPE_NATIONALE),
        "sans": lambda: personne(None),
    }
    client.force_login(comptes[role]())
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    reponse = client.get(URL)
    assert reponse.status_code == 403
    assert "réservée aux agents et aux responsables" in reponse.content.decode()
    post = donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}])
    assert client.post(URL, post, **JSON).status_code == 403
    assert Demande.objects.count() == 0
    reponse = client.post("/activite/favoris/", {"demarche": demarches_de("cnaf")[0].pk, "action": "ajouter"})
    assert reponse.status_code == 302 and reponse["Location"] == URL
    assert not Favori.objects.exists()


def test_requetes_bornees(client_agent, charente, django_assert_max_num_queries):
    caf = demarches_de("cnaf", 3)
    with django_assert_max_num_queries(12):  # 10, + 2 si le catalogue n'est pas encore en mémoire
        assert client_agent.get(URL).status_code == 200
    lignes = [{"demarche": d.pk} for d in caf] * 3  # 9 demandes : pas de requête par ligne
    with django_assert_max_num_queries(14):
        assert (
            client_agent.post(URL, donnees(charente[0], lignes, commune="16015"), **JSON).status_code == 201
        )
    with django_assert_max_num_queries(12):
        assert client_agent.get(URL).status_code == 200
    assert Demande.objects.count() == 9
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_partenaires_du_catalogue_charges_une_fois(client_agent, charente, django_assert_max_num_queries):
    un = client_agent.post(URL, donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}]), **JSON)
    assert un.status_code == 201
    assert Partenaire.objects.exists()


def test_heure_saisie_dans_le_fuseau_de_la_france_services(client):
    from zoneinfo import ZoneInfo

    structure = Structure.objects.filter(departement__code="974").order_by("id_fs").first()
    client.force_login(personne(Role.AGENT, structure=structure))
    reunion = ZoneInfo("Indian/Reunion")
    hier = (timezone.now().astimezone(reunion) - timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    post = donnees(
        structure, [{"demarche": demarches_de("cnaf")[0].pk}], date_heure=hier.strftime("%Y-%m-%dT%H:%M")
    )
    assert client.post(URL, post, **JSON).status_code == 201
    d = Demande.objects.get()
    assert d.date_heure == hier and d.jour == hier.date()


@pytest.mark.parametrize(
    "champs",
    [
        {"demandes-TOTAL_FORMS": "1000"},
        {"demandes-TOTAL_FORMS": "abc", "demandes-INITIAL_FORMS": "x"},
        {"date_heure": "2026-99-99T99:99"},
        {"structure": "abc"},
        {"premiere_visite": "peut-être", "sexe": "x", "tranche_age": "0"},
        {"demandes-0-duree": "abc", "demandes-0-partenaire": "abc", "demandes-0-demarche": "1.5"},
    ],
)
def test_entrees_invalides_jamais_500(client_agent, charente, champs):
    post = donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}]) | champs
    reponse = client_agent.post(URL, post, **JSON)
    assert reponse.status_code == 400
    assert reponse.json()["erreurs"]
    assert client_agent.post(URL, post).status_code == 200
    assert Demande.objects.count() == 0


@pytest.mark.parametrize("texte", ["16015", "16000", "Angoulême", "angouleme", "Angoulême (16015)"])
def test_commune_resolue_cote_serveur(client_agent, charente, texte):
    post = donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}], commune=texte)
    assert client_agent.post(URL, post, **JSON).status_code == 201
    assert Demande.objects.get().commune.code_insee == "16015"


def test_commune_ambigue(client_agent, charente):
    e = erreurs(
        client_agent, donnees(charente[0], [{"demarche": demarches_de("cnaf")[0].pk}], commune="Saint")
    )
    assert "Plusieurs communes correspondent" in e["commune"][0]
