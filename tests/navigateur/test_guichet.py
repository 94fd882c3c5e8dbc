"""Parcours du guichet unique dans Chromium : un usager répond aux questions (sans JavaScript requis), voit la
France services la plus proche avec son prochain créneau, suit le lien de réservation, réserve puis annule ; la même chose dans
le widget intégré en iframe (le lien s'ouvre dans un nouvel onglet) ; page d'intégration ; chiffres des
orientations pour l'équipe nationale. Audit axe de chaque page.

Les types de rendez-vous et disponibilités de la France services visée, le compte national et les décisions
enregistrées par le serveur sont validés pour le module puis effacés (`SUIVIS` ne couvre pas ces tables).
"""

import re

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.partenaires.models import Partenaire
from franceservices.rappels.models import DecisionOrientation, Orientation
from franceservices.rappels.orientation import Reponses, orienter
from franceservices.rendezvous.models import Disponibilite, RendezVous, Statut, TypeRendezVous
from franceservices.territoires.models import Commune
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


def _dernier(modele) -> int:
    return modele.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture(scope="module")
def donnees(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        avant = {m: _dernier(m) for m in (DecisionOrientation, TypeRendezVous, Disponibilite)}
        caf = Partenaire.objects.get(code="cnaf")
        commune = Commune.objects.get(code_insee="16015")
        cible = next(
            p.structure
            for p in orienter(Reponses(partenaire=caf, commune=commune))
            if p.orientation == Orientation.FRANCE_SERVICES
        )
        for jour in range(
            7
        ):  # tous les jours, toute la journée : un créneau libre quelle que soit l'heure du test
            Disponibilite.objects.create(
                structure=cible, jour_semaine=jour, heure_debut="00:00", heure_fin="23:30"
            )
        TypeRendezVous.objects.create(structure=cible, partenaire=caf, libelle="Rendez-vous CAF", duree=30)
        nationale = personne(Role.EQUIPE_NATIONALE, email="nationale@navigateur-guichet.example")
        try:
            yield {"cible": cible, "session": session_connectee(nationale), "avant": avant}
        finally:
            RendezVous.objects.filter(structure=cible).delete()
            for modele in (DecisionOrientation, TypeRendezVous, Disponibilite):
                modele.objects.filter(pk__gt=avant[modele]).delete()


def _cocher(cadre, identifiant):
    cadre.locator(f"label[for={identifiant}]").click()
    expect(cadre.locator(f"#{identifiant}")).to_be_checked()


def _repondre(cadre):
    """Étape 1 puis étape 2, dans la page ou dans l'iframe du widget."""
    expect(cadre.get_by_role("heading", level=1)).to_have_text("J'ai besoin d'aide pour…")
    cadre.locator("label", has_text="Santé, allocations").click()
    cadre.locator("#id_partenaire").select_option("cnaf")
    cadre.get_by_role("button", name="Continuer").click()
    expect(cadre.locator("[data-resume]")).to_contain_text("Caf")
    _cocher(cadre, "id_en_ligne_1")  # non
    _cocher(cadre, "id_aide_ordinateur_1")  # non
    cadre.locator("#id_commune").fill("Angoulême")
    cadre.get_by_role("button", name="Voir les solutions").click()
    expect(cadre.get_by_role("heading", level=1)).to_have_text("Les solutions pour votre demande")
    france_services = cadre.locator("[data-proposition=france_services]").first
    expect(france_services.locator("[data-creneau]")).to_contain_text("Prochain rendez-vous libre")
    expect(cadre.locator("[data-proposition]").last).to_have_attribute("data-proposition", "rappel")
    return france_services


def test_usager_trouve_un_creneau_et_suit_le_lien(page, serveur, donnees, axe):
    cible = donnees["cible"]
    page.goto("/aide/")
    assert auditer(page, axe) == []
    page.locator("label", has_text="Santé, allocations").click()
    page.locator("#id_partenaire").select_option("cnaf")
    page.get_by_role("button", name="Continuer").click()
    assert auditer(page, axe) == []
    # Commune introuvable : message clair, rien n'est perdu.
    page.locator("#id_commune").fill("Zzzqxwyville")
    page.get_by_role("button", name="Voir les solutions").click()
    expect(page.locator("#id_commune_error")).to_contain_text("Nous ne trouvons pas de commune")
    assert auditer(page, axe) == []
    page.goto("/aide/")
    france_services = _repondre(page)
    expect(france_services).to_contain_text(cible.nom)
    expect(france_services).to_contain_text("Rendez-vous CAF")
    assert auditer(page, axe) == []
    france_services.get_by_role("link", name=re.compile("^Prendre rendez-vous")).click()
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(serveur.url)}/rendez-vous/france-services/{cible.pk}/\?partenaire=cnaf$")
    )
    # De la porte d'entrée au créneau réservé, puis annulé (issue 6 : parcours de bout en bout).
    expect(page.get_by_role("heading", level=1)).to_contain_text(cible.nom)
    if page.locator("[data-creneau]").count() == 0:  # fin de semaine passée : la semaine suivante
        page.get_by_role("link", name="Semaine suivante").click()
    page.locator("[data-creneau]").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réserver un rendez-vous")
    page.fill("#id_nom", "Dominique Usager")
    page.fill("#id_telephone", "0590 12 34 56")  # Guadeloupe : un numéro d'outre-mer est accepté
    page.locator("label[for=id_consentement]").click()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator("[data-confirmation]")).to_contain_text("Votre rendez-vous est confirmé")
    page.get_by_role("link", name="Annuler le rendez-vous").click()
    page.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    expect(page.locator("[data-annulation]")).to_contain_text("Votre rendez-vous est annulé")
    (rdv,) = RendezVous.objects.filter(structure=cible)
    assert (rdv.statut, rdv.telephone, rdv.type.partenaire.code) == (Statut.ANNULE, "+590590123456", "cnaf")


