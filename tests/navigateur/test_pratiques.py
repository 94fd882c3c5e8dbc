"""Un animateur départemental ouvre le rapport « évolution des pratiques d'accès » de son département dans
Chromium, change de mois (formulaire GET, sans JavaScript), puis télécharge le PDF (journalisé) ; audit axe.

Comptes, demandes et agrégats sont validés en base pour le module puis effacés (tests/core/validees.py).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from franceservices.activite.actions import enregistrer
from franceservices.activite.models import Canal, Demarche
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.structures.models import Structure
from tests.activite.fabriques import demande
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

DOMAINE = "navigateur-pratiques.example"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def animateur(django_db_setup, django_db_blocker):
    """Animateur de la Charente ; une France services du département : 3 demandes en septembre 2026, 4 en
    octobre 2026 (dont 2 sur une démarche disponible en ligne, une par téléphone)."""
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="16").order_by("pk").first()
        animateur = personne(Role.ANIMATEUR, departement=structure.departement, email=f"animateur@{DOMAINE}")
        en_ligne = Demarche.objects.exclude(lien_en_ligne="").order_by("pk").first()
        lot = [demande(structure, date_heure=datetime(2026, 9, j, 10, tzinfo=PARIS)) for j in (1, 2, 3)]
        lot += [
            demande(
                structure,
                date_heure=datetime(2026, 10, j, 10, tzinfo=PARIS),
                demarche=en_ligne if j < 7 else None,
                partenaire=en_ligne.partenaire,
                canal=Canal.TELEPHONE if j == 8 else Canal.ACCUEIL_PHYSIQUE,
            )
            for j in (5, 6, 7, 8)
        ]
        enregistrer(lot)
        yield {"session": session_connectee(animateur), "bloqueur": django_db_blocker}


def test_animateur_ouvre_change_de_mois_et_telecharge_le_pdf(page, contexte, serveur, animateur, axe):
    contexte.add_cookies([{**animateur["session"], "url": serveur.url}])
    page.goto("/statistiques/pratiques/?mois=2026-10")
    expect(page.get_by_role("heading", level=1)).to_have_text("Évolution des pratiques d'accès")
    expect(page.locator("[data-perimetre]")).to_contain_text("Charente (16)")
    expect(page.locator("[data-total-mois]")).to_have_text("4")
    expect(page.locator("[data-part-en-ligne]")).to_have_text("50 %")
    expect(page.get_by_role("img", name="Canaux d'accueil : parts mensuelles")).to_be_visible()
    ligne = page.locator("#table-canaux").get_by_role("row").filter(has_text="Téléphone")
    expect(ligne).to_contain_text("25 %")
    assert auditer(page, axe) == []

    # Les données d'un graphique, sans JavaScript : <details>.
    donnees = page.locator("#donnees-canaux")
    expect(donnees.locator("table")).to_be_hidden()
    donnees.get_by_text("Données du graphique, mois par mois").click()
    expect(donnees.locator("table")).to_be_visible()

    # Changer de mois : septembre 2026.
    page.get_by_label("Mois de référence").fill("2026-09")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"mois=2026-09"))
    expect(page.locator("[data-total-mois]")).to_have_text("3")
    expect(page.locator("[data-sans-comparaison]")).to_contain_text("septembre 2025")
    assert auditer(page, axe) == []

    # Télécharger le PDF du mois affiché (journalisé). WeasyPrint met quelques secondes (plus sur une
    # machine chargée) : délais larges.
    with page.expect_download(timeout=120_000) as telechargement:
        page.get_by_role("link", name="Télécharger le rapport (PDF)").click(timeout=120_000)
    assert telechargement.value.suggested_filename.endswith("-2026-09.pdf")
    contenu = telechargement.value.path().read_bytes()
    assert contenu.startswith(b"%PDF")
    with animateur["bloqueur"].unblock():
        export = EvenementAudit.objects.filter(
            evenement=Evenement.EXPORT, acteur_email=f"animateur@{DOMAINE}"
        )
        assert export.get().details == {
            "export": "pratiques",
            "format": "pdf",
            "portee": export.get().details["portee"],
            "mois": "2026-09",
            "synthetiques": True,
        }
