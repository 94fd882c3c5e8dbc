"""Parcours de la formation dans Chromium : un formateur note la présence puis la réussite d'une inscrite
(htmx, sans recharger la page), l'agent télécharge son attestation PDF, un tiers sans compte vérifie le code
sur la page publique. Audit axe de chaque page.

Comptes, module, session et inscriptions sont validés en base pour le module (tests/core/validees.py) ;
les objets de formation, que `SUIVIS` ne couvre pas, sont effacés ici.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.formations.models import Categorie, Inscription, Module, Session, Statut
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


def _nommer(utilisateur, prenom, nom):
    utilisateur.first_name, utilisateur.last_name = prenom, nom
    utilisateur.save(update_fields=["first_name", "last_name"])
    return utilisateur


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        formateur = _nommer(personne(email="formateur@navigateur-attestations.example"), "Paul", "Formateur")
        agent = _nommer(
            personne(Role.AGENT, structure=structure, email="agent@navigateur-attestations.example"),
            "Éloïse",
            "Quenouillard",
        )
        voisin = _nommer(
            personne(Role.AGENT, structure=structure, email="voisin@navigateur-attestations.example"),
            "Marc",
            "Berthelot",
        )
        module = Module.objects.create(
            code="navigateur-attestations",
            titre="Accueil des publics fragiles",
            categorie=Categorie.SOCLE,
            organisme="CNFPT",
            duree_heures=Decimal("7"),
        )
        debut = timezone.now() - timedelta(days=1)
        session = Session.objects.create(
            module=module, debut=debut, fin=debut + timedelta(hours=7), capacite=10, formateur=formateur
        )
        inscriptions = [
            Inscription.objects.create(
                session=session, agent=a, statut=Statut.CONFIRMEE, demandee_le=timezone.now()
            )
            for a in (agent, voisin)
        ]
        try:
            yield {
                "session": session,
                "inscription": inscriptions[0],
                "formateur": session_connectee(formateur),
                "agent": session_connectee(agent),
            }
        finally:
            Inscription.objects.filter(session=session).delete()
            session.delete()
            module.delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    if cookie:
        contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_presence_reussite_attestation_verification(page, contexte, serveur, comptes, axe):
    session, inscription = comptes["session"], comptes["inscription"]

    # Le formateur trouve sa session et ouvre la page de présence.
    _connecter(contexte, serveur, comptes["formateur"])
    page.goto("/formations/suivi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi des sessions de formation")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Accueil des publics fragiles").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Présence et réussite")
    ligne = page.locator(f"#inscription-{inscription.pk}")
    expect(ligne).to_contain_text("Éloïse Quenouillard")
    assert auditer(page, axe) == []

    # Présent, puis réussite : chaque case s'enregistre aussitôt (htmx), la ligne montre le code.
    url = page.url
    ligne.locator("label", has_text="Présent").click()
    expect(ligne.locator("[data-enregistre]")).to_be_visible()
    expect(ligne.locator("input[value=present]")).to_be_checked()
    ligne.locator("label", has_text="Réussite").click()
    code = ligne.locator("[data-code]")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{10}$"))
    assert page.url == url
    code = code.inner_text()
    assert auditer(page, axe) == []

    # Un fichier de l'organisme avec une ligne fausse : rapport d'erreurs, rien n'est importé.
    page.get_by_role("link", name="Importer le fichier de l'organisme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Importer le fichier de l'organisme de formation"
    )
    assert auditer(page, axe) == []
    csv = f"session;courriel;presence;reussite\n{session.pk};inconnu@exemple.fr;present;oui\n".encode()
    page.set_input_files("#id_fichier", files=[{"name": "org.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("[data-rejet]")).to_contain_text("aucun agent inscrit")
    assert auditer(page, axe) == []

    # La feuille d'émargement est un PDF.
    reponse = page.request.get(f"/formations/suivi/session/{session.pk}/emargement.pdf")
    assert reponse.ok and reponse.body().startswith(b"%PDF")

    # L'agent télécharge son attestation.
    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/formations/suivi/attestations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes attestations de formation")
    expect(page.locator(f"[data-attestation='{inscription.pk}']")).to_contain_text(code)
    assert auditer(page, axe) == []
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile("^Télécharger l'attestation")).click()
    chemin = telechargement.value.path()
    with open(chemin, "rb") as fichier:
        assert fichier.read(5) == b"%PDF-"
    assert telechargement.value.suggested_filename == f"attestation-{code}.pdf"

    # Un tiers, sans compte, vérifie le code (saisi en minuscules avec un tiret).
    _connecter(contexte, serveur, None)
    page.goto("/attestations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier une attestation de formation")
    assert auditer(page, axe) == []
    page.fill("#id_code", "12")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#id_code_error")).to_contain_text("pas le bon format")
    assert auditer(page, axe) == []
    page.fill("#id_code", f"{code[:5].lower()}-{code[5:]}")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("[data-verification=valide]")).to_be_visible()
    expect(page.locator("[data-agent]")).to_have_text("Éloïse Quenouillard")
    expect(page.locator("[data-module]")).to_contain_text("Accueil des publics fragiles")
    assert page.url.endswith(f"/attestations/{code}/")
    assert auditer(page, axe) == []
    page.goto("/attestations/ABCDEFGHJK/")
    expect(page.locator("[data-verification=inconnue]")).to_be_visible()
    assert auditer(page, axe) == []
