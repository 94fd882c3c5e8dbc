"""Parcours de l'agenda dans Chromium : un agent ouvre l'agenda du jour, note une venue (htmx, sans recharger),
enregistre les demandes du rendez-vous ; un responsable crée un type de rendez-vous et une disponibilité.
Audit axe de chaque page (jour, semaine, demandes, prise de rendez-vous, annulation, paramètres, formulaires).

Comptes et sessions validés pour le module (tests/core/validees.py) ; les types, disponibilités et
rendez-vous créés ici ou par le serveur sont effacés à la fin (`SUIVIS` ne les couvre pas).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from franceservices.activite.models import Demarche
from franceservices.comptes.models import Role
from franceservices.partenaires.models import Partenaire
from franceservices.rendezvous.models import Disponibilite, RendezVous, TypeRendezVous
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]


def _dernier(modele) -> int:
    return modele.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture(scope="module")
def comptes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        avant = {m: _dernier(m) for m in (RendezVous, TypeRendezVous, Disponibilite)}
        try:
            structure = Structure.objects.filter(departement__code="16").order_by("id_fs")[1]
            caf = Partenaire.objects.get(code="cnaf")
            demarche = Demarche.objects.filter(partenaire=caf, actif=True).order_by("pk").first()
            type_ = TypeRendezVous.objects.create(
                structure=structure, libelle="Rendez-vous CAF", duree=30, partenaire=caf, demarche=demarche
            )
            maintenant = timezone.now()
            passe = RendezVous.objects.create(
                structure=structure,
                type=type_,
                debut=maintenant - timedelta(minutes=10),
                fin=maintenant + timedelta(minutes=20),
                nom="Usager Quenouillard",
                telephone="+33199000001",
            )
            futur = RendezVous.objects.create(
                structure=structure,
                type=type_,
                debut=maintenant + timedelta(days=2),
                fin=maintenant + timedelta(days=2, minutes=30),
                nom="Usager Bergamotte",
                telephone="+33199000002",
            )
            agent = personne(Role.AGENT, structure=structure, email="agent.agenda@navigateur-agenda.example")
            responsable = personne(
                Role.RESPONSABLE, structure=structure, email="responsable.agenda@navigateur-agenda.example"
            )
            national = personne(Role.EQUIPE_NATIONALE, email="national.agenda@navigateur-agenda.example")
            yield {
                "national": session_connectee(national),
                "structure": structure,
                "demarche": demarche,
                "passe": passe,
                "futur": futur,
                "jour": passe.debut.astimezone(structure.fuseau).date().isoformat(),
                "agent": session_connectee(agent),
                "responsable": session_connectee(responsable),
            }
        finally:
            RendezVous.objects.filter(pk__gt=avant[RendezVous]).delete()
            Disponibilite.objects.filter(pk__gt=avant[Disponibilite]).delete()
            TypeRendezVous.objects.filter(pk__gt=avant[TypeRendezVous]).delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    contexte.add_cookies([{**cookie, "url": serveur.url}])


def test_agent_note_la_venue_et_enregistre_les_demandes(page, contexte, serveur, comptes, axe):
    structure, passe = comptes["structure"], comptes["passe"]
    _connecter(contexte, serveur, comptes["agent"])
    page.goto(f"/agenda/?structure={structure.pk}&jour={comptes['jour']}")
    ligne = page.locator(f"[data-rdv='{passe.pk}']")
    expect(ligne).to_contain_text("Usager Quenouillard")
    expect(ligne).to_contain_text("01 99 00 00 01")
    expect(ligne.locator("[data-badge-statut]")).to_have_text("Prévu")
    assert auditer(page, axe) == []

    # « Arrivé » : htmx remplace la seule ligne (l'adresse ne change pas).
    url = page.url
    page.evaluate("window.pasRecharge = true")
    ligne.get_by_role("button", name=re.compile("^Arrivé")).click()
    expect(page.locator(f"[data-rdv='{passe.pk}'] [data-badge-statut]")).to_have_text("Honoré")
    assert page.url == url and page.evaluate("window.pasRecharge") is True
    assert auditer(page, axe) == []

    # Enregistrer les demandes : le formulaire de saisie, démarche du type pré-remplie.
    page.locator(f"[data-rdv='{passe.pk}']").get_by_role(
        "link", name=re.compile("^Enregistrer les demandes")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enregistrer les demandes du rendez-vous")
    expect(page.locator("#id_demandes-0-demarche_catalogue")).to_have_value(str(comptes["demarche"].pk))
    expect(page.locator("#id_canal")).to_have_value("accueil_physique")
    assert auditer(page, axe) == []
    page.locator("[data-enregistrer]").click()
    expect(page.get_by_role("status").filter(has_text="1 demande enregistrée")).to_be_visible()
    expect(page.locator(f"[data-rdv='{passe.pk}'] [data-converti]")).to_be_visible()
    assert auditer(page, axe) == []

    # Vue semaine, prise de rendez-vous, annulation : pages accessibles.
    page.get_by_role("link", name="Vue semaine").click()
    expect(page.locator(f"[data-rdv='{comptes['passe'].pk}']")).to_be_visible()
    assert auditer(page, axe) == []
    page.goto(f"/agenda/nouveau/?structure={structure.pk}")
    assert auditer(page, axe) == []
    page.get_by_role("button", name="Voir les créneaux libres").click()
    expect(page.locator("[data-reserver]")).to_be_visible()
    assert auditer(page, axe) == []
    page.goto(f"/agenda/{comptes['futur'].pk}/annuler/")
    page.get_by_role("button", name=re.compile("^Annuler le rendez-vous")).click()
    expect(page.locator("#id_motif_error")).to_contain_text("Indiquez le motif")
    assert auditer(page, axe) == []

    RendezVous.objects.get(pk=passe.pk)  # lecture après les actions du navigateur (voir validees.py)
    assert RendezVous.objects.get(pk=passe.pk).demande_id is not None


def test_responsable_cree_un_type_et_une_disponibilite(page, contexte, serveur, comptes, axe):
    structure = comptes["structure"]
    _connecter(contexte, serveur, comptes["responsable"])
    page.goto(f"/agenda/parametres/?structure={structure.pk}")
    expect(page.locator("[data-section=types]")).to_contain_text("Rendez-vous CAF")
    assert auditer(page, axe) == []

    page.locator("[data-ajouter=types]").click()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-erreurs]")).to_be_visible()
    assert auditer(page, axe) == []
    page.fill("#id_libelle", "Accompagnement France Titres")
    page.fill("#id_duree", "45")
    page.select_option("#id_modalite", "presentiel")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-section=types]")).to_contain_text("Accompagnement France Titres (45 min")

    page.locator("[data-ajouter=disponibilites]").click()
    page.select_option("#id_jour_semaine", "3")
    page.fill("#id_heure_debut", "14:00")
    page.fill("#id_heure_fin", "13:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_heure_fin_error")).to_contain_text("après l'heure de début")
    assert auditer(page, axe) == []
    page.fill("#id_heure_fin", "17:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-section=disponibilites]")).to_contain_text("jeudi 14:00–17:00")
    expect(page.locator("[data-apercu]")).to_contain_text("Accompagnement France Titres")
    assert auditer(page, axe) == []


def test_equipe_nationale_choisit_une_france_services_et_consulte(page, contexte, serveur, comptes, axe):
    structure, futur = comptes["structure"], comptes["futur"]
    _connecter(contexte, serveur, comptes["national"])
    page.goto("/agenda/semaine/")
    expect(page.locator("#choix-structure")).to_be_visible()
    assert auditer(page, axe) == []
    page.select_option("#choix-structure", str(structure.pk))
    page.get_by_role("button", name="Voir l'agenda").click()
    page.goto(
        f"/agenda/semaine/?structure={structure.pk}&jour={futur.debut.astimezone(structure.fuseau).date()}"
    )
    expect(page.locator(f"[data-rdv='{futur.pk}']")).to_be_visible()
    expect(page.locator("[data-action]")).to_have_count(0)
    assert auditer(page, axe) == []
    page.goto(f"/agenda/parametres/?structure={structure.pk}")
    expect(page.locator("[data-lecture-seule]")).to_be_visible()
    assert auditer(page, axe) == []
