"""Parcours de l'animation dans Chromium : un animateur consulte l'accueil de son département (puis la
couverture en animateurs) et enregistre une visite avec deux actions de suivi ; un premier envoi incomplet
affiche des erreurs claires sans rien perdre. Audit axe de chaque page.

Comptes validés en base pour le module (tests/core/validees.py) ; visites, actions et mémoire de consultation,
que `SUIVIS` ne couvre pas, sont effacées ici.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from franceservices.animation.models import ActionSuivi, DerniereConsultation, PointControle, Visite
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        try:
            structure = Structure.objects.filter(departement__code="16").order_by("nom").first()
            animateur = personne(
                Role.ANIMATEUR,
                departement=structure.departement,
                email="animateur@navigateur-animation.example",
            )
            animateur.first_name, animateur.last_name = "Alice", "Animatrice"
            animateur.save()
            responsable = personne(
                Role.RESPONSABLE, structure=structure, email="responsable@navigateur-animation.example"
            )
            responsable.first_name, responsable.last_name = "Rémi", "Responsable"
            responsable.save()
            yield {
                "structure": structure,
                "animateur": animateur,
                "responsable": responsable,
                "cookie": session_connectee(animateur),
            }
        finally:
            Visite.objects.filter(structure__departement__code="16").delete()
            DerniereConsultation.objects.filter(
                utilisateur__email__endswith="@navigateur-animation.example"
            ).delete()


def test_animateur_consulte_son_departement_et_enregistre_une_visite(page, contexte, serveur, comptes, axe):
    contexte.clear_cookies()
    contexte.add_cookies([{**comptes["cookie"], "url": serveur.url}])
    page.goto("/animation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Animation du réseau : Charente (16)")
    expect(page.locator("#changements")).to_contain_text("première consultation")
    expect(page.locator("#table-structures")).to_contain_text(comptes["structure"].nom)
    assert auditer(page, axe) == []

    page.goto("/animation/couverture/")
    expect(page.locator("[data-couverture]")).to_contain_text("sur 101")
    assert auditer(page, axe) == []
    page.goto("/animation/departements/16/")
    expect(page.locator("#changements")).to_contain_text("depuis votre dernière visite")

    page.get_by_role("link", name="Enregistrer une visite").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle visite")
    assert auditer(page, axe) == []
    page.select_option("#id_structure", str(comptes["structure"].pk))
    page.fill("#id_participants", "Rémi Responsable, deux agents")
    page.fill("#id_constats", "Affichage des horaires à revoir.")
    points = list(PointControle.objects.actifs())
    page.locator(f"label[for=id_point_{points[0].pk}_1]").click()  # Non
    page.fill(f"#id_commentaire_{points[0].pk}", "Horaires du samedi absents")
    page.locator(f"label[for=id_point_{points[1].pk}_0]").click()  # Oui
    echeance = (timezone.localdate() + timedelta(days=30)).isoformat()
    page.fill("#id_actions-0-libelle", "Mettre à jour l'affichage des horaires")
    page.select_option("#id_actions-0-porteur", str(comptes["responsable"].pk))
    page.fill("#id_actions-0-echeance", echeance)
    # Deuxième action sans porteur : erreur claire, rien n'est perdu.
    page.fill("#id_actions-1-libelle", "Commander la signalétique")
    page.fill("#id_actions-1-echeance", echeance)
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.locator("#erreurs")).to_contain_text("n'a pas été enregistré")
    expect(page.locator("#id_actions-1-porteur_texte_error")).to_contain_text("Indiquez qui porte l'action")
    expect(page.locator("#id_constats")).to_have_value("Affichage des horaires à revoir.")
    assert auditer(page, axe) == []

    page.fill("#id_actions-1-porteur_texte", "Mairie (services techniques)")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Visite de {comptes['structure'].nom}")
    expect(page.locator("#table-actions")).to_contain_text("Rémi Responsable")
    expect(page.locator("#table-actions")).to_contain_text("Mairie (services techniques)")
    expect(page.locator("#table-grille")).to_contain_text("Horaires du samedi absents")
    assert auditer(page, axe) == []

    page.goto("/animation/departements/16/visites/")
    expect(page.locator("#table-visites")).to_contain_text(comptes["structure"].nom)
    assert auditer(page, axe) == []
    page.goto("/animation/departements/16/actions/")
    expect(page.locator("[data-vide]")).to_contain_text("Aucune action de suivi en retard")
    assert auditer(page, axe) == []

    visite = Visite.objects.get(structure=comptes["structure"])
    assert visite.auteur == comptes["animateur"]
    assert ActionSuivi.objects.filter(visite=visite).count() == 2
