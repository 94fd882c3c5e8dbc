"""Espace personnel et « Mon compte » ; saisies hostiles sur les formulaires de connexion (jamais d'erreur 500)."""

import html
import random
from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import DispositifTOTP, Habilitation, Role
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import MOT_DE_PASSE, personne

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="15").order_by("pk").first()


def connecte(client, utilisateur):
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return client


def test_espace_agent(client, structure):
    responsable = personne(Role.RESPONSABLE, structure=structure, email="resp.espace@exemple.fr")
    agent = personne(Role.AGENT, structure=structure, email="agent.espace@exemple.fr")
    Habilitation.objects.filter(utilisateur=agent).update(accordee_par=responsable)
    contenu = texte(connecte(client, agent).get(reverse("comptes:espace")))
    assert f"Bonjour {agent.first_name}" in contenu
    assert "Agent France services" in contenu
    assert str(structure) in contenu
    assert str(responsable) in contenu  # accordée par
    assert f"parce que vous êtes agent france services ({structure})" in contenu
    assert reverse("structures:gestion") in contenu
    assert reverse("comptes:equipe") in contenu
    assert reverse("comptes:jetons") in contenu
    assert reverse("comptes:invitations") not in contenu
    assert reverse("core:journal") not in contenu
    # Bouquet de services : catalogue et escalades de sa structure ; ni chiffres des partenaires ni pilotes.
    assert reverse("bouquet:accueil") in contenu
    assert f'href="{reverse("escalades:liste")}"' in contenu
    assert reverse("statistiques:escalades") not in contenu
    assert reverse("partenaires:pilotes") in contenu  # les pilotes qui couvrent sa structure


def test_espace_animateur_voit_les_chiffres_pas_les_cas(client):
    animateur = personne(Role.ANIMATEUR, departement=Departement.objects.get(code="15"))
    contenu = texte(connecte(client, animateur).get(reverse("comptes:espace")))
    assert reverse("statistiques:escalades") in contenu
    assert reverse("partenaires:pilotes") in contenu
    assert f'href="{reverse("escalades:liste")}"' not in contenu


def test_espace_responsable_peut_inviter(client, structure):
    responsable = personne(Role.RESPONSABLE, structure=structure)
    contenu = texte(connecte(client, responsable).get(reverse("comptes:espace")))
    assert reverse("comptes:invitations") in contenu
    assert reverse("core:journal") not in contenu


def test_espace_equipe_nationale(client):
    national = personne(Role.EQUIPE_NATIONALE)
    contenu = texte(connecte(client, national).get(reverse("comptes:espace")))
    assert "France entière" in contenu
    assert reverse("comptes:invitations") in contenu
    assert reverse("core:journal") in contenu


def test_espace_referent_partenaire(client):
    partenaire = Partenaire.objects.order_by("pk").first()
    departement = Departement.objects.get(code="15")
    referent = personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=departement)
    contenu = texte(connecte(client, referent).get(reverse("comptes:espace")))
    assert f"{partenaire} — {departement}" in contenu
    assert reverse("comptes:invitations") not in contenu
    assert reverse("escalades:liste") in contenu
    assert reverse("statistiques:escalades") in contenu


def test_espace_n_affiche_que_les_habilitations_actives(client, structure):
    agent = personne(Role.AGENT, structure=structure)
    autre = Structure.objects.filter(departement__code="15").order_by("pk")[1]
    Habilitation.objects.create(
        utilisateur=agent,
        role=Role.AGENT,
        structure=autre,
        debut=timezone.localdate() - timedelta(days=60),
        fin=timezone.localdate() - timedelta(days=1),
    )
    connecte(client, agent)
    espace = texte(client.get(reverse("comptes:espace")))
    assert str(structure) in espace and str(autre) not in espace
    compte = texte(client.get(reverse("comptes:mon_compte")))
    assert str(structure) in compte and str(autre) in compte  # l'historique garde les passées
    assert "terminée" in compte


def test_mon_compte(client, structure):
    agent = personne(Role.AGENT, structure=structure, email="agent.compte@exemple.fr")
    contenu = texte(connecte(client, agent).get(reverse("comptes:mon_compte")))
    assert "agent.compte@exemple.fr" in contenu
    assert reverse("comptes:changer_mot_de_passe") in contenu
    assert reverse("comptes:second_facteur") in contenu
    assert "Activer le second facteur" in contenu


def test_requetes_de_l_espace_bornees(client, structure, django_assert_max_num_queries):
    agent = personne(Role.AGENT, structure=structure)
    for autre in Structure.objects.filter(departement__code="15").order_by("pk")[1:6]:
        Habilitation.objects.create(utilisateur=agent, role=Role.AGENT, structure=autre)
    connecte(client, agent)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("comptes:espace")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("comptes:mon_compte")).status_code == 200


# — Saisies hostiles : les formulaires de connexion ne répondent jamais 500 —

