"""Fuzzing de l'API à partir de son schéma OpenAPI (schemathesis), sur la base de test réelle.

L'application WSGI est appelée dans le même fil que le test : elle utilise la même connexion, donc la
transaction du test (données réelles importées pour la session, annulation en fin de test).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from config.wsgi import application

pytestmark = pytest.mark.django_db

# Le schéma est produit par l'application (sans accès à la base).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def connexion_du_test():
    """Comme le client de test de Django : ne pas fermer la connexion (donc la transaction du test)
    au début et à la fin de chaque requête."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api(case):
    """Aucune erreur 500, réponses conformes au schéma, codes de statut documentés, erreurs en JSON."""
    # Le client WSGI de schemathesis ne décompresse pas les réponses (GZipMiddleware).
    entetes = {"Accept-Encoding": "identity"}
    if case.operation.path == "/api/v1/structures/proximite":
        # « lat et lon » ou « commune », exclusifs : contrainte que le schéma OpenAPI des paramètres de
        # requête ne sait pas exprimer ; une requête conforme au schéma peut donc recevoir un 422.
        reponse = case.call_and_validate(headers=entetes, excluded_checks=[positive_data_acceptance])
    else:
        reponse = case.call_and_validate(headers=entetes)
    if reponse.status_code >= 400 and reponse.status_code != 405:  # 405 : méthode non permise, sans corps
        donnees = reponse.json()
        assert isinstance(donnees.get("message"), str) and donnees["message"], donnees
        assert "Input should" not in donnees["message"], donnees


# — API privée (jeton d'API personnel) —

privees = schema.include(path_regex=r"^/api/v1/(moi|equipe|gestion)")


@pytest.fixture
def jeton_national():
    """Un jeton de l'équipe nationale avec toutes les portées : toutes les données sont visibles."""
    from datetime import timedelta

    from django.utils import timezone

    from franceservices.comptes.models import JetonAPI, Portee, Role
    from tests.comptes.factories import personne

    _, valeur = JetonAPI.generer(
        utilisateur=personne(Role.EQUIPE_NATIONALE),
        nom="schemathesis",
        portees=list(Portee),
        expire_le=timezone.now() + timedelta(days=1),
    )
    return valeur


def test_api_privee_couverte():
    chemins = {op.ok().path for op in privees.get_all_operations()}
    assert chemins == {"/api/v1/moi", "/api/v1/equipe", "/api/v1/equipe/{id}", "/api/v1/gestion/structures"}


@privees.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_privee_avec_jeton(case, jeton_national):
    """Avec un jeton valide : jamais d'erreur 500, réponses conformes au schéma, erreurs en JSON."""
    # Notre en-tête remplace toujours celui que schemathesis retire ou corrompt pour ses cas négatifs :
    # une telle requête, redevenue valide, est acceptée (d'où le contrôle des données négatives écarté).
    reponse = case.call_and_validate(
        headers={"Accept-Encoding": "identity", "Authorization": f"Bearer {jeton_national}"},
        excluded_checks=[negative_data_rejection],
    )
    if reponse.status_code == 401:
        # Seuls les cas où schemathesis retire ou remplace lui-même l'authentification sont refusés.
        assert reponse.request.headers.get("Authorization") != f"Bearer {jeton_national}", reponse.text
    if reponse.status_code >= 400 and reponse.status_code != 405:
        donnees = reponse.json()
        assert isinstance(donnees.get("message"), str) and donnees["message"], donnees
        assert "Input should" not in donnees["message"], donnees


@privees.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_privee_sans_jeton(case):
    """Sans jeton (ou avec un jeton quelconque) : 401 en JSON, quels que soient les paramètres."""
    entetes = {"Accept-Encoding": "identity"}
    if case.headers and "Authorization" in case.headers:
        entetes["Authorization"] = "Bearer fs_invente"
    reponse = case.call(headers=entetes)
    if case.method.upper() != "GET":  # méthodes inattendues essayées par schemathesis : 405
        assert reponse.status_code == 405, reponse.text
    else:
        assert reponse.status_code == 401, reponse.text
    assert reponse.json()["message"]
