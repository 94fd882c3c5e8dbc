"""Parcours d'un responsable dans Chromium : il corrige le téléphone et les horaires du mardi de sa France
services, voit l'avertissement du label sous 24 h, puis l'historique. Audit axe de chaque page.

Comme tests/navigateur/test_equipe.py : le serveur vivant lit la base par ses propres connexions
(PostgreSQL), donc les données du parcours sont validées en base (pas de django_db) puis remises en
l'état à la fin : la fiche retrouve ses valeurs, historique, journal et compte sont supprimés.
"""

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from playwright.sync_api import expect

from franceservices.comptes.models import Role, Utilisateur
from franceservices.core.models import EvenementAudit
from franceservices.structures.horaires import HorairesSemaine
from franceservices.structures.models import Format, ModificationStructure, Structure
from tests.comptes.factories import personne
from tests.navigateur.test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur]

EMAIL = "responsable.fiche@exemple.fr"
CHAMPS_RESTAURES = ["telephone", "horaires", "heures_par_semaine", "jours_ouverts", "modifie_le"]
# Du lundi au vendredi, 09:00 – 12:00 et 13:30 – 16:00 : 27 h 30 sur 5 jours, au-dessus du minimum.
TEXTES = dict.fromkeys(("lundi", "mardi", "mercredi", "jeudi", "vendredi"), "09:00 - 12:00 / 13:30 - 16:00")


@pytest.mark.django_db
def test_base_de_test_prete():
    """Porte django_db : pytest-django ne crée la base de test que si un test de la session le demande."""
    assert Structure.objects.filter(departement__code="15", format=Format.FIXE).exists()


def _supprimer_journal_apres(dernier: int):
    # Journal en ajout seul (déclencheur sous PostgreSQL) : contourné pour ce seul nettoyage.
    with transaction.atomic(), connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute("SET LOCAL session_replication_role = replica")
        curseur.execute(f"DELETE FROM {EvenementAudit._meta.db_table} WHERE id > %s", [dernier])


@pytest.fixture
def fiche(serveur, django_db_blocker):
    """Une France services fixe du Cantal aux horaires connus, et son responsable ; tout est rétabli à la fin."""
    with django_db_blocker.unblock():
        structure = (
            Structure.objects.filter(departement__code="15", format=Format.FIXE).order_by("pk").first()
        )
        origine = {c: getattr(structure, c) for c in CHAMPS_RESTAURES}
        dernier = EvenementAudit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        semaine = HorairesSemaine.depuis_textes(TEXTES)
        Structure.objects.filter(pk=structure.pk).update(
            horaires=semaine.vers_json(),
            heures_par_semaine=semaine.heures_par_semaine(),
            jours_ouverts=semaine.jours_ouverts(),
            telephone="04 71 00 00 00",
        )
        responsable = personne(Role.RESPONSABLE, structure=structure, email=EMAIL)
        responsable.first_name, responsable.last_name = "Rose", "Responsable"
        responsable.save()
        client = Client()
        client.force_login(responsable)
        try:
            yield {
                "structure": structure,
                "session": client.cookies["sessionid"].value,
                "bloqueur": django_db_blocker,
            }
        finally:
            ModificationStructure.objects.filter(structure=structure).delete()
            Structure.objects.filter(pk=structure.pk).update(**origine)
            _supprimer_journal_apres(dernier)  # avant le compte (clé protégée du journal vers l'acteur)
            Utilisateur.objects.filter(email=EMAIL).delete()


def test_responsable_modifie_telephone_et_horaires(contexte, page, serveur, fiche, axe):
    structure = fiche["structure"]
    contexte.add_cookies([{"name": "sessionid", "value": fiche["session"], "url": serveur.url}])

    # — La liste de son périmètre : une phrase dit quoi et pourquoi —
    page.goto("/gestion/structures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("France services de mon périmètre")
    expect(page.locator("[data-perimetre]")).to_have_text(
        f"Vous voyez 1 France services (Cantal), parce que vous êtes responsable de structure ({structure.nom})."
    )
    assert auditer(page, axe) == []
    page.get_by_role("row").filter(has_text=structure.nom).get_by_role(
        "link", name=re.compile("^Modifier")
    ).click()

    # — Le formulaire —
    expect(page.get_by_role("heading", level=1)).to_have_text(structure.nom)
    expect(page.locator("[data-alerte-label]")).to_have_count(0)
    assert auditer(page, axe) == []

    # Mardi : deux plages et une ligne vide. Une ligne de plus (réaffichage, rien d'enregistré), qui a le focus.
    expect(page.locator("#id_mardi-2-debut")).to_have_value("")
    page.get_by_role("button", name="Ajouter une plage le mardi").click()
    expect(page.locator("#id_mardi-3-debut")).to_be_focused()

    # Erreurs : numéro invalide, plages du mardi qui se chevauchent.
    page.get_by_label("Téléphone").fill("12")
    page.get_by_label("Ouverture le mardi, plage 2").fill("11:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("La fiche n'a pas été enregistrée")
    expect(page.locator("#id_telephone_error")).to_contain_text("Numéro de téléphone invalide")
    expect(page.get_by_label("Téléphone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#erreurs-mardi")).to_contain_text("se chevauchent")
    assert auditer(page, axe) == []  # page avec erreurs

    # Correction : le mardi n'ouvre plus que de 09:00 à 10:00 → 23 h par semaine, sous le minimum de 24 h.
    page.get_by_label("Fermeture le mardi, plage 1").fill("10:00")
    page.get_by_label("Ouverture le mardi, plage 2").fill("")
    page.get_by_label("Fermeture le mardi, plage 2").fill("")
    page.get_by_label("Téléphone").fill("+33 4 71 12 34 56")
    page.get_by_label("Téléphone").press("Enter")  # Entrée enregistre (et n'ajoute pas de plage)
    expect(page.get_by_role("status").filter(has_text="Fiche enregistrée")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_have_value("04 71 12 34 56")
    alerte = page.locator("[data-alerte-label]")
    expect(alerte).to_contain_text("Horaires sous le minimum du label France services")
    expect(alerte).to_contain_text("23 h d'ouverture par semaine, pour un minimum de 24 h")
    assert auditer(page, axe) == []
    with fiche["bloqueur"].unblock():
        enregistree = Structure.objects.get(pk=structure.pk)
        assert (enregistree.telephone, enregistree.heures_par_semaine) == ("04 71 12 34 56", 23)

    # — L'historique —
    page.get_by_role("link", name="Historique des modifications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Historique de {structure.nom}")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("par Rose Responsable")
    lignes = page.get_by_role("row")
    expect(lignes.filter(has_text="Téléphone")).to_contain_text("04 71 00 00 00")
    expect(lignes.filter(has_text="Téléphone")).to_contain_text("04 71 12 34 56")
    expect(lignes.filter(has_text="Horaires du mardi")).to_contain_text("09:00 – 12:00 / 13:30 – 16:00")
    expect(lignes.filter(has_text="Horaires du mardi")).to_contain_text("09:00 – 10:00")
    expect(lignes.filter(has_text="Heures d'ouverture par semaine")).to_contain_text("23 h")
    assert auditer(page, axe) == []

    # — La fiche publique montre aussitôt les nouvelles informations —
    page.goto(structure.get_absolute_url())
    expect(page.get_by_role("row").filter(has_text="Mardi")).to_contain_text("09:00 – 10:00")
    expect(page.get_by_role("link", name="04 71 12 34 56")).to_be_visible()
