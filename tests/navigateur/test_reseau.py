"""Parcours de la vie du réseau dans Chromium : un animateur crée une réunion de réseau pour son
département (une erreur de saisie d'abord) ; un agent invité la voit sur son accueil et s'inscrit ;
l'événement commencé, l'animateur coche sa présence et dépose le compte rendu ; une actualité publiée
apparaît non lue (pastille) à l'agent, puis lue. Audit axe de chaque page.

Comme tests/navigateur/test_compte.py : comptes validés pour le module (tests/core/validees.py), pas de
`django_db` sur le parcours (le serveur écrit : événements, inscriptions, lectures) ; ses lectures et la
mise au passé de l'événement passent par `django_db_blocker`, en validation automatique. Ce que le serveur
a créé (événements, publications, tâches d'envoi) est effacé à la fin.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.reseau.models import EvenementReseau, Lecture, Participation, Publication
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur]

DOMAINE = "navigateur-reseau.example"
TITRE = "Réunion de réseau de Charente (parcours réseau)"
ACTUALITE = "Nouveau guide de l'accueil (parcours réseau)"


@pytest.mark.django_db
def test_base_de_test_prete():
    """Porte django_db : pytest-django ne crée la base de test que si un test de la session le demande."""
    assert Structure.objects.filter(departement__code="16").exists()


@pytest.fixture(scope="module")
def comptes(serveur, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        taches_avant = DBTaskResult.objects.values_list("pk", flat=True)
        taches_avant = set(taches_avant)
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        animateur = personne(Role.ANIMATEUR, departement=structure.departement, email=f"animateur@{DOMAINE}")
        agent = personne(Role.AGENT, structure=structure, email=f"agent@{DOMAINE}")
        agent.first_name, agent.last_name = "Inès", "Lacombe"
        agent.save()
        national = personne(Role.EQUIPE_NATIONALE, email=f"national@{DOMAINE}")
        try:
            yield {
                "blocker": django_db_blocker,
                "departement": structure.departement,
                "animateur": session_connectee(animateur),
                "agent": session_connectee(agent),
                "national": session_connectee(national),
            }
        finally:
            EvenementReseau.objects.filter(titre__endswith="(parcours réseau)").delete()
            Publication.objects.filter(titre__endswith="(parcours réseau)").delete()
            DBTaskResult.objects.filter(task_path__startswith="franceservices.reseau").exclude(
                pk__in=taches_avant
            ).delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def _succes(page):
    return page.locator(".fr-alert--success, .fr-notice, .fr-alert--info").first


def test_parcours_reseau(page, contexte, serveur, comptes, axe):
    blocker = comptes["blocker"]
    jour = (timezone.localdate() + timedelta(days=3)).isoformat()

    # 1. L'animateur crée une réunion de réseau pour son département.
    _connecter(contexte, serveur, comptes["animateur"])
    page.goto("/vie-du-reseau/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vie du réseau")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Organiser un événement").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvel événement du réseau")
    assert auditer(page, axe) == []
    page.fill("#id_titre", TITRE)
    page.fill("#id_debut", f"{jour}T14:00")
    page.fill("#id_fin", f"{jour}T12:00")  # fin avant le début
    page.fill("#id_lieu", "Préfecture de la Charente, salle 2")
    page.fill("#id_capacite", "20")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_fin_error")).to_have_text("La fin doit être après le début.")
    expect(page.locator("#id_titre")).to_have_value(TITRE)
    assert auditer(page, axe) == []
    page.fill("#id_fin", f"{jour}T16:30")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    expect(_succes(page)).to_contain_text("Événement créé.")
    assert auditer(page, axe) == []

    # 2. L'agent invité la voit sur son accueil et s'inscrit.
    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/vie-du-reseau/")
    page.locator("[data-prochains]").get_by_role("link", name=TITRE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    assert auditer(page, axe) == []
    page.get_by_role("button", name=re.compile("M'inscrire")).click()
    expect(_succes(page)).to_contain_text("Vous êtes inscrit(e)")
    expect(page.locator("[data-mon-statut=inscrit]")).to_be_visible()
    assert auditer(page, axe) == []

    # L'événement commence (mis au passé en base).
    with blocker.unblock():
        e = EvenementReseau.objects.get(titre=TITRE)
        maintenant = timezone.now()
        EvenementReseau.objects.filter(pk=e.pk).update(
            debut=maintenant - timedelta(hours=2), fin=maintenant - timedelta(minutes=10)
        )

    # 3. L'animateur coche la présence de l'agent et dépose le compte rendu.
    _connecter(contexte, serveur, comptes["animateur"])
    page.goto(f"/vie-du-reseau/evenements/{e.pk}/")
    page.get_by_role("link", name="Feuille de présence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feuille de présence")
    assert auditer(page, axe) == []
    page.locator("label", has_text="Inès Lacombe").click()
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(_succes(page)).to_contain_text("1 présent sur 1")
    page.get_by_role("link", name="Compte rendu et documents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compte rendu et documents")
    assert auditer(page, axe) == []
    page.fill("#id_texte", "Tour de table des France services ; point sur le label.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-compte-rendu]")).to_contain_text("point sur le label")
    assert auditer(page, axe) == []

    # 4. Une actualité publiée apparaît non lue à l'agent, puis lue.
    page.goto("/vie-du-reseau/actualites/nouvelle/")
    assert auditer(page, axe) == []
    page.fill("#id_titre", ACTUALITE)
    page.fill("#id_texte", "Le guide est en ligne.")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("[data-statistiques]")).to_contain_text("Lue par 0 sur")
    assert auditer(page, axe) == []

    _connecter(contexte, serveur, comptes["agent"])
    page.goto("/vie-du-reseau/")
    expect(page.locator("[data-pastille]")).to_be_visible()
    page.locator("[data-non-lues]").get_by_role("link", name=ACTUALITE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACTUALITE)
    assert auditer(page, axe) == []
    page.goto("/vie-du-reseau/actualites/")
    expect(page.locator("[data-publication]", has_text=ACTUALITE)).to_have_attribute("data-lue", "oui")
    assert auditer(page, axe) == []
    page.goto("/vie-du-reseau/evenements/?periode=passes")
    assert auditer(page, axe) == []

    with blocker.unblock():
        participation = Participation.objects.get(evenement=e, personne__email=f"agent@{DOMAINE}")
        assert participation.presente is True
        assert (
            Lecture.objects.filter(publication__titre=ACTUALITE, personne__email=f"agent@{DOMAINE}").count()
            == 1
        )


def test_formulaires_de_l_equipe_nationale(page, contexte, serveur, comptes, axe):
    """Tous les périmètres proposés (national, région, département), partenaire, public : erreurs
    accessibles."""
    _connecter(contexte, serveur, comptes["national"])
    page.goto("/vie-du-reseau/evenements/nouveau/")
    assert auditer(page, axe) == []
    page.locator("label[for=id_portee_1]").click()  # une région, sans la choisir
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_region_error")).to_have_text("Choisissez la région de la diffusion.")
    expect(page.locator("#id_titre_error")).to_be_visible()
    assert auditer(page, axe) == []
    page.goto("/vie-du-reseau/actualites/nouvelle/")
    assert auditer(page, axe) == []
    page.goto("/vie-du-reseau/actualites/?vue=gerees")
    assert auditer(page, axe) == []
