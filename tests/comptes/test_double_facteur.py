"""Second facteur TOTP : enrôlement imposé à l'équipe nationale, vérification, rejeu, échecs répétés,
activation et désactivation depuis « Mon compte », aide des comptes de démonstration (DEBUG seulement)."""

import html
import re
import time

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes import double_facteur as totp
from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import DispositifTOTP, Role
from franceservices.core.models import EvenementAudit
from franceservices.structures.models import Structure
from tests.comptes.factories import MOT_DE_PASSE, personne

pytestmark = pytest.mark.django_db

URL = reverse("comptes:double_facteur")
URL_GERER = reverse("comptes:second_facteur")


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def code(secret, decalage=0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * decalage)


def se_connecter(client, utilisateur, **extra):
    return client.post(
        reverse("comptes:connexion"), {"username": utilisateur.email, "password": MOT_DE_PASSE, **extra}
    )


def secret_affiche(reponse) -> str:
    return re.search(r'<code id="secret-totp">([A-Z2-7 ]+)</code>', texte(reponse)).group(1).replace(" ", "")


@pytest.fixture
def national():
    return personne(Role.EQUIPE_NATIONALE, email="national.totp@exemple.fr")


@pytest.fixture
def agent():
    structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
    return personne(Role.AGENT, structure=structure, email="agent.totp@exemple.fr")


def confirmer(utilisateur) -> DispositifTOTP:
    return DispositifTOTP.objects.create(
        utilisateur=utilisateur, secret=pyotp.random_base32(), confirme_le=timezone.now()
    )


def test_equipe_nationale_enrolee_a_la_premiere_connexion(client, national):
    reponse = se_connecter(client, national, next="/compte/")
    assert reponse.status_code == 302
    assert reponse["Location"] == f"{URL}?next=%2Fcompte%2F"
    # Toute autre page renvoie vers le second facteur.
    assert client.get(reverse("comptes:espace"))["Location"].startswith(URL)

    page = client.get(reponse["Location"])
    assert page.status_code == 200
    contenu = texte(page)
    assert "Activer le second facteur" in contenu
    assert "<svg" in contenu and "QR code" in contenu
    secret = secret_affiche(page)
    dispositif = DispositifTOTP.objects.get(utilisateur=national)
    assert dispositif.secret == secret and dispositif.confirme_le is None
    assert secret_affiche(client.get(reponse["Location"])) == secret  # stable d'un affichage à l'autre

    faux = client.post(URL, {"code": "000000" if code(secret) != "000000" else "111111", "next": "/compte/"})
    assert faux.status_code == 200
    assert "Ce code n'est pas valide" in texte(faux)
    assert EvenementAudit.objects.filter(evenement="double_facteur_echec", acteur=national).count() == 1

    reponse = client.post(URL, {"code": code(secret), "next": "/compte/"})
    assert reponse.status_code == 302 and reponse["Location"] == "/compte/"
    assert client.session[CLE_SESSION] is True
    dispositif.refresh_from_db()
    assert dispositif.confirme_le is not None
    assert EvenementAudit.objects.filter(evenement="double_facteur_active", acteur=national).count() == 1
    assert client.get(reverse("comptes:espace")).status_code == 200


def test_verification_puis_rejeu_refuse(client, national):
    dispositif = confirmer(national)
    se_connecter(client, national)
    page = client.get(URL)
    assert "Second facteur" in texte(page) and "secret-totp" not in texte(page)
    valeur = code(dispositif.secret)
    assert client.post(URL, {"code": valeur})["Location"] == reverse("comptes:espace")

    client.post(reverse("comptes:deconnexion"))
    se_connecter(client, national)
    rejeu = client.post(URL, {"code": valeur})
    assert rejeu.status_code == 200 and "déjà été utilisé" in texte(rejeu)
    assert CLE_SESSION not in client.session
    # Le code du pas suivant (fenêtre d'un pas) est accepté.
    assert client.post(URL, {"code": code(dispositif.secret, 1)}).status_code == 302


def test_fenetre_d_un_pas(national):
    dispositif = confirmer(national)
    assert not totp.code_valide(dispositif, code(dispositif.secret, -2))
    assert totp.code_valide(dispositif, code(dispositif.secret, -1))
    assert not totp.code_valide(dispositif, code(dispositif.secret, -1))  # consommé
    assert totp.code_valide(dispositif, code(dispositif.secret, 0))
    assert not totp.code_valide(dispositif, code(dispositif.secret, 2))
    for mauvais in ["", "12345", "1234567", "abcdef", "12 34 5", "١٢٣٤٥٦"]:
        assert not totp.code_valide(dispositif, mauvais)


