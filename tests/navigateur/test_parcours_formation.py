"""Parcours de bout en bout de la formation des agents (issue 7) dans Chromium : un agent s'inscrit à une
session depuis le catalogue ; sa responsable approuve la demande ; la session a lieu ; le formateur note la
présence et la réussite ; l'agent télécharge son attestation PDF ; un tiers sans compte vérifie le code ;
l'agent donne son avis. On passe par les liens des pages (catalogue, mes inscriptions) plutôt que par des
adresses tapées. Audit axe de chaque page du parcours.

Le serveur ne voit que des données validées (tests/core/validees.py) : le test ne porte donc pas de
transaction ; il lit et écrit la base sous `django_db_blocker.unblock()`, en autocommit. La session est créée
à venir (l'inscription n'est ouverte qu'avant le début), puis « a lieu » : son début, puis sa fin, sont
avancés en base entre les étapes. Modules, sessions, inscriptions, avis et tâches de fond mises en file
(courriels), que `SUIVIS` ne couvre pas, sont effacés ici ; comptes, sessions de connexion et journal d'audit
le sont par `donnees_validees`.
"""

import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from franceservices.comptes.models import Role
from franceservices.formations.models import (
    AlerteFormation,
    Avis,
    Categorie,
    Inscription,
    Module,
    Presence,
    Session,
    Statut,
)
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.validees import donnees_validees, session_connectee

from .test_accessibilite import auditer

pytestmark = [pytest.mark.navigateur]

TITRE = "Accompagner les démarches de retraite (parcours complet)"


def _nommer(utilisateur, prenom, nom):
    utilisateur.first_name, utilisateur.last_name = prenom, nom
    utilisateur.save(update_fields=["first_name", "last_name"])
    return utilisateur


@pytest.fixture(scope="module")
def donnees(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), donnees_validees():
        module = None
        taches = set(DBTaskResult.objects.values_list("pk", flat=True))
        try:
            structures = list(Structure.objects.filter(departement__code="16").order_by("id_fs")[:2])
            structure = structures[0]
            agent = _nommer(
                personne(Role.AGENT, structure=structure, email="agent@parcours-formation.example"),
                "Lucie",
                "Parcoursier",
            )
            responsable = _nommer(
                personne(
                    Role.RESPONSABLE, structure=structure, email="responsable@parcours-formation.example"
                ),
                "Rose",
                "Décideuse",
            )
            # Le formateur est agent d'une autre France services du département : il voit le catalogue.
            formateur = _nommer(
                personne(Role.AGENT, structure=structures[-1], email="formateur@parcours-formation.example"),
                "Paul",
                "Formateur",
            )
            module = Module.objects.create(
                code="parcours-formation-complet",
                titre=TITRE,
                categorie=Categorie.SOCLE,
                organisme="CNFPT",
                duree_heures=Decimal("7"),
                description="Module créé pour le parcours complet dans le navigateur.",
            )
            debut = timezone.now() + timedelta(days=2)
            session = Session.objects.create(
                module=module,
                debut=debut,
                fin=debut + timedelta(hours=7),
                capacite=5,
                departement=structure.departement,
                lieu="Salle du parcours",
                formateur=formateur,
            )
            yield {
                "session": session,
                "agent": agent,
                "cookies": {
                    "agent": session_connectee(agent),
                    "responsable": session_connectee(responsable),
                    "formateur": session_connectee(formateur),
                },
            }
        finally:
            if module is not None:
                Avis.objects.filter(inscription__session__module=module).delete()
                Inscription.objects.filter(session__module=module).delete()
                Session.objects.filter(module=module).delete()
                module.delete()
            DBTaskResult.objects.exclude(pk__in=taches).delete()  # courriels de la demande, de l'approbation
            AlerteFormation.objects.filter(agent__email__endswith="@parcours-formation.example").delete()


