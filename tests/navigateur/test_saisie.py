"""Parcours d'un agent dans Chromium : il saisit une visite de trois demandes au clavier seul, la retrouve dans
« Mes demandes » ; une coupure réseau garde la visite sur le poste, qui la renvoie (enregistrée une fois).
Audit axe de chaque page.

Le compte, ses favoris, sa session et les demandes saisies sont validés en base pour le module (le serveur
des parcours ne voit pas la transaction du test sur PostgreSQL), puis effacés : voir tests/core/validees.py.
"""

import re

import pytest
from playwright.sync_api import expect

from franceservices.activite import agregats
from franceservices.activite.models import Demande, Demarche, Favori
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

EMAIL = "agent.saisie@navigateur-saisie.example"


@pytest.fixture(scope="module")
def agent(django_db_setup, django_db_blocker):
    """Un agent d'une France services de Charente, deux démarches favorites, connecté (cookie de session)."""
    with django_db_blocker.unblock(), donnees_validees():
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        agent = personne(Role.AGENT, structure=structure, email=EMAIL)
        favorites = [
            Demarche.objects.filter(partenaire__code=code, actif=True).order_by("pk").first()
            for code in ("cnaf", "ants")
        ]
        for demarche in favorites:
            Favori.objects.create(agent=agent, demarche=demarche)
        yield {
            "utilisateur": agent,
            "structure": structure,
            "favorites": favorites,
            "cookie": session_connectee(agent),
        }


@pytest.fixture
def page_agent(page, contexte, serveur, agent):
    contexte.add_cookies([{**agent["cookie"], "url": serveur.url}])
    return page


def _tabuler_jusqu_a(page, selecteur: str, maximum: int = 40):
    """Tab jusqu'à l'élément (clavier seul) ; échoue s'il n'est pas atteint."""
    for _ in range(maximum):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selecteur!r})"):
            return
    raise AssertionError(f"{selecteur} jamais atteint au clavier")


def test_trois_demandes_au_clavier(page_agent, agent, axe):
    page = page_agent
    page.goto("/activite/saisie/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Saisir une visite")
    assert auditer(page, axe) == []
    caf, ants = agent["favorites"]

    # Demande 1 : le focus est sur la première démarche favorite ; Espace la choisit.
    expect(page.locator("#id_demandes-0-demarche_1")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#id_demandes-0-demarche_1")).to_be_checked()
    expect(page.locator("#id_demandes-0-partenaire")).to_have_value(str(caf.partenaire_id))
    expect(page.locator("#id_demandes-0-theme")).to_have_value(caf.theme)

    # Demande 2 : « Ajouter une demande à cette visite » (le focus passe sur la nouvelle ligne), flèche : la suivante.
    _tabuler_jusqu_a(page, "[data-ajouter]")
    page.keyboard.press("Enter")
    expect(page.locator("#id_demandes-1-demarche_1")).to_be_focused()
    expect(page.get_by_role("group", name=re.compile("^Demande 2"))).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_demandes-1-demarche_2")).to_be_checked()
    expect(page.locator("#id_demandes-1-partenaire")).to_have_value(str(ants.partenaire_id))

    # Demande 3, puis Entrée : la visite est enregistrée.
    _tabuler_jusqu_a(page, "[data-ajouter]")
    page.keyboard.press("Enter")
    expect(page.locator("#id_demandes-2-demarche_1")).to_be_focused()
    page.keyboard.press("Space")
    assert page.locator("[name=demandes-TOTAL_FORMS]").input_value() == "3"
    assert auditer(page, axe) == []
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="3 demandes enregistrées.")).to_be_visible()
    # Formulaire prêt pour la visite suivante : une ligne, focus sur la première démarche.
    expect(page.locator("[data-lignes] [data-ligne]")).to_have_count(1)
    expect(page.locator("#id_demandes-0-demarche_1")).to_be_focused()
    assert auditer(page, axe) == []

    # « Mes demandes » : les trois demandes.
    page.goto("/activite/demandes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes demandes")
    expect(page.locator("[data-perimetre]")).to_contain_text("Vous voyez 3 demandes")
    expect(page.locator("#table-demandes tbody tr")).to_have_count(3)
    expect(page.locator("#table-demandes tbody")).to_contain_text(ants.libelle)
    assert auditer(page, axe) == []
    page.locator("#table-demandes tbody tr a").first.click()
    expect(page.locator("[data-delai]")).to_contain_text(
        "Vous pouvez corriger ou annuler cette demande jusqu'au"
    )
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Corriger la demande").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Corriger la demande du")
    assert auditer(page, axe) == []

    page.get_by_label("Durée").select_option("30")
    page.get_by_label("Motif de la correction").fill("Durée sous-estimée")
    page.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_role("status").filter(has_text="Demande corrigée.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Durée (minutes) : 15 → 30")
    assert auditer(page, axe) == []

    # Tableau de bord de la France services (agrégats tenus à l'écriture) : les trois demandes y sont, au clavier.
    page.goto("/activite/demandes/")
    _tabuler_jusqu_a(page, "a[href='/statistiques/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques d'activité")
    expect(page.locator("[data-total]")).to_have_text("3")
    assert auditer(page, axe) == []

    demandes = list(Demande.objects.filter(agent=agent["utilisateur"]))
    assert len(demandes) == 3 and len({d.visite for d in demandes}) == 1
    assert sorted(d.demarche_id for d in demandes) == sorted([caf.pk, ants.pk, caf.pk])
    assert sorted(d.duree for d in demandes) == [15, 15, 30]
    assert agregats.reconcilier(demandes[0].jour, demandes[0].jour) == []


