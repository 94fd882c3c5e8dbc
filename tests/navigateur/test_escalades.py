"""Parcours d'une escalade dans Chromium : l'agent ouvre une escalade à la CAF avec l'accord de l'usager, le
numéro d'allocataire demandé par la CAF et un avis en PDF ; la référente CAF du département la trouve dans sa
boîte, la prend en charge et répond ; l'agent voit la réponse. Audit axe de chaque page.

Les comptes et sessions sont validés en base pour le module (tests/core/validees.py) ; les escalades créées
par le serveur (avec leurs messages, pièces — fichiers compris —, consentement, notifications) et les tâches
d'envoi mises en file sont effacées ici, `SUIVIS` ne les couvrant pas.
"""

import re

import pytest
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from franceservices.activite.models import Demarche
from franceservices.comptes.models import Role
from franceservices.escalades.models import Escalade, PieceJointe
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _effacer_escalades(depuis: int, taches: set) -> None:
    for piece in PieceJointe.objects.filter(escalade_id__gt=depuis):
        piece.fichier.delete(save=False)
    Escalade.objects.filter(pk__gt=depuis).delete()
    DBTaskResult.objects.exclude(pk__in=taches).delete()


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        depuis = Escalade.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        taches = set(DBTaskResult.objects.values_list("pk", flat=True))
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        caf = Partenaire.objects.get(code="cnaf")
        agent = personne(Role.AGENT, structure=structure, email="agent.escalade@navigateur-escalades.example")
        referente = personne(
            Role.REFERENT_PARTENAIRE,
            partenaire=caf,
            departement=structure.departement,
            email="referente.caf@navigateur-escalades.example",
        )
        try:
            yield {
                "structure": structure,
                "caf": caf,
                "demarche": Demarche.objects.filter(partenaire=caf, actif=True).order_by("pk").first(),
                "agent": session_connectee(agent),
                "referente": session_connectee(referente),
            }
        finally:
            _effacer_escalades(depuis, taches)


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def _cocher(page, selecteur):
    page.locator(f"label[for={selecteur.lstrip('#')}]").click()
    expect(page.locator(selecteur)).to_be_checked()


def test_agent_escalade_referente_repond(page, contexte, serveur, comptes, axe):
    demarche = comptes["demarche"]

    # L'agent ouvre l'escalade depuis la démarche du catalogue.
    _connecter(contexte, serveur, comptes["agent"])
    page.goto(f"/escalades/nouvelle/?demarche={demarche.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalader à {comptes['caf'].nom_court}")
    expect(page.locator("[data-echeance]")).to_contain_text("Réponse attendue le")
    expect(page.locator("#id_demarche")).to_have_value(str(demarche.pk))
    assert auditer(page, axe) == []

    # Sans accord, le numéro d'allocataire (donnée personnelle) est refusé avec un message clair.
    page.fill("#id_objet", "Versement suspendu")
    page.fill("#id_description", "Dossier complet déposé en septembre, versement suspendu depuis.")
    page.fill("#id_champ_numero_allocataire", "1234567")
    page.get_by_role("button", name=re.compile("^Envoyer l'escalade")).click()
    expect(page.locator("[data-erreurs]")).to_contain_text("L'escalade n'a pas été envoyée")
    expect(page.locator("#id_champ_numero_allocataire_error")).to_contain_text("Sans l'accord de l'usager")
    assert auditer(page, axe) == []

    # Avec l'accord de l'usager, son identité et l'avis en PDF.
    _cocher(page, "#id_consentement")
    page.fill("#id_consentement_usager", "Camille Martin")
    for categorie in ("identite", "champs", "pieces"):
        page.locator(f"#id_donnees_partagees input[value={categorie}]").evaluate("e => e.click()")
    page.fill("#id_usager_nom", "Martin")
    page.fill("#id_usager_prenom", "Camille")
    page.fill("#id_champ_numero_allocataire", "1234567")
    page.set_input_files(
        "#id_pieces", files=[{"name": "avis.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=re.compile("^Envoyer l'escalade")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escalade ")
    expect(page.locator("[data-statut]")).to_have_text("Nouvelle")
    expect(page.locator("[data-consentement]")).to_contain_text("Camille Martin a accepté")
    expect(page.get_by_role("link", name="avis.pdf")).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().split()[1]
    assert auditer(page, axe) == []

    # La référente CAF du département la trouve dans sa boîte, la prend en charge et répond.
    _connecter(contexte, serveur, comptes["referente"])
    page.goto("/escalades/")
    expect(page.locator("[data-perimetre]")).to_contain_text("référent partenaire")
    expect(page.locator("[data-compteur=nouvelle]")).to_contain_text("Nouvelle : 1")
    assert auditer(page, axe) == []
    # Les filtres s'appliquent sans recharger la page (htmx) ; l'adresse suit.
    page.select_option("#id_statut", "resolue")
    expect(page.locator("[data-vide]")).to_contain_text("Aucune escalade ne correspond")
    assert "statut=resolue" in page.url
    page.select_option("#id_statut", "nouvelle")
    expect(page.locator("#table-escalades")).to_contain_text(reference)
    assert auditer(page, axe) == []
    page.get_by_role("link", name=reference).click()
    expect(page.locator("[data-champs]")).to_contain_text("1234567")
    assert auditer(page, axe) == []
    page.get_by_role("button", name="Prendre en charge").click()
    expect(page.locator("[data-statut]")).to_have_text("Prise en charge")
    page.fill("#id_texte", "Le versement reprend à la fin du mois, sans démarche de l'usager.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status").filter(has_text="Message envoyé.")).to_be_visible()
    assert auditer(page, axe) == []

    # L'agent voit la réponse dans le fil.
    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/escalades/")
    expect(page.locator("#table-escalades")).to_contain_text(reference)
    assert auditer(page, axe) == []
    page.get_by_role("link", name=reference).click()
    expect(page.locator("[data-statut]")).to_have_text("Prise en charge")
    expect(page.locator("[data-fil] [data-message=partenaire]")).to_contain_text("Le versement reprend")
    expect(page.locator("[data-transitions]")).to_have_count(0)
    assert auditer(page, axe) == []