STATUTS_ADMIS = {200, 302, 400, 403, 405, 429}
HOSTILES = [
    "",
    " ",
    "\x00",
    "a\x00b@exemple.fr",
    "x" * 10_000,
    "é" * 3000 + "@exemple.fr",
    "a@" + "b" * 300 + ".fr",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "{{ settings.SECRET_KEY }}",
    "%(password)s",
    "\u202e\u200b\ufeff@exemple.fr",
    "🙂@exemple.fr",
    "admin@localhost",
    "@",
    "a@b",
    "\r\nBcc: victime@exemple.fr",
    "../../../etc/passwd",
    "123456",
    "١٢٣٤٥٦",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
]


def valeurs_aleatoires(graine: int, nombre: int):
    hasard = random.Random(graine)
    alphabet = [chr(c) for c in range(0, 0x250)] + ["\u202e", "\ufffd", "🙂", "\x00", "@", "%", "&", "="]
    for _ in range(nombre):
        longueur = hasard.choice([0, 1, 6, 12, 50, 255, 256, 257, 2000])
        yield "".join(hasard.choice(alphabet) for _ in range(longueur))


def envois(graine: int, nombre: int, champs: list[str]):
    """Des requêtes POST variées : champs manquants, répétés (tableaux), inconnus, valeurs hostiles."""
    hasard = random.Random(graine)
    valeurs = HOSTILES + list(valeurs_aleatoires(graine, nombre))
    for valeur in valeurs:
        forme = hasard.choice(["normal", "manquant", "tableau", "inconnu", "json", "texte", "multipart"])
        donnees = dict.fromkeys(champs, valeur)
        if forme == "manquant":
            donnees.pop(hasard.choice(champs))
        elif forme == "tableau":
            donnees = {champ: [valeur, "autre", ""] for champ in champs}
        elif forme == "inconnu":
            donnees[f"{valeur[:20]}[]"] = valeur
        yield forme, donnees, valeur


def poster(client, url, forme, donnees, valeur):
    if forme == "json":
        return client.post(url, data={"username": valeur}, content_type="application/json")
    if forme == "texte":
        return client.post(url, data=valeur.encode("utf-8", "surrogatepass"), content_type="text/plain")
    if forme == "multipart":
        return client.post(
            url,
            data=b"--limite\r\n" + valeur.encode("utf-8", "surrogatepass"),
            content_type="multipart/form-data; boundary=limite",
        )
    return client.post(url, donnees)


@pytest.fixture
def sans_limites(settings):
    settings.LIMITES_DEBIT = dict.fromkeys(settings.LIMITES_DEBIT, 100000)


def verifier(client, url, champs, graine, nombre=120):
    statuts = []
    for forme, donnees, valeur in envois(graine, nombre, champs):
        reponse = poster(client, url, forme, donnees, valeur)
        assert reponse.status_code in STATUTS_ADMIS, (forme, repr(valeur)[:200], reponse.status_code)
        statuts.append(reponse.status_code)
    return statuts


def test_connexion_fuzz(sans_limites, structure):
    personne(Role.AGENT, structure=structure, email="cible@exemple.fr")
    client = Client(raise_request_exception=False)
    statuts = verifier(client, reverse("comptes:connexion"), ["username", "password"], graine=1)
    assert 200 in statuts  # les formulaires ont bien été atteints
    # Le compte visé fonctionne toujours.
    reponse = client.post(
        reverse("comptes:connexion"), {"username": "cible@exemple.fr", "password": MOT_DE_PASSE}
    )
    assert reponse.status_code == 302


def test_mot_de_passe_oublie_fuzz(sans_limites):
    client = Client(raise_request_exception=False)
    statuts = verifier(client, reverse("comptes:mot_de_passe_oublie"), ["email"], graine=2)
    assert 200 in statuts


def test_nouveau_mot_de_passe_fuzz(sans_limites, structure):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    agent = personne(Role.AGENT, structure=structure)
    client = Client(raise_request_exception=False)
    lien = reverse(
        "comptes:mot_de_passe_nouveau",
        args=[urlsafe_base64_encode(force_bytes(agent.pk)), default_token_generator.make_token(agent)],
    )
    adresse = client.get(lien, follow=True).redirect_chain[-1][0]
    statuts = verifier(client, adresse, ["new_password1", "new_password2"], graine=3, nombre=60)
    assert 200 in statuts
    for jeton in ["x", "\x00", "é" * 500, "set-password"]:
        assert client.get(f"/mot-de-passe/nouveau/{jeton}/{jeton}/").status_code in STATUTS_ADMIS


def test_second_facteur_fuzz(sans_limites):
    national = personne(Role.EQUIPE_NATIONALE)
    DispositifTOTP.objects.create(
        utilisateur=national, secret=pyotp.random_base32(), confirme_le=timezone.now()
    )
    client = Client(raise_request_exception=False)
    client.force_login(national)
    statuts = verifier(client, reverse("comptes:double_facteur"), ["code", "next"], graine=4, nombre=80)
    assert 200 in statuts


def test_changer_mot_de_passe_fuzz(sans_limites, structure):
    agent = personne(Role.AGENT, structure=structure)
    client = Client(raise_request_exception=False)
    connecte(client, agent)
    verifier(
        client,
        reverse("comptes:changer_mot_de_passe"),
        ["old_password", "new_password1", "new_password2"],
        graine=5,
        nombre=40,
    )