def test_meme_parcours_dans_le_widget(page, contexte, serveur, donnees, axe):
    cible = donnees["cible"]
    page.goto("/aide/widget/")
    assert auditer(page, axe) == []
    # Intégré dans le site d'un tiers (autre origine) : l'iframe se charge et le parcours s'y déroule.
    page.set_content(
        f'<!DOCTYPE html><html lang="fr"><head><title>Mairie</title></head><body><main><h1>Ma mairie</h1>'
        f'<iframe src="{serveur.url}/aide/widget/" title="J\'ai besoin d\'aide" width="900" height="1400">'
        f"</iframe></main></body></html>"
    )
    cadre = page.frame_locator("iframe")
    france_services = _repondre(cadre)
    expect(france_services).to_contain_text(cible.nom)
    lien = france_services.get_by_role("link", name=re.compile("^Prendre rendez-vous"))
    expect(lien).to_have_attribute("target", "_blank")
    with contexte.expect_page() as nouvel_onglet:
        lien.click()
    onglet = nouvel_onglet.value
    onglet.wait_for_load_state()
    assert onglet.url == f"{serveur.url}/rendez-vous/france-services/{cible.pk}/?partenaire=cnaf"
    onglet.close()
    # Le résultat du widget, seul : audit axe.
    page.goto("/aide/widget/?partenaire=cnaf&commune=16015")
    expect(page.locator("#id_partenaire")).to_have_value("cnaf")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("#id_commune")).to_have_value("16015")
    page.get_by_role("button", name="Voir les solutions").click()
    expect(page.locator("[data-proposition=france_services]").first).to_contain_text(cible.nom)
    assert auditer(page, axe) == []


def test_integrer_et_chiffres(page, contexte, serveur, donnees, axe):
    page.goto("/aide/integrer/?partenaire=cnaf&commune=16015")
    expect(page.locator("[data-code]")).to_contain_text("/aide/widget/?partenaire=cnaf&amp;commune=16015")
    assert auditer(page, axe) == []
    # Une décision par parcours affiché (le parcours de la page, celui de l'iframe, celui du widget seul).
    contexte.add_cookies([{**donnees["session"], "url": serveur.url}])
    page.goto("/statistiques/orientations/?pas=semaine")
    expect(page.locator("[data-perimetre]")).to_contain_text("Vous voyez les décisions")
    expect(page.locator("[data-tableau=partenaires]")).to_contain_text("Caf")
    assert auditer(page, axe) == []
    decisions = DecisionOrientation.objects.filter(pk__gt=donnees["avant"][DecisionOrientation])
    assert decisions.count() == 3
    assert {d.orientation for d in decisions} == {Orientation.FRANCE_SERVICES}
    assert {d.code_insee for d in decisions} == {"16015"}
