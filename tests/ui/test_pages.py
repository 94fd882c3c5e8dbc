import pytest


@pytest.mark.django_db
def test_page_404_aux_couleurs_du_dsfr(client, settings):
    settings.DEBUG = False
    reponse = client.get("/france-services/n-existe-pas/")
    assert reponse.status_code == 404
    contenu = reponse.content.decode()
    assert "Page introuvable" in contenu
    assert "fr-header" in contenu
    assert 'href="/"' in contenu or "Rechercher une France services" in contenu


@pytest.mark.django_db
def test_api_404_en_json(client):
    reponse = client.get("/api/v1/structures/n-existe-pas")
    assert reponse.status_code == 404
    assert reponse.json()["message"]


def test_gabarit_500_autonome():
    """Le gabarit 500 ne dépend d'aucun contexte (il est rendu sans processeurs de contexte)."""
    from django.template.loader import get_template

    gabarit = get_template("500.html")
    assert "Erreur inattendue" in gabarit.render({})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "titre"),
    [("/accessibilite/", "Déclaration d'accessibilité"), ("/mentions-legales/", "Mentions légales")],
)
def test_pages_d_information(client, url, titre):
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert titre in reponse.content.decode()
    # Liens du pied de page présents sur toutes les pages.
    accueil = client.get("/").content.decode()
    assert f'href="{url}"' in accueil
