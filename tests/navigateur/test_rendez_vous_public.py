"""Parcours d'un usager sans compte dans Chromium : il saisit sa commune et son besoin (CAF), choisit la
France services proposée, un créneau, réserve avec son téléphone et son courriel ; il reçoit la confirmation
(courriel par un vrai serveur SMTP, avec l'ICS ; SMS) ; il ouvre le lien reçu, regarde les créneaux pour
déplacer, puis annule. Audit axe de chaque page.

Le type de rendez-vous et les disponibilités sont validés en base pour le module (le serveur les lit par ses
propres connexions) ; les rendez-vous créés par le serveur sont effacés à la fin. Les messages partent par
le moteur de tâches « immédiat » (dans le fil du serveur, après la validation de la réservation)."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from franceservices.partenaires.models import Partenaire
from franceservices.rendezvous.models import Disponibilite, RendezVous, Statut, TypeRendezVous
from franceservices.structures.models import Structure
from tests.core.validees import donnees_validees
from tests.rendezvous.fabriques import semaine_type

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


@pytest.fixture(scope="module")
def lieu(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        structure = (
            Structure.objects.filter(departement__code="16", commune__isnull=False, latitude__isnull=False)
            .exclude(code_postal="")
            .select_related("commune")
            .order_by("id_fs")
            .first()
        )
        caf = Partenaire.objects.get(code="cnaf")
        semaine_type(structure)
        type_ = TypeRendezVous.objects.create(
            structure=structure, partenaire=caf, libelle="Rendez-vous CAF", duree=30
        )
        try:
            yield {"structure": structure, "type": type_, "caf": caf}
        finally:
            RendezVous.objects.filter(structure=structure, deplace_de__isnull=False).delete()
            RendezVous.objects.filter(structure=structure).delete()
            type_.delete()
            Disponibilite.objects.filter(structure=structure).delete()


@pytest.fixture
def taches_immediates(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _cocher(page, selecteur):
    page.locator(f"label[for={selecteur.lstrip('#')}]").click()
    expect(page.locator(selecteur)).to_be_checked()


def test_usager_reserve_recoit_la_confirmation_puis_annule(
    page, serveur, lieu, axe, serveur_smtp, sms_en_memoire, taches_immediates
):
    structure = lieu["structure"]

    # Le besoin et la commune.
    page.goto("/rendez-vous/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prendre rendez-vous dans une France services")
    assert auditer(page, axe) == []
    page.select_option("#id_partenaire", "cnaf")
    page.fill("#id_q", structure.code_postal)
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#titre-resultats")).to_contain_text(
        f"France services proposant des rendez-vous {lieu['caf'].nom_court}"
    )
    premier = page.locator(".fs-resultats li").first
    expect(premier).to_contain_text(structure.nom)
    expect(premier).to_contain_text("km")
    assert auditer(page, axe) == []

    # La France services : le seul type CAF est choisi d'office, les créneaux de la semaine s'affichent.
    premier.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(structure.nom)
    expect(page.locator("body")).to_contain_text("Rendez-vous CAF")
    assert auditer(page, axe) == []
    # Semaine suivante puis précédente : avec htmx, seule la zone des créneaux change ; l'adresse suit.
    semaine = page.locator("#titre-semaine").inner_text()
    page.get_by_role("link", name="Semaine suivante").click()
    expect(page.locator("#titre-semaine")).not_to_have_text(semaine)
    expect(page).to_have_url(re.compile(r"semaine=\d{4}-\d{2}-\d{2}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(structure.nom)
    page.get_by_role("link", name="Semaine précédente").click()
    expect(page.locator("#titre-semaine")).to_have_text(semaine)
    if page.locator("[data-creneau]").count() == 0:  # fin de semaine : la semaine suivante
        page.get_by_role("link", name="Semaine suivante").click()
        expect(page.locator("#titre-semaine")).not_to_have_text(semaine)
    assert auditer(page, axe) == []
    creneau = page.locator("[data-creneau]").first
    debut = creneau.get_attribute("data-creneau")
    creneau.click()

    # Réserver : une erreur de saisie, corrigée ; rien n'est perdu.
    expect(page.get_by_role("heading", level=1)).to_have_text("Réserver un rendez-vous")
    assert auditer(page, axe) == []
    page.fill("#id_nom", "Camille Martin")
    page.fill("#id_telephone", "06 12 34")
    page.fill("#id_courriel", "camille.martin@exemple.fr")
    _cocher(page, "#id_consentement")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator("#id_telephone_error")).to_contain_text("n'est pas valide")
    expect(page.locator("#id_nom")).to_have_value("Camille Martin")
    assert auditer(page, axe) == []
    page.fill("#id_telephone", "06 12 34 56 78")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator("[data-confirmation]")).to_contain_text("Votre rendez-vous est confirmé")
    expect(page.get_by_role("link", name="Ajouter à mon agenda")).to_be_visible()
    assert auditer(page, axe) == []

    # La confirmation : courriel avec ICS et lien de gestion, SMS.
    (message,) = serveur_smtp.attendre(1)
    assert message["X-Destinataires-Enveloppe"] == "camille.martin@exemple.fr"
    corps = message.get_body(preferencelist=("plain",)).get_content()
    lien = re.search(r"https?://\S+/rendez-vous/\d+/\S+/", corps)[0]
    assert any(p.get_content_type() == "text/calendar" for p in message.iter_attachments())
    assert [s.numero for s in sms_en_memoire] == ["+33612345678"]

    # Le lien reçu : voir, regarder les créneaux pour déplacer, puis annuler.
    page.goto(lien.split("/rendez-vous/", 1)[1].join(["/rendez-vous/", ""]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre rendez-vous")
    expect(page.locator("body")).to_contain_text("Camille Martin")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Déplacer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déplacer votre rendez-vous")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Garder mon rendez-vous actuel").click()
    page.get_by_role("link", name="Annuler le rendez-vous").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler votre rendez-vous")
    assert auditer(page, axe) == []
    page.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    expect(page.locator("[data-annulation]")).to_contain_text("Votre rendez-vous est annulé")
    assert auditer(page, axe) == []

    # Le courriel d'annulation (METHOD:CANCEL) est parti ; en base, le rendez-vous est annulé.
    annulation = serveur_smtp.attendre(2)[1]
    assert "annulé" in annulation["Subject"]
    rdv = RendezVous.objects.get(structure=structure, nom="Camille Martin")
    assert rdv.statut == Statut.ANNULE and rdv.debut == datetime.fromisoformat(debut)