def test_essais_suspendus_apres_cinq_echecs(client, national):
    dispositif = confirmer(national)
    se_connecter(client, national)
    bon = code(dispositif.secret)
    mauvais = "000000" if bon != "000000" else "111111"
    statuts = [client.post(URL, {"code": mauvais}).status_code for _ in range(5)]
    assert statuts == [200, 200, 200, 200, 429]
    reponse = client.post(URL, {"code": bon})
    assert reponse.status_code == 429
    assert "Trop de codes refusés" in texte(reponse)
    assert CLE_SESSION not in client.session
    assert EvenementAudit.objects.filter(evenement="double_facteur_echec", acteur=national).count() == 5


def test_saisie_invalide(client, national):
    confirmer(national)
    se_connecter(client, national)
    reponse = client.post(URL, {"code": "abc"})
    assert "Le code compte exactement 6 chiffres" in texte(reponse)
    assert not EvenementAudit.objects.filter(evenement="double_facteur_echec").exists()


def test_suivant_hors_du_site_ignore(client, national):
    dispositif = confirmer(national)
    se_connecter(client, national)
    reponse = client.post(URL, {"code": code(dispositif.secret), "next": "https://exemple.invalid/"})
    assert reponse["Location"] == reverse("comptes:espace")


def test_sans_second_facteur_la_page_renvoie_plus_loin(client, agent):
    client.force_login(agent)
    assert client.get(URL)["Location"] == reverse("comptes:espace")
    assert not DispositifTOTP.objects.filter(utilisateur=agent).exists()


def test_agent_active_puis_desactive(client, agent):
    client.force_login(agent)
    assert "Non activé" in texte(client.get(reverse("comptes:mon_compte")))
    page = client.get(URL_GERER)
    assert page.status_code == 200
    secret = secret_affiche(page)
    reponse = client.post(URL_GERER, {"code": code(secret)})
    assert reponse["Location"] == reverse("comptes:mon_compte")
    assert "Activé" in texte(client.get(reverse("comptes:mon_compte")))
    assert EvenementAudit.objects.filter(evenement="double_facteur_active", acteur=agent).count() == 1

    # Désormais exigé à la connexion.
    client.post(reverse("comptes:deconnexion"))
    assert se_connecter(client, agent)["Location"].startswith(URL)
    client.post(URL, {"code": code(secret, 1)})
    assert client.get(reverse("comptes:espace")).status_code == 200

    # Désactivation : un code est demandé.
    refuse = client.post(URL_GERER, {"code": "12"})
    assert refuse.status_code == 200 and DispositifTOTP.objects.filter(utilisateur=agent).exists()
    DispositifTOTP.objects.filter(utilisateur=agent).update(dernier_pas=None)  # le temps a passé
    reponse = client.post(URL_GERER, {"code": code(secret)})
    assert reponse["Location"] == reverse("comptes:mon_compte")
    assert not DispositifTOTP.objects.filter(utilisateur=agent).exists()
    assert EvenementAudit.objects.filter(evenement="double_facteur_supprime", acteur=agent).count() == 1


def test_equipe_nationale_ne_peut_pas_desactiver(client, national):
    dispositif = confirmer(national)
    client.force_login(national)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    assert "obligatoire" in texte(client.get(reverse("comptes:mon_compte")))
    assert "ne peut pas être désactivé" in texte(client.get(URL_GERER))
    reponse = client.post(URL_GERER, {"code": code(dispositif.secret)}, follow=True)
    assert "obligatoire pour l'équipe nationale" in texte(reponse)
    assert DispositifTOTP.objects.filter(utilisateur=national).exists()
    assert not EvenementAudit.objects.filter(evenement="double_facteur_supprime").exists()


@pytest.fixture
def national_demo(national):
    national.demo = True
    national.save()
    return national


def test_code_affiche_pour_la_demo_en_debug(client, settings, national_demo):
    settings.DEBUG = True
    dispositif = confirmer(national_demo)
    se_connecter(client, national_demo)
    contenu = texte(client.get(URL))
    affiche = re.search(r'<code id="code-demo">(\d{6})</code>', contenu).group(1)
    assert client.post(URL, {"code": affiche}).status_code == 302
    dispositif.refresh_from_db()
    assert dispositif.dernier_pas is not None


def test_code_jamais_affiche_hors_debug(client, settings, national_demo):
    settings.DEBUG = False
    dispositif = confirmer(national_demo)
    se_connecter(client, national_demo)
    contenu = texte(client.get(URL))
    assert 'id="code-demo"' not in contenu
    assert code(dispositif.secret) not in contenu


def test_code_jamais_affiche_pour_un_vrai_compte(client, settings, national):
    settings.DEBUG = True
    confirmer(national)
    se_connecter(client, national)
    assert 'id="code-demo"' not in texte(client.get(URL))


def test_uri_et_emetteur(national):
    dispositif = totp.dispositif_a_enroler(utilisateur=national)
    adresse = totp.uri(dispositif)
    assert adresse.startswith("otpauth://totp/France%20services:national.totp%40exemple.fr?")
    assert f"secret={dispositif.secret}" in adresse
