"""API privée par jeton d'API personnel : authentification, portées, périmètre, limitation de débit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from franceservices.comptes.models import JetonAPI, Portee, Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Anomalie, Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

TOUTES = [Portee.EQUIPE_LECTURE, Portee.STRUCTURES_LECTURE]


def jeton_de(utilisateur, portees=TOUTES, expire_dans=timedelta(days=30)):
    jeton, valeur = JetonAPI.generer(
        utilisateur=utilisateur, nom="test", portees=portees, expire_le=timezone.now() + expire_dans
    )
    return jeton, valeur


def appel(client, chemin, valeur=None, **params):
    entetes = {"Authorization": f"Bearer {valeur}"} if valeur is not None else {}
    return client.get(f"/api/v1{chemin}", params, headers=entetes)


@pytest.fixture
def cantal():
    return Departement.objects.get(code="15")


@pytest.fixture
def structures_15():
    return list(Structure.objects.filter(departement__code="15").order_by("id_fs")[:3])


@pytest.fixture
def structure_53():
    return Structure.objects.filter(departement__code="53").order_by("id_fs").first()


@pytest.fixture
def animateur(cantal):
    return personne(Role.ANIMATEUR, departement=cantal)


# — Authentification —


def test_sans_jeton_401(client):
    reponse = appel(client, "/moi")
    assert reponse.status_code == 401
    assert reponse["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in reponse.json()["message"]


@pytest.mark.parametrize("entete", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "fs_abc"])
def test_entete_mal_formee_401(client, entete):
    reponse = client.get("/api/v1/moi", headers={"Authorization": entete})
    assert reponse.status_code == 401
    assert reponse.json()["message"]


def test_session_ne_suffit_pas(client, animateur):
    """Seul le jeton compte : une session ouverte dans le navigateur ne donne pas accès à l'API privée."""
    client.force_login(animateur)
    assert appel(client, "/moi").status_code == 401
    assert appel(client, "/equipe").status_code == 401


def test_jeton_inconnu_401_journalise_une_fois(client):
    for _ in range(3):
        reponse = appel(client, "/moi", "fs_nexistepas")
        assert reponse.status_code == 401
        assert reponse.json() == {"message": "Jeton d'API inconnu."}
    assert appel(client, "/moi", "x" * 500).status_code == 401
    # Au plus un événement par minute et par adresse : pas d'inondation du journal.
    evenements = EvenementAudit.objects.filter(evenement=Evenement.JETON_REFUSE)
    assert evenements.count() == 1
    assert evenements.get().details["motif"] == "inconnu"


def test_jeton_revoque_401(client, animateur):
    jeton, valeur = jeton_de(animateur)
    assert appel(client, "/moi", valeur).status_code == 200
    jeton.revoque_le = timezone.now()
    jeton.save()
    reponse = appel(client, "/moi", valeur)
    assert reponse.status_code == 401
    assert reponse.json()["message"] == "Ce jeton d'API a été révoqué."
    evenement = EvenementAudit.objects.get(evenement=Evenement.JETON_REFUSE)
    assert evenement.cible_id == "" and evenement.details["motif"] == "revoque"


def test_jeton_expire_401(client, animateur):
    _, valeur = jeton_de(animateur, expire_dans=-timedelta(seconds=1))
    reponse = appel(client, "/moi", valeur)
    assert reponse.status_code == 401
    assert reponse.json()["message"].startswith("Ce jeton d'API a expiré le ")


def test_compte_desactive_401(client, animateur):
    _, valeur = jeton_de(animateur)
    animateur.is_active = False
    animateur.save()
    reponse = appel(client, "/moi", valeur)
    assert reponse.status_code == 401
    assert "désactivé" in reponse.json()["message"]


def test_habilitation_retiree_401(client, animateur):
    _, valeur = jeton_de(animateur)
    animateur.habilitations.update(revoquee_le=timezone.now())
    reponse = appel(client, "/moi", valeur)
    assert reponse.status_code == 401
    assert "plus d'habilitation active" in reponse.json()["message"]


# — /moi —


def test_moi(client, animateur, cantal):
    jeton, valeur = jeton_de(animateur, portees=[Portee.EQUIPE_LECTURE])
    assert jeton.derniere_utilisation_le is None
    reponse = appel(client, "/moi", valeur)
    assert reponse.status_code == 200
    donnees = reponse.json()
    assert donnees["email"] == animateur.email
    assert donnees["nom"] == animateur.last_name
    assert [(h["role"], h["departement"]) for h in donnees["habilitations"]] == [("animateur", "15")]
    assert donnees["jeton"]["portees"] == ["equipe:lecture"]
    assert donnees["jeton"]["debut"] == valeur[:10]
    jeton.refresh_from_db()
    assert jeton.derniere_utilisation_le is not None


