"""Poids de la page de résultats, mesuré dans Chromium : octets réellement transférés, cache vide."""

import re

import pytest

# django_db : pytest-django ne crée la base de test (où le référentiel est importé) que si un test la demande.
pytestmark = [pytest.mark.navigateur, pytest.mark.django_db]

BUDGET_OCTETS = 300_000  # 300 ko : HTML, CSS, JS, polices, icônes et contours de la carte (sans tuiles)
COMPRESSES = ("text/html", "text/css", "javascript", "image/svg+xml", "application/json")


@pytest.mark.parametrize(
    "contexte", [{"extra_http_headers": {"Accept-Encoding": "br, gzip"}}], indirect=True, ids=["br-gzip"]
)
def test_poids_de_la_page_de_resultats(page, journal, record_property, capsys):
    terminees = []
    page.on("requestfinished", lambda r: terminees.append(r))
    page.goto("/recherche/?q=laval")
    page.locator("#carte .leaflet-overlay-pane path").first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")

    lignes, total = [], 0
    for requete in terminees:
        if requete.resource_type == "image" and re.search(r"/\d+/\d+/\d+\.(png|jpe?g|webp)", requete.url):
            continue  # tuiles de fond de carte (aucune n'est configurée en test)
        tailles = requete.sizes()
        octets = tailles["responseBodySize"] + tailles["responseHeadersSize"]
        total += octets
        reponse = requete.response()
        type_mime = reponse.headers.get("content-type", "")
        encodage = reponse.headers.get("content-encoding", "")
        lignes.append(f"{octets:>8} {encodage or '-':>4}  {requete.url.split('/', 3)[-1]}")
        if any(t in type_mime for t in COMPRESSES) and tailles["responseBodySize"] > 1000:
            assert encodage in ("br", "gzip"), f"{requete.url} servi sans compression ({type_mime})"

    assert {r.url.rsplit("/", 1)[-1] for r in terminees} >= {"dsfr.main.min.css", "leaflet.js", "53.geojson"}
    record_property("poids_octets", total)
    with capsys.disabled():
        print(f"\nPoids de /recherche/?q=laval : {total} octets ({len(terminees)} réponses)")
        print("\n".join(lignes))
    assert total <= BUDGET_OCTETS, "\n".join(lignes)
