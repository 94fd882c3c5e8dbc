"""Parcours des pilotes dans Chromium : l'équipe nationale déclare un pilote de la Banque de France sur un
département, puis le responsable d'une France services couverte déclare un de ses agents formé. Audit axe
de chaque page.

Comptes et sessions validés pour le module (tests/core/validees.py) ; les pilotes créés pendant le module
(et leurs formations) sont effacés ici, avant le nettoyage commun."""

import pytest
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import FormationPilote, Pilote
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

NOM = "Banque de France — parcours navigateur"


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        dernier = Pilote.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
        nationale = personne(Role.EQUIPE_NATIONALE, email="nationale@navigateur-pilotes.example")
        responsable = personne(
            Role.RESPONSABLE, structure=structure, email="responsable@navigateur-pilotes.example"
        )
        agent = personne(Role.AGENT, structure=structure, email="agent@navigateur-pilotes.example")
        try:
            yield {
                "nationale": session_connectee(nationale),
                "responsable": session_connectee(responsable),
                "agent": agent,
                "structure": structure,
            }
        finally:
            Pilote.objects.filter(pk__gt=dernier).delete()  # formations comprises (cascade)


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_creer_un_pilote_puis_declarer_un_agent_forme(page, contexte, serveur, comptes, journal, axe):
    _connecter(contexte, serveur, comptes["nationale"])
    page.goto("/partenaires/pilotes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotes des partenaires")
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Déclarer un pilote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau pilote")
    assert auditer(page, axe) == []

    # Une erreur d'abord (fin avant début), puis le formulaire corrigé.
    page.locator("#id_partenaire").select_option(label="Banque de France")
    page.locator("#id_nom").fill(NOM)
    page.locator("#id_departements").fill("16")
    page.locator("#id_debut").fill("2026-01-05")
    page.locator("#id_fin").fill("2025-12-31")
    page.get_by_role("button", name="Enregistrer le pilote").click()
    expect(page.get_by_role("alert")).to_contain_text("1 erreur à corriger")
    expect(page.locator("#id_fin_error")).to_contain_text("postérieure ou égale")
    assert auditer(page, axe) == []
    # Le formulaire invalide répond 400 (affiché en erreur de console) : attendu ici, seulement lui.
    journal.erreurs[:] = [e for e in journal.erreurs if "status of 400" not in e or "/nouveau/" not in e]
    page.locator("#id_fin").fill("")
    page.get_by_role("button", name="Enregistrer le pilote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NOM)
    expect(page.locator("[data-etat]")).to_have_text("En cours")
    expect(page.get_by_role("main")).to_contain_text("Charente (16)")
    assert auditer(page, axe) == []

    # Le responsable d'une France services de Charente déclare son agent formé.
    _connecter(contexte, serveur, comptes["responsable"])
    page.goto("/partenaires/pilotes/")
    page.get_by_role("link", name=NOM).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NOM)
    expect(page.locator("[data-vide]")).to_be_visible()
    assert auditer(page, axe) == []
    agent = comptes["agent"]
    page.locator("#id_agent").select_option(value=str(agent.pk))
    page.locator("#id_formee_le").fill("2026-01-10")
    page.get_by_role("button", name="Déclarer formé(e)").click()
    expect(page.get_by_role("status").filter(has_text="est déclaré(e) formé(e)")).to_be_visible()
    expect(page.locator("#table-formations tbody tr")).to_have_count(1)
    expect(page.locator("#table-formations tbody")).to_contain_text("10/01/2026")
    assert auditer(page, axe) == []

    # L'évaluation du pilote (équipe nationale) : tableau des indicateurs, méthode des comparables.
    _connecter(contexte, serveur, comptes["nationale"])
    page.goto("/partenaires/pilotes/")
    page.get_by_role("link", name=NOM).click()
    page.get_by_role("link", name="Évaluation du pilote").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Évaluation du pilote")
    expect(page.locator("#table-indicateurs")).to_contain_text("Agents déclarés formés au pilote")
    expect(page.locator("[data-methode] li")).to_have_count(4)
    assert auditer(page, axe) == []

    # Lu après les actions du navigateur (SQLite : voir tests/core/validees.py).
    pilote = Pilote.objects.get(nom=NOM)
    assert list(pilote.departements.values_list("code", flat=True)) == ["16"] and pilote.fin is None
    assert FormationPilote.objects.filter(pilote=pilote, agent=agent).exists()
    assert (
        EvenementAudit.objects.filter(evenement=Evenement.PILOTE_MODIFIE, cible_id=str(pilote.pk)).count()
        == 1
    )
    assert (
        EvenementAudit.objects.filter(evenement=Evenement.FORMATION_PILOTE, cible_id=str(pilote.pk)).count()
        == 1
    )