def _connecter(contexte, serveur, cookie):
    contexte.clear_cookies()
    if cookie:
        contexte.add_cookies([{**cookie, "url": serveur.url}])


def _contenu_inflate(pdf: bytes) -> bytes:
    """Le PDF et le contenu décompressé de ses flux (FlateDecode) : le code peut être dans l'un ou l'autre."""
    morceaux = [pdf]
    for flux in re.findall(rb"(?s)stream\r?\n(.*?)\r?\nendstream", pdf):
        try:
            morceaux.append(zlib.decompress(flux))
        except zlib.error:
            continue
    return b"\n".join(morceaux)


def test_parcours_complet_de_la_formation(page, contexte, serveur, donnees, axe, django_db_blocker):
    session, cookies = donnees["session"], donnees["cookies"]

    # 1. L'agent trouve la session dans le catalogue (menu « Formations ») et demande son inscription.
    _connecter(contexte, serveur, cookies["agent"])
    page.goto("/")
    page.get_by_role("navigation", name=re.compile("Menu principal", re.I)).get_by_role(
        "link", name="Formations", exact=True
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formations des agents")
    ligne = page.locator(f"[data-session='{session.pk}']")
    expect(ligne).to_contain_text("5 places restantes")
    assert auditer(page, axe) == []
    ligne.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    assert auditer(page, axe) == []
    page.get_by_role("button", name=re.compile("^M'inscrire")).click()
    expect(page.locator(".fr-alert, .fr-notice").first).to_contain_text("Demande envoyée")
    expect(page.locator("[data-mon-statut]")).to_contain_text("En attente d'approbation")
    assert auditer(page, axe) == []
    # Retour au catalogue par le fil d'Ariane, puis « Mes inscriptions ».
    page.get_by_role("navigation", name=re.compile("vous êtes ici", re.I)).get_by_role(
        "link", name="Formations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formations des agents")
    expect(ligne.locator("[data-mon-statut]")).to_contain_text("En attente d'approbation")
    page.get_by_role("link", name="Mes inscriptions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes inscriptions aux formations")
    expect(page.locator("[data-statut=demandee]")).to_contain_text(TITRE)
    assert auditer(page, axe) == []

    # 2. La responsable approuve la demande depuis le catalogue → « Demandes à approuver » (htmx).
    _connecter(contexte, serveur, cookies["responsable"])
    page.goto("/formations/")
    page.get_by_role("link", name="Demandes à approuver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes d'inscription à approuver")
    demande = page.locator("[data-demande]").filter(has_text="Lucie Parcoursier")
    expect(demande).to_have_count(1)
    assert auditer(page, axe) == []
    demande.get_by_role("button", name=re.compile("^Approuver")).click()
    expect(page.locator("[data-fait]")).to_contain_text("Inscription de Lucie Parcoursier confirmée.")
    assert auditer(page, axe) == []

    # 3. La session a lieu : son début passe (le formateur peut noter dès le début).
    with django_db_blocker.unblock():
        inscription = Inscription.objects.get(session=session, agent=donnees["agent"])
        assert inscription.statut == Statut.CONFIRMEE
        maintenant = timezone.now()
        Session.objects.filter(pk=session.pk).update(
            debut=maintenant - timedelta(hours=1), fin=maintenant + timedelta(hours=6)
        )

    # 4. Le formateur passe du catalogue au suivi de ses sessions et note présence puis réussite (htmx).
    _connecter(contexte, serveur, cookies["formateur"])
    page.goto("/formations/")
    page.get_by_role("link", name="suivi de mes sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi des sessions de formation")
    expect(page.locator(f"[data-session='{session.pk}']")).to_contain_text(TITRE)
    assert auditer(page, axe) == []
    page.get_by_role("link", name=TITRE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Présence et réussite")
    ligne = page.locator(f"#inscription-{inscription.pk}")
    expect(ligne).to_contain_text("Lucie Parcoursier")
    assert auditer(page, axe) == []
    ligne.locator("label", has_text="Présent").click()
    expect(ligne.locator("[data-enregistre]")).to_be_visible()
    expect(ligne.locator("input[value=present]")).to_be_checked()
    ligne.locator("label", has_text="Réussite").click()
    code = ligne.locator("[data-code]")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{10}$"))
    code = code.inner_text()
    assert auditer(page, axe) == []

    # 5. L'agent : « Mes inscriptions » montre la réussite ; « Mes attestations » ; téléchargement du PDF.
    _connecter(contexte, serveur, cookies["agent"])
    page.goto("/formations/")
    page.get_by_role("link", name="Mes inscriptions", exact=True).click()
    expect(page.locator("[data-statut=confirmee]")).to_contain_text("réussie")
    expect(page.locator("[data-statut=confirmee] [data-attestation]")).to_have_attribute(
        "href", f"/formations/suivi/attestation/{inscription.pk}.pdf"
    )
    assert auditer(page, axe) == []
    page.get_by_role("link", name="Mes attestations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes attestations de formation")
    expect(page.locator(f"[data-attestation='{inscription.pk}']")).to_contain_text(code)
    assert auditer(page, axe) == []
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile("^Télécharger l'attestation")).click()
    assert telechargement.value.suggested_filename == f"attestation-{code}.pdf"
    with open(telechargement.value.path(), "rb") as fichier:
        pdf = fichier.read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert f"/attestations/{code}/".encode() in _contenu_inflate(pdf)

    # 6. Un tiers, sans compte, vérifie le code sur la page publique.
    _connecter(contexte, serveur, None)
    page.goto("/attestations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier une attestation de formation")
    assert auditer(page, axe) == []
    page.fill("#id_code", code)
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("[data-verification=valide]")).to_be_visible()
    expect(page.locator("[data-agent]")).to_have_text("Lucie Parcoursier")
    expect(page.locator("[data-module]")).to_contain_text(TITRE)
    assert auditer(page, axe) == []

    # 7. La session est finie ; l'agent donne son avis depuis son dossier (lien du catalogue).
    with django_db_blocker.unblock():
        maintenant = timezone.now()
        Session.objects.filter(pk=session.pk).update(
            debut=maintenant - timedelta(hours=8), fin=maintenant - timedelta(minutes=1)
        )
    _connecter(contexte, serveur, cookies["agent"])
    page.goto("/formations/")
    page.get_by_role("link", name="Mon dossier de formation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon dossier de formation")
    assert auditer(page, axe) == []
    page.get_by_role("link", name=f"Donner mon avis sur {TITRE}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mon avis sur")
    assert auditer(page, axe) == []
    page.locator("label[for=id_utilite_4]").click()
    page.locator("label[for=id_clarte_3]").click()
    page.locator("label[for=id_cas_concrets_1]").click()
    page.fill("#id_commentaire", "Des cas réels de dossiers de retraite, très utile.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon dossier de formation")
    expect(page.locator(".fr-alert, .fr-notice").first).to_contain_text("votre avis est enregistré")
    expect(page.locator(f"[data-inscription='{inscription.pk}']")).to_contain_text("Avis donné")
    assert auditer(page, axe) == []

    # Le lien « Mon dossier de formation » de « Mes inscriptions » mène au même dossier.
    page.goto("/formations/mes-inscriptions/")
    page.get_by_role("link", name="Mon dossier de formation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon dossier de formation")

    with django_db_blocker.unblock():
        inscription.refresh_from_db()
        assert (inscription.statut, inscription.presence) == (Statut.CONFIRMEE, Presence.PRESENT)
        assert inscription.reussie_le is not None and inscription.code_attestation == code
        avis = Avis.objects.get(inscription=inscription)
        assert (avis.utilite, avis.clarte, avis.cas_concrets, avis.commentaire) == (
            5,
            4,
            2,
            "Des cas réels de dossiers de retraite, très utile.",
        )
