"""Parcours d'un usager, de l'accueil à la fiche d'une France services, dans Chromium.

Chaque test vérifie en plus (fixture ``contexte``) qu'aucune requête ne sort de 127.0.0.1 et que la
console du navigateur ne signale aucune erreur (violation CSP, ressource introuvable, exception JS).
"""

import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

# django_db : pytest-django ne crée la base de test (où le référentiel est importé) que si un test la demande.
pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

LAVAL = "53130"
SAINT_ETIENNE = "42218"
DISTANCE = re.compile(r"^à (\d+(?:[,.]\d)?) km$")
STATUT = re.compile(r"^(Ouvert|Fermé · ouvre|Horaires à vérifier)")


def _distances(page) -> list[float]:
    textes = page.locator("ol.fs-resultats > li .fr-card__start .fr-tag").filter(has_text=" km")
    return [float(DISTANCE.match(t.strip()).group(1).replace(",", ".")) for t in textes.all_inner_texts()]


def _id_fs(url: str) -> str:
    return re.search(r"/france-services/([^/]+)/", url).group(1)


def _prochain(jour_semaine: int, code_departement: str) -> date:
    """Le prochain jour de la semaine donné (0 : lundi), à partir de dans une semaine, hors jour férié."""
    from franceservices.territoires.feries import est_ferie_pour

    jour = timezone.localdate() + timedelta(days=7)
    while jour.weekday() != jour_semaine or est_ferie_pour(code_departement, jour):
        jour += timedelta(days=1)
    return jour


