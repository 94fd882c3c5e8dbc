"""Parcours du label dans Chromium : l'équipe nationale modifie le seuil d'un critère (une saisie invalide
d'abord, signalée sans perte) et voit la conformité d'une France services recalculée ; la préfecture ouvre
l'audit d'une France services de son département puis la suspend (commentaire exigé). Audit axe de chaque page.

Comptes et sessions validés pour le module (tests/core/validees.py) ; le critère modifié, les horaires de la
France services et le dossier créé par le serveur sont remis en l'état ici, `SUIVIS` ne les couvrant pas.
"""

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.label.models import Constat, Critere, Dossier, ModificationCritere
from franceservices.structures.horaires import HorairesSemaine
from franceservices.structures.models import Format, Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

QUATRE_JOURS = {
    "lundi": "09:00 - 12:00 / 13:00 - 16:00",
    "mardi": "09:00 - 12:00 / 13:00 - 16:00",
    "mercredi": "09:00 - 12:00 / 13:00 - 16:00",
    "jeudi": "09:00 - 13:00",
}  # 22 h sur 4 jours


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = (
            Structure.objects.filter(departement__code="16", format=Format.FIXE).order_by("id_fs").first()
        )
        avant = Structure.objects.filter(pk=structure.pk).values(
            "horaires", "modifie_le", "date_labellisation"
        )[0]
        critere = Critere.objects.get(code="ouverture")
        critere_avant = {"parametres": dict(critere.parametres), "libelle": critere.libelle}
        modifications = ModificationCritere.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        Structure.objects.filter(pk=structure.pk).update(
            horaires=HorairesSemaine.depuis_textes(QUATRE_JOURS).vers_json()
        )
        national = personne(Role.EQUIPE_NATIONALE, email="national@navigateur-label.example")
        prefecture = personne(
            Role.COORDINATEUR_PREFECTURE,
            departement=structure.departement,
            email="prefecture@navigateur-label.example",
        )
        try:
            yield {
                "structure": structure,
                "national": session_connectee(national),
                "prefecture": session_connectee(prefecture),
            }
        finally:
            Constat.objects.filter(structure=structure).delete()
            Dossier.objects.filter(structure=structure).delete()
            ModificationCritere.objects.filter(pk__gt=modifications).delete()
            Critere.objects.filter(pk=critere.pk).update(**critere_avant)
            Structure.objects.filter(pk=structure.pk).update(**avant)


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_national_modifie_un_seuil_et_voit_la_conformite_recalculee(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["national"])
    structure = comptes["structure"]
    page.goto(f"/label/structure/{structure.pk}/")
    ligne = page.locator("#table-calcules [data-critere=ouverture]")
    expect(ligne.locator("[data-statut]")).to_have_text("Non conforme")
    expect(ligne.locator("[data-explication]")).to_have_text(
        "22 h sur 4 jours par semaine, il faut 24 h sur 5 jours"
    )
    assert auditer(page, axe) == []

    page.goto("/label/criteres/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Critères du label")
    assert auditer(page, axe) == []
    page.locator("[data-critere=ouverture]").get_by_role("link", name="Modifier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifier le critère")
    assert auditer(page, axe) == []

    # Saisie invalide : message clair, les autres valeurs restent.
    page.fill("#id_p_heures_min", "200")
    page.fill("#id_p_jours_min", "4")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_p_heures_min_error")).to_contain_text("au plus 168")
    expect(page.locator("#id_p_jours_min")).to_have_value("4")
    assert auditer(page, axe) == []

    page.fill("#id_p_heures_min", "20")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Critères du label")
    expect(page.locator("[data-critere=ouverture] [data-parametres]")).to_contain_text("heures_min = 20")
    assert auditer(page, axe) == []

    page.goto(f"/label/structure/{structure.pk}/")
    expect(ligne.locator("[data-statut]")).to_have_text("Conforme")
    expect(ligne.locator("[data-explication]")).to_contain_text("22 h sur 4 jours par semaine")
    assert auditer(page, axe) == []


def test_prefecture_ouvre_l_audit_puis_suspend(page, contexte, serveur, comptes, axe):
    _connecter(contexte, serveur, comptes["prefecture"])
    structure = comptes["structure"]
    page.goto("/label/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Label France services")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Charente (16)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Label — Charente")
    assert auditer(page, axe) == []
    page.get_by_role("link", name=structure.nom, exact=True).click()
    expect(page.locator("[data-cycle]")).to_contain_text("Labellisée (registre)")
    assert auditer(page, axe) == []

    page.select_option("#id_vers", "audit")
    page.fill("#id_commentaire", "Visite prévue le mois prochain")
    page.get_by_role("button", name="Enregistrer l'étape").click()
    expect(page.locator("[data-cycle]")).to_contain_text("Audit en cours")
    expect(page.locator("#table-etapes [data-etape=audit]")).to_contain_text("Visite prévue")

    page.select_option("#id_vers", "suspendue")
    page.get_by_role("button", name="Enregistrer l'étape").click()
    expect(page.locator("#id_commentaire_error")).to_contain_text("commentaire est obligatoire")
    assert auditer(page, axe) == []
    page.fill("#id_commentaire", "Fermée trois jours sur cinq depuis septembre")
    page.get_by_role("button", name="Enregistrer l'étape").click()
    expect(page.locator("[data-cycle]")).to_contain_text("Label suspendu")
    expect(page.locator("#table-etapes tbody tr")).to_have_count(2)
    assert auditer(page, axe) == []
