"""Fuzzing de l'API à partir de son schéma OpenAPI (schemathesis), sur la base de test réelle.

L'application WSGI est appelée dans le même fil que le test : elle utilise la même connexion, donc la
transaction du test (données réelles importées pour la session, annulation en fin de test).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

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