def test_accueil_suggestions_resultats_puis_fiche(page):
    page.goto("/")
    champ = page.get_by_role("combobox", name=re.compile("Votre commune"))
    expect(champ).to_have_attribute("aria-expanded", "false")
    champ.press_sequentially("Laval", delay=30)

    # Suggestions de l'API des communes, sous le champ (motif combobox ARIA).
    suggestions = page.get_by_role("listbox", name="Communes suggérées")
    expect(suggestions).to_be_visible()
    expect(champ).to_have_attribute("aria-expanded", "true")
    expect(suggestions.get_by_role("option").first).to_have_text(re.compile(r"^Laval \(53\d{3} · Mayenne\)$"))
    expect(page.locator("[data-combobox-annonce]")).to_have_text(re.compile(r"^\d+ suggestions?, flèches"))

    # Entrée sans suggestion choisie : le formulaire part tel quel (la liste ouverte couvre le bouton).
    champ.press("Enter")
    expect(page).to_have_url(re.compile(r"/recherche/\?q=Laval"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Les France services les plus proches de Laval (53)"
    )
    expect(page).to_have_title(re.compile("^France services près de Laval"))

    # Liste : les plus proches d'abord, chacune avec sa distance et son statut d'ouverture.
    cartes = page.locator("ol.fs-resultats > li")
    expect(cartes).to_have_count(10)
    expect(
        page.get_by_role("heading", level=2, name=re.compile(r"^10 lieux, du plus proche"))
    ).to_be_visible()
    distances = _distances(page)
    assert len(distances) == 10
    assert distances == sorted(distances)
    assert distances[0] < 5, "Laval a sa France services, à quelques kilomètres du centre"
    for carte in cartes.all():
        expect(carte.locator(".fr-badge")).to_have_text(STATUT)

    premiere = cartes.first.get_by_role("link").first
    nom = re.sub(r"^1\. ", "", premiere.inner_text())
    premiere.click()

    # Fiche : horaires de la semaine et carte.
    expect(page).to_have_url(re.compile(r"/france-services/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(nom)
    expect(page.locator(".fr-badge").first).to_have_text(STATUT)
    horaires = page.get_by_role("table", name=f"Horaires d'ouverture de {nom}")
    jours = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"]  # + dimanche s'il est ouvert
    en_tetes = horaires.locator("tbody th[scope=row]")
    expect(en_tetes).to_have_text(jours if en_tetes.count() == 6 else [*jours, "Dimanche"])
    assert re.search(r"\d{2}:\d{2} – \d{2}:\d{2}", horaires.inner_text())
    carte = page.get_by_role("region", name=f"Carte situant {nom}")
    expect(carte).to_be_visible()
    expect(carte.locator(".fs-marqueur")).to_have_count(1)
    expect(carte.get_by_role("button", name="Zoom avant")).to_be_visible()


def test_clavier_seul_saint_etienne(page):
    page.goto("/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    else:
        pytest.fail("Le champ de recherche n'est pas atteignable à la tabulation")
    champ = page.locator("#id_q")
    expect(champ).to_be_focused()

    page.keyboard.type("st etien", delay=40)
    expect(
        page.get_by_role("option", name=re.compile(r"^Saint-Étienne \(42\d{3} · Loire\)$"))
    ).to_be_visible()
    for _ in range(8):
        page.keyboard.press("ArrowDown")
        actif = champ.get_attribute("aria-activedescendant")
        option = page.locator(f"#{actif}")
        expect(option).to_have_attribute("aria-selected", "true")
        if option.get_attribute("data-code") == SAINT_ETIENNE:
            break
    else:
        pytest.fail("Saint-Étienne (42) n'est pas parmi les suggestions")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/recherche/\?.*commune={SAINT_ETIENNE}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Les France services les plus proches de Saint-Étienne (42)"
    )
    expect(page.locator("#id_q")).to_have_value("Saint-Étienne")
    expect(page.locator("ol.fs-resultats > li")).to_have_count(10)
    assert _distances(page)[0] < 5


def test_filtre_ouvert_le(page):
    from franceservices.structures.models import Structure

    page.goto(f"/recherche/?q=Laval&commune={LAVAL}")
    expect(page.locator("ol.fs-resultats > li")).to_have_count(10)

    def filtrer(jour: date, heure: str) -> list[str]:
        page.get_by_label("Ouvert le").fill(jour.isoformat())
        page.get_by_label("à", exact=True).fill(heure)
        page.get_by_role("button", name="Rechercher").click()
        expect(page).to_have_url(re.compile(rf"jour={jour.isoformat()}&heure={heure.replace(':', '%3A')}"))
        expect(page.get_by_label("Ouvert le")).to_have_value(jour.isoformat())
        expect(page.get_by_label("à", exact=True)).to_have_value(heure)
        liens = page.locator("ol.fs-resultats > li h3 a")
        return [_id_fs(h) for h in liens.evaluate_all("liens => liens.map(a => a.href)")]

    # Un mardi à 10 h : des lieux ouverts, tous effectivement ouverts à cet instant, du plus proche au plus loin.
    mardi = _prochain(1, "53")
    ouverts = filtrer(mardi, "10:00")
    instant = timezone.make_aware(datetime.combine(mardi, time(10)))
    titre = page.get_by_role("heading", level=2, name=re.compile(r"lieux? ouverts? le mardi"))
    expect(titre).to_contain_text(f"le mardi {mardi.day} ")
    expect(titre).to_contain_text("à 10:00")
    assert ouverts
    structures = {s.id_fs: s for s in Structure.objects.filter(id_fs__in=ouverts)}
    assert all(structures[i].ouvert_a(instant) for i in ouverts)
    assert _distances(page) == sorted(_distances(page))

    # Un dimanche à 15 h : moins de lieux (ou aucun, avec un message qui invite à changer de créneau).
    dimanche = _prochain(6, "53")
    ouverts_dimanche = filtrer(dimanche, "15:00")
    instant = timezone.make_aware(datetime.combine(dimanche, time(15)))
    assert len(ouverts_dimanche) < len(ouverts)
    if ouverts_dimanche:
        structures = {s.id_fs: s for s in Structure.objects.filter(id_fs__in=ouverts_dimanche)}
        assert all(structures[i].ouvert_a(instant) for i in ouverts_dimanche)
    else:
        expect(page.get_by_role("heading", level=2)).to_contain_text(["Aucun lieu trouvé"])
        expect(page.get_by_text("essayez un autre jour ou une autre heure")).to_be_visible()

    # Une heure sans jour : erreur sur le champ, restituée à côté de lui.
    page.get_by_label("Ouvert le").fill("")
    page.get_by_label("à", exact=True).fill("10:00")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator(".fr-input-group--error")).to_contain_text("Indiquez le jour")


def test_carte_limites_departementales_hors_ligne(page, journal):
    with page.expect_response(re.compile(r"/carte/departement/53\.geojson$")) as attente:
        page.goto(f"/recherche/?q=Laval&commune={LAVAL}")
    assert attente.value.ok
    donnees = json.loads(page.locator("#donnees-carte").text_content())
    departements = donnees["departements"]
    assert "53" in departements

    carte = page.locator("#carte")
    expect(carte.locator(".leaflet-overlay-pane svg path")).to_have_count(len(departements))
    trace = carte.locator(".leaflet-overlay-pane svg path").first.get_attribute("d")
    assert len(trace) > 200, "le contour est un vrai tracé, pas un point"
    expect(carte.locator(".fs-marqueur")).to_have_count(10)
    # Aucun fond de carte configuré : pas de tuile, aucune image demandée.
    expect(carte.locator(".leaflet-tile")).to_have_count(0)
    assert not [r.url for r in journal.requetes if r.resource_type == "image" and "/static/" not in r.url]
    contours = {r.url.rsplit("/", 1)[-1] for r in journal.requetes if "/carte/departement/" in r.url}
    assert contours == {f"{code}.geojson" for code in departements}

    # Sur la fiche : le département du lieu.
    cible = page.locator("ol.fs-resultats > li h3 a").first
    cible.click()
    expect(page.locator("#carte .leaflet-overlay-pane svg path")).to_have_count(1)
    expect(page.locator("#carte .leaflet-tile")).to_have_count(0)


def test_tout_reste_local_sans_erreur_de_console(page, journal, serveur):
    """Les pages publiques ne demandent rien hors de 127.0.0.1 et n'ont aucune erreur de console."""
    for chemin in (
        "/",
        f"/recherche/?q=Laval&commune={LAVAL}",
        "/recherche/?q=zzzzzz",
        "/recherche/?q=",
        "/api/v1/docs/",
    ):
        reponse = page.goto(chemin)
        assert reponse.status == 200, chemin
        assert "script-src 'self' 'nonce-" in reponse.headers["content-security-policy"]
        if page.locator("#carte").count():
            expect(page.locator("#carte .leaflet-overlay-pane path").first).to_be_attached()
    page.goto(f"/recherche/?q=Laval&commune={LAVAL}")
    page.locator("ol.fs-resultats > li h3 a").first.click()
    expect(page.locator("#carte .leaflet-overlay-pane path")).to_have_count(1)

    assert len(journal.requetes) > 20
    assert {r.url.split("/")[2] for r in journal.requetes} == {serveur.url.split("/")[2]}
    assert journal.hors_local() == []
    assert journal.erreurs == []


def test_le_journal_voit_les_violations_csp(page, journal):
    """Témoin : une ressource externe ou un script en ligne sans nonce apparaissent bien dans le journal."""
    page.goto("/")
    page.evaluate(
        """() => {
        const s = document.createElement("script"); s.textContent = "window.injecte = 1"; document.body.append(s);
        const i = document.createElement("img"); i.src = "https://exemple.invalid/pixel.png"; document.body.append(i);
    }"""
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("window.injecte") is None
    assert any("Content Security Policy" in e for e in journal.erreurs), journal.erreurs
    assert journal.hors_local() == ["https://exemple.invalid/pixel.png"]
    journal.erreurs.clear()
    journal.requetes.clear()


@pytest.mark.parametrize(
    "contexte",
    [{"permissions": ["geolocation"], "geolocation": {"latitude": 48.0706, "longitude": -0.7734}}],
    indirect=True,
    ids=["position-laval"],
)
def test_utiliser_ma_position(page):
    """« Utiliser ma position » (consentement accordé) : les lieux les plus proches de la position."""
    page.goto("/")
    bouton = page.get_by_role("button", name="Utiliser ma position")
    expect(bouton).to_be_visible()
    bouton.click()
    page.wait_for_url(re.compile(r"/recherche/\?.*lat=48\.07"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("votre position")
    expect(page.locator("ol.fs-resultats > li")).to_have_count(10)
    distances = _distances(page)
    assert distances == sorted(distances) and distances[0] < 5
    # Le plus proche de cette position est à Laval.
    assert "Laval" in page.locator("ol.fs-resultats > li").first.inner_text()


@pytest.mark.parametrize("contexte", [{"permissions": []}], indirect=True, ids=["position-refusee"])
def test_position_refusee(page):
    page.goto("/")
    page.get_by_role("button", name="Utiliser ma position").click()
    expect(page.locator("[data-geo-message]")).to_have_text(
        "Votre position n'a pas pu être obtenue : saisissez votre commune."
    )
    assert page.url.endswith("/")
