"""Pages des jetons d'API personnels : liste, création (valeur montrée une fois), révocation."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.forms_jetons import portees_offertes
from franceservices.comptes.models import JetonAPI, Portee, Role
from franceservices.comptes.perimetre import Perimetre
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

URL = reverse("comptes:jetons")


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="15").order_by("id_fs").first()


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure)


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def valeur_affichee(html: str) -> str:
    trouve = re.search(r'id="valeur-jeton" value="([^"]+)"', html)
    assert trouve, "Le jeton en clair n'est pas affiché"
    return trouve.group(1)


def creer(client, **donnees):
    return client.post(
        URL, {"nom": "Tableau de bord", "portees": [Portee.EQUIPE_LECTURE], "duree_jours": "30", **donnees}
    )


def test_anonyme_renvoye_a_la_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("comptes:connexion"))


def test_page_vide(client_agent):
    reponse = client_agent.get(URL)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Aucun jeton" in html
    assert 'value="90"' in html  # durée par défaut
    assert "Cache-Control" in reponse and "no-store" in reponse["Cache-Control"]


def test_creation_montre_le_jeton_une_seule_fois(client_agent, agent):
    reponse = creer(client_agent, portees=[Portee.EQUIPE_LECTURE, Portee.STRUCTURES_LECTURE])
    assert reponse.status_code == 200
    html = reponse.content.decode()
    valeur = valeur_affichee(html)
    assert "il ne sera plus jamais affiché" in html

    jeton = JetonAPI.objects.get(utilisateur=agent)
    assert valeur.startswith("fs_") and len(valeur) > 40
    assert jeton.empreinte == hashlib.sha256(valeur.encode()).hexdigest()
    assert valeur not in str(JetonAPI.objects.filter(pk=jeton.pk).values().get())  # seule l'empreinte en base
    assert jeton.debut == valeur[:10]
    assert jeton.portees == sorted([Portee.EQUIPE_LECTURE, Portee.STRUCTURES_LECTURE])
    assert abs(jeton.expire_le - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    evenement = EvenementAudit.objects.get(evenement=Evenement.JETON_CREE)
    assert evenement.acteur == agent and evenement.cible_id == str(jeton.pk)
    assert valeur not in str(evenement.details)

    # Plus jamais ensuite : la liste ne montre que le début.
    liste = client_agent.get(URL).content.decode()
    assert valeur not in liste
    assert 'id="valeur-jeton"' not in liste
    assert f"{jeton.debut}…" in liste
    assert "Tableau de bord" in liste
    assert "Actif" in liste


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"nom": "  "}, "Donnez un nom à ce jeton."),
        ({"nom": "x" * 101}, "au plus 100 caractères"),
        ({"portees": []}, "Choisissez au moins une portée."),
        ({"portees": ["admin:tout"]}, "pas disponible pour vos habilitations"),
        ({"duree_jours": "0"}, "au moins 1 jour"),
        ({"duree_jours": "366"}, "ne peut pas dépasser 365 jours"),
        ({"duree_jours": "deux"}, "nombre entier de jours"),
        ({"duree_jours": ""}, "Indiquez une durée de validité en jours."),
    ],
)
def test_saisie_invalide(client_agent, donnees, message):
    reponse = creer(client_agent, **donnees)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html or "fr-fieldset--error" in html
    assert not JetonAPI.objects.exists()
    assert not EvenementAudit.objects.filter(evenement=Evenement.JETON_CREE).exists()


def test_portee_hors_habilitations_refusee():
    """Un conseiller numérique ne voit aucune France services : la portée structures ne lui est pas offerte."""
    assert portees_offertes(Perimetre(lieux_mediation=frozenset({1}))) == [Portee.EQUIPE_LECTURE]
    assert portees_offertes(Perimetre(structures_agent=frozenset({1}))) == [
        Portee.STRUCTURES_LECTURE,
        Portee.EQUIPE_LECTURE,
    ]
    assert portees_offertes(Perimetre(national=True)) == [Portee.STRUCTURES_LECTURE, Portee.EQUIPE_LECTURE]
    assert portees_offertes(Perimetre()) == []


def test_liste_ne_montre_que_mes_jetons(client_agent, agent, structure):
    autre = personne(Role.AGENT, structure=structure)
    JetonAPI.generer(
        utilisateur=autre, nom="Jeton d'un collègue", portees=[], expire_le=timezone.now() + timedelta(days=1)
    )
    JetonAPI.generer(
        utilisateur=agent, nom="Le mien", portees=[], expire_le=timezone.now() + timedelta(days=1)
    )
    JetonAPI.generer(
        utilisateur=agent, nom="Ancien", portees=[], expire_le=timezone.now() - timedelta(days=1)
    )
    html = client_agent.get(URL).content.decode()
    assert "Le mien" in html and "Ancien" in html
    assert "Jeton d'un collègue" not in html
    assert "Expiré" in html


def test_revoquer(client_agent, agent):
    jeton, _ = JetonAPI.generer(
        utilisateur=agent, nom="À révoquer", portees=[], expire_le=timezone.now() + timedelta(days=1)
    )
    url = reverse("comptes:revoquer_jeton", args=[jeton.pk])
    assert client_agent.get(url).status_code == 405
    reponse = client_agent.post(url, follow=True)
    assert reponse.status_code == 200
    assert "est révoqué" in reponse.content.decode()
    jeton.refresh_from_db()
    assert jeton.revoque_le is not None
    assert not jeton.est_valide
    assert (
        EvenementAudit.objects.filter(evenement=Evenement.JETON_REVOQUE, cible_id=str(jeton.pk)).count() == 1
    )
    # Une seconde fois : rien ne change, pas de second événement.
    date = jeton.revoque_le
    reponse = client_agent.post(url, follow=True)
    assert "déjà révoqué" in reponse.content.decode()
    jeton.refresh_from_db()
    assert jeton.revoque_le == date
    assert EvenementAudit.objects.filter(evenement=Evenement.JETON_REVOQUE).count() == 1


def test_revoquer_le_jeton_d_un_autre_404(client_agent, structure):
    autre = personne(Role.AGENT, structure=structure)
    jeton, _ = JetonAPI.generer(
        utilisateur=autre, nom="Pas à moi", portees=[], expire_le=timezone.now() + timedelta(days=1)
    )
    reponse = client_agent.post(reverse("comptes:revoquer_jeton", args=[jeton.pk]))
    assert reponse.status_code == 404
    jeton.refresh_from_db()
    assert jeton.revoque_le is None
    assert not EvenementAudit.objects.filter(evenement=Evenement.JETON_REVOQUE).exists()


def test_sans_habilitation_active_refuse(client, structure):
    utilisateur = personne(Role.AGENT, structure=structure)
    utilisateur.habilitations.update(revoquee_le=timezone.now())
    client.force_login(utilisateur)
    assert client.get(URL).status_code == 403
    assert creer(client).status_code == 403
    assert not JetonAPI.objects.exists()


def test_equipe_nationale_avec_second_facteur(client):
    """Une personne de l'équipe nationale passe d'abord par le second facteur (intergiciel)."""
    nationale = personne(Role.EQUIPE_NATIONALE)
    client.force_login(nationale)
    assert client.get(URL).status_code == 302
    session = client.session
    session["double_facteur_verifie"] = True
    session.save()
    reponse = creer(client, portees=[Portee.STRUCTURES_LECTURE])
    assert reponse.status_code == 200
    assert JetonAPI.objects.get(utilisateur=nationale).portees == [Portee.STRUCTURES_LECTURE]