def test_coupure_reseau_visite_gardee_puis_renvoyee(page_agent, agent, journal, axe):
    page = page_agent
    envois = []

    def coupure_une_fois(route):
        if route.request.method == "POST":
            envois.append((route.request.headers["content-type"], route.request.post_data_buffer))
            if len(envois) == 1:
                route.abort("internetdisconnected")
                return
        route.continue_()

    page.route("**/activite/saisie/", coupure_une_fois)
    page.goto("/activite/saisie/")
    cle = page.locator("#id_demandes-0-cle_client").input_value()
    expect(page.locator("#id_demandes-0-demarche_1")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")

    # La coupure : la visite est gardée, un bandeau le dit, le formulaire est prêt pour la suivante.
    expect(page.locator("[data-annonce]")).to_contain_text("la visite est gardée sur ce poste")
    assert page.locator("#id_demandes-0-cle_client").input_value() != cle
    # Puis le renvoi automatique (quelques secondes) : enregistrée, le bandeau disparaît.
    expect(page.locator("[data-annonce]")).to_contain_text("1 visite gardée envoyée", timeout=15_000)
    expect(page.locator("[data-attente]")).to_be_hidden()
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('franceservices.activite'))") == []
    )
    assert auditer(page, axe) == []
    assert len(envois) == 2 and cle.encode() in envois[1][1]

    # Le même envoi rejoué (double clic, second onglet) : une seule demande.
    page.unroute("**/activite/saisie/")
    type_contenu, corps = envois[1]
    jeton = page.locator("[name=csrfmiddlewaretoken]").first.input_value()
    reponse = page.request.post(
        "/activite/saisie/",
        headers={"Accept": "application/json", "X-CSRFToken": jeton, "Content-Type": type_contenu},
        data=corps,
    )
    assert reponse.status == 201
    statut = reponse.json()
    assert statut["enregistrees"] == 0 and statut["deja_enregistrees"] == 1
    # Les requêtes avortées exprès s'affichent en erreur de console : attendu ici, seulement elles.
    journal.erreurs[:] = [e for e in journal.erreurs if "ERR_INTERNET_DISCONNECTED" not in e]

    # Lu après les actions du navigateur (SQLite : voir tests/core/validees.py).
    enregistree = Demande.objects.get(cle_client=cle)
    assert Demande.objects.filter(visite=enregistree.visite).count() == 1