def test_derniere_utilisation_ecrite_au_plus_une_fois_par_minute(client, animateur):
    jeton, valeur = jeton_de(animateur)
    il_y_a_30_s = timezone.now() - timedelta(seconds=30)
    JetonAPI.objects.filter(pk=jeton.pk).update(derniere_utilisation_le=il_y_a_30_s)
    with CaptureQueriesContext(connection) as requetes:
        assert appel(client, "/moi", valeur).status_code == 200
    assert not [q for q in requetes.captured_queries if q["sql"].startswith("UPDATE")]
    jeton.refresh_from_db()
    assert jeton.derniere_utilisation_le == il_y_a_30_s

    il_y_a_2_min = timezone.now() - timedelta(minutes=2)
    JetonAPI.objects.filter(pk=jeton.pk).update(derniere_utilisation_le=il_y_a_2_min)
    assert appel(client, "/moi", valeur).status_code == 200
    jeton.refresh_from_db()
    assert jeton.derniere_utilisation_le > il_y_a_2_min + timedelta(minutes=1)


# — Portées —


@pytest.mark.parametrize(
    ("chemin", "portee"), [("/equipe", "equipe:lecture"), ("/gestion/structures", "structures:lecture")]
)
def test_portee_manquante_403(client, animateur, chemin, portee):
    autre = next(p for p in TOUTES if p != portee)
    _, valeur = jeton_de(animateur, portees=[autre])
    reponse = appel(client, chemin, valeur)
    assert reponse.status_code == 403
    assert reponse.json()["message"].startswith(f"Ce jeton n'a pas la portée « {portee} »")


# — Périmètre —


def test_equipe_de_l_animateur(client, animateur, structures_15, structure_53):
    agents_15 = [personne(Role.AGENT, structure=s) for s in structures_15]
    agent_53 = personne(Role.AGENT, structure=structure_53)
    _, valeur = jeton_de(animateur)
    reponse = appel(client, "/equipe", valeur)
    assert reponse.status_code == 200
    donnees = reponse.json()
    emails = {p["email"] for p in donnees["resultats"]}
    assert emails == {animateur.email, *(a.email for a in agents_15)}
    assert agent_53.email not in emails
    assert donnees["total"] == 4
    fiche = next(p for p in donnees["resultats"] if p["email"] == agents_15[0].email)
    assert fiche["habilitations"] == [
        {
            "role": "agent",
            "role_libelle": "Agent France services",
            "perimetre": str(structures_15[0]),
            "structure": structures_15[0].id_fs,
            "departement": None,
            "partenaire": None,
            "debut": agents_15[0].habilitations.get().debut.isoformat(),
            "fin": None,
        }
    ]
    assert EvenementAudit.objects.filter(evenement=Evenement.ACCES_DONNEES_PERSONNELLES).count() == 1


def test_equipe_paginee(client, animateur, structures_15):
    for s in structures_15:
        personne(Role.AGENT, structure=s)
    _, valeur = jeton_de(animateur)
    tous = [p["id"] for p in appel(client, "/equipe", valeur).json()["resultats"]]
    page = appel(client, "/equipe", valeur, limit=2, offset=1).json()
    assert page["total"] == 4 and page["limit"] == 2 and page["offset"] == 1
    assert [p["id"] for p in page["resultats"]] == tous[1:3]
    assert appel(client, "/equipe", valeur, limit=0).status_code == 422
    assert appel(client, "/equipe", valeur, limit=1000).status_code == 422


def test_equipe_nombre_de_requetes_borne(client, animateur, structures_15):
    _, valeur = jeton_de(animateur)
    personne(Role.AGENT, structure=structures_15[0])
    appel(client, "/equipe", valeur)  # écrit la date de dernière utilisation (une fois par minute)
    with CaptureQueriesContext(connection) as peu:
        appel(client, "/equipe", valeur)
    for s in structures_15:
        for _ in range(5):
            personne(Role.AGENT, structure=s)
    with CaptureQueriesContext(connection) as beaucoup:
        donnees = appel(client, "/equipe", valeur).json()
    assert donnees["total"] == 17
    assert len(beaucoup) == len(peu) <= 8


