"""Parcours des orientations dans Chromium : un agent fait le diagnostic d'autonomie avec l'usager, l'oriente
vers un conseiller numérique proche avec son consentement ; le conseiller propose un créneau depuis sa boîte ;
l'agent voit l'issue. Audit axe de chaque page.

Comptes validés en base pour le module (tests/core/validees.py) ; le lieu de médiation et les orientations,
que `SUIVIS` ne couvre pas, sont effacés ici.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.orientations.models import Orientation
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

NOM_LIEU = "Atelier numérique du parcours"


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        lieu = None
        taches = set(DBTaskResult.objects.values_list("pk", flat=True))
        try:
            with donnees_validees():
                try:
                    structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
                    lieu = LieuMediation.objects.create(
                        identifiant="navigateur-orientations",
                        nom=NOM_LIEU,
                        commune=Commune.objects.par_code("16015"),
                        departement=structure.departement,
                    )
                    agent = personne(
                        Role.AGENT, structure=structure, email="agent@navigateur-orientations.example"
                    )
                    cnfs = personne(
                        Role.CONSEILLER_NUMERIQUE,
                        lieu_mediation=lieu,
                        email="cnfs@navigateur-orientations.example",
                    )
                    yield {
                        "structure": structure,
                        "lieu": lieu,
                        "agent": session_connectee(agent),
                        "cnfs": session_connectee(cnfs),
                    }
                finally:
                    Orientation.objects.filter(lieu=lieu).delete()
                    # Avis d'envoi mis en file : un worker d'un autre test ne doit pas les exécuter.
                    DBTaskResult.objects.exclude(pk__in=taches).delete()
        finally:
            if lieu is not None:
                LieuMediation.objects.filter(pk=lieu.pk).delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_diagnostic_orientation_creneau(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/orientations/diagnostic/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Diagnostic d'autonomie numérique")
    assert auditer(page, axe) == []
    for code in ("appareil", "internet", "courriel", "compte", "document", "formulaire", "arnaque"):
        reponse = 0 if code == "appareil" else 2  # « Oui, seul » puis « Non »
        page.locator(f"label[for=id_{code}_{reponse}]").click()
    page.get_by_role("button", name="Voir le niveau").click()
    expect(page.locator("[data-resultat]")).to_contain_text("Pas autonome")
    assert auditer(page, axe) == []
    expect(page.locator("[data-enregistrer]")).to_have_attribute("href", re.compile("autonomie=non_autonome"))

    page.locator("[data-orienter]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orienter vers un conseiller numérique")
    expect(page.get_by_label("Autonomie numérique (diagnostic)")).to_have_value("non_autonome")
    assert auditer(page, axe) == []
    page.get_by_label(re.compile("Commune de l'usager")).fill("16015")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_text(re.compile(NOM_LIEU)).click()
    page.get_by_label("Besoin de l'usager").select_option("internet")
    page.get_by_label("Prénom ou initiales").fill("J. D.")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    # sans consentement : refusé
    page.get_by_role("button", name="Envoyer l'orientation").click()
    expect(page.locator("#id_consentement_error")).to_contain_text("consentement")
    assert auditer(page, axe) == []
    page.get_by_text(re.compile(NOM_LIEU)).click()
    page.get_by_label("Besoin de l'usager").select_option("internet")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.locator("label[for=id_consentement]").click()
    page.get_by_role("button", name="Envoyer l'orientation").click()
    expect(page.locator("[data-etat]")).to_have_text("Envoyée")
    assert auditer(page, axe) == []

    _connecter(contexte, serveur, comptes["cnfs"])
    page.goto("/orientations/")
    assert auditer(page, axe) == []
    page.locator("[data-orientation] a").first.click()
    expect(page.locator("[data-usager]")).to_contain_text("J. D.")
    quand = timezone.localtime() + timedelta(days=3)
    page.get_by_label("Date et heure du créneau").fill(quand.strftime("%Y-%m-%dT14:30"))
    page.get_by_label("Lieu du créneau").fill("Médiathèque, salle 2")
    page.get_by_role("button", name="Proposer ce créneau").click()
    expect(page.locator("[data-creneau]")).to_contain_text("salle 2")
    assert auditer(page, axe) == []

    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/orientations/?etat=creneau")
    page.locator("[data-orientation] a").first.click()
    expect(page.locator("[data-etat]")).to_have_text("Créneau proposé")
    expect(page.locator("[data-creneau]")).to_contain_text(quand.strftime("%d/%m/%Y").lstrip("0"))
    page.goto("/orientations/statistiques/")
    expect(page.locator("[data-total] [data-total]")).to_have_text("1")
    assert auditer(page, axe) == []