def test_bandeau_visites_en_attente(page_agent, journal, axe):
    """Hors ligne (toutes les requêtes échouent) : le bandeau compte les visites gardées."""
    page = page_agent
    page.goto("/activite/saisie/")
    page.route("**/activite/saisie/", lambda route: route.abort("internetdisconnected"))
    for _ in range(2):
        expect(page.locator("#id_demandes-0-demarche_1")).to_be_focused()
        page.keyboard.press("Space")
        page.keyboard.press("Enter")
        expect(page.locator("[data-annonce]")).to_contain_text("gardée sur ce poste")
        page.wait_for_timeout(900)
    expect(page.locator("[data-attente]")).to_contain_text("2 visites en attente d'envoi")
    assert auditer(page, axe) == []
    page.evaluate("localStorage.clear()")
    journal.erreurs[:] = [e for e in journal.erreurs if "ERR_INTERNET_DISCONNECTED" not in e]


def test_erreurs_de_saisie_affichees_sous_les_champs(page_agent, journal, axe):
    """Une ligne sans démarche ni thème : le serveur réaffiche la page, erreurs reliées aux champs, focus dessus."""
    page = page_agent
    page.goto("/activite/saisie/")
    page.get_by_label("Partenaire", exact=True).first.select_option(label="Caf")
    page.get_by_label("Nom de l'autre partenaire").first.fill("Mairie")
    page.get_by_role("button", name="Enregistrer la visite").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "La visite n'a pas été enregistrée : 1 erreur à corriger"
    )
    theme = page.locator("#id_demandes-0-theme")
    expect(theme).to_have_attribute("aria-invalid", "true")
    expect(theme).to_be_focused()
    expect(page.locator("#id_demandes-0-theme_error")).to_have_text("Choisissez le thème de la demande.")
    lien = page.get_by_role("alert").get_by_role(
        "link", name="Demande 1 — Thème : Choisissez le thème de la demande."
    )
    lien.click()
    expect(theme).to_be_focused()
    assert auditer(page, axe) == []
    theme.select_option("famille_scolarite")
    page.get_by_role("button", name="Enregistrer la visite").click()
    expect(page.get_by_role("status").filter(has_text="1 demande enregistrée.")).to_be_visible()
    # La réponse 400 (JSON) du premier envoi s'affiche en erreur de console : attendu, seulement elle.
    journal.erreurs[:] = [e for e in journal.erreurs if "status of 400" not in e]


def test_commune_suggeree(page_agent, axe):
    page = page_agent
    page.goto("/activite/saisie/")
    page.get_by_label("Commune de résidence").press_sequentially("Angoul", delay=30)
    expect(page.locator("#communes-suggestions option").first).to_have_attribute("value", "Angoulême (16015)")
    page.get_by_label("Commune de résidence").fill("Angoulême (16015)")
    page.locator("label[for=id_demandes-0-demarche_1]").click()
    page.get_by_role("button", name="Enregistrer la visite").click()
    expect(page.get_by_role("status").filter(has_text="1 demande enregistrée.")).to_be_visible()
    expect(page.get_by_label("Commune de résidence")).to_have_value("")
    assert auditer(page, axe) == []


def test_double_clic_un_seul_envoi(page_agent, journal):
    page = page_agent
    page.goto("/activite/saisie/")
    cle = page.locator("#id_demandes-0-cle_client").input_value()
    page.locator("label[for=id_demandes-0-demarche_2]").click()
    page.get_by_role("button", name="Enregistrer la visite").dblclick()
    expect(page.get_by_role("status").filter(has_text="1 demande enregistrée.")).to_be_visible()
    page.wait_for_timeout(500)
    envois = [r for r in journal.requetes if r.method == "POST" and r.url.endswith("/activite/saisie/")]
    assert len(envois) == 1
    expect(page.get_by_role("alert")).to_have_count(0)
    assert Demande.objects.filter(cle_client=cle).count() == 1
