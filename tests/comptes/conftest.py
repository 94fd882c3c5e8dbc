"""Fixtures des tests de comptes. Le serveur SMTP réel (`serveur_smtp`) est dans tests/conftest.py."""

from tests.smtp import ServeurSMTP, port_libre  # noqa: F401 (importés par d'autres tests)