def test_une_personne(client, animateur, structures_15, structure_53):
    agent_15 = personne(Role.AGENT, structure=structures_15[0])
    agent_53 = personne(Role.AGENT, structure=structure_53)
    _, valeur = jeton_de(animateur)
    reponse = appel(client, f"/equipe/{agent_15.pk}", valeur)
    assert reponse.status_code == 200
    assert reponse.json()["email"] == agent_15.email
    evenement = EvenementAudit.objects.get(evenement=Evenement.ACCES_DONNEES_PERSONNELLES)
    assert evenement.acteur == animateur and evenement.cible_id == str(agent_15.pk)

    # Hors périmètre : 404, comme une personne inexistante (rien ne révèle qu'elle existe).
    hors = appel(client, f"/equipe/{agent_53.pk}", valeur)
    assert hors.status_code == 404
    assert (
        hors.json()
        == appel(client, "/equipe/999999999", valeur).json()
        == {"message": "Ressource introuvable."}
    )
    assert EvenementAudit.objects.filter(evenement=Evenement.ACCES_DONNEES_PERSONNELLES).count() == 1


def test_agent_ne_voit_que_sa_structure(client, structures_15):
    agent = personne(Role.AGENT, structure=structures_15[0])
    collegue = personne(Role.AGENT, structure=structures_15[0])
    voisin = personne(Role.AGENT, structure=structures_15[1])
    _, valeur = jeton_de(agent)
    emails = {p["email"] for p in appel(client, "/equipe", valeur).json()["resultats"]}
    assert emails == {agent.email, collegue.email}
    assert appel(client, f"/equipe/{voisin.pk}", valeur).status_code == 404
    structures = appel(client, "/gestion/structures", valeur).json()
    assert [s["id_fs"] for s in structures["resultats"]] == [structures_15[0].id_fs]


def test_structures_de_l_animateur(client, animateur, structures_15):
    Anomalie.objects.create(structure=structures_15[0], champ="horaires", anomalie="Plage incohérente")
    Anomalie.objects.create(structure=structures_15[0], champ="telephone", anomalie="Numéro invalide")
    _, valeur = jeton_de(animateur)
    attendues = Structure.objects.filter(departement__code="15")
    reponse = appel(client, "/gestion/structures", valeur, limit=200)
    assert reponse.status_code == 200
    donnees = reponse.json()
    assert donnees["total"] == attendues.count() > 3
    assert {s["id_fs"] for s in donnees["resultats"]} == set(attendues.values_list("id_fs", flat=True))
    assert {s["departement"] for s in donnees["resultats"]} == {"15"}
    fiche = next(s for s in donnees["resultats"] if s["id_fs"] == structures_15[0].id_fs)
    attendue = structures_15[0]
    assert fiche["anomalies"] == attendue.anomalies.count() >= 2
    assert fiche["heures_par_semaine"] == attendue.heures_par_semaine
    assert fiche["jours_ouverts"] == attendue.jours_ouverts
    assert fiche["modifie_le"]


def test_structures_equipe_nationale(client):
    _, valeur = jeton_de(personne(Role.EQUIPE_NATIONALE))
    donnees = appel(client, "/gestion/structures", valeur, limit=5, offset=10).json()
    assert donnees["total"] == Structure.objects.count()
    assert len(donnees["resultats"]) == 5


# — Limitation de débit —


@override_settings(LIMITES_DEBIT={"connexion": 20, "mot_de_passe": 5, "recherche": 120, "api": 3})
def test_api_publique_limitee(client):
    for _ in range(3):
        assert client.get("/api/v1/communes", {"q": "Laval"}).status_code == 200
    reponse = client.get("/api/v1/communes", {"q": "Laval"})
    assert reponse.status_code == 429
    assert reponse.json()["message"].startswith("Trop de requêtes")
    assert 0 < int(reponse["Retry-After"]) <= 60
    # La limite vaut pour toute l'API, depuis cette adresse.
    assert client.get("/api/v1/structures", {"departement": "15"}).status_code == 429
    # Une autre adresse n'est pas concernée.
    assert client.get("/api/v1/communes", {"q": "Laval"}, REMOTE_ADDR="10.1.2.3").status_code == 200


@override_settings(LIMITES_DEBIT={"connexion": 20, "mot_de_passe": 5, "recherche": 120, "api": 2})
def test_api_privee_limitee(client, animateur):
    _, valeur = jeton_de(animateur)
    assert appel(client, "/moi", valeur).status_code == 200
    assert appel(client, "/moi", valeur).status_code == 200
    reponse = appel(client, "/moi", valeur)
    assert reponse.status_code == 429
    assert "réessayez" in reponse.json()["message"]


@override_settings(LIMITES_DEBIT={"connexion": 20, "mot_de_passe": 5, "recherche": 2, "api": 300})
def test_recherche_publique_limitee(client):
    for _ in range(2):
        assert client.get("/recherche/", {"q": "Laval"}).status_code == 200
    reponse = client.get("/recherche/", {"q": "Laval"})
    assert reponse.status_code == 429
    assert "Réessayez dans une minute" in reponse.content.decode()
    assert reponse["Retry-After"] == "60"
    # L'accueil (formulaire, sans calcul) n'est pas limité.
    assert client.get("/").status_code == 200
