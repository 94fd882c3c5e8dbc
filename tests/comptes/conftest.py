"""Fixtures des tests de comptes : un vrai serveur SMTP (aiosmtpd) sur la boucle locale."""

import email
import email.policy
import socket
import time
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServeurSMTP:
    port: int
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Destinataires-Enveloppe"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def attendre(self, nombre: int = 1, delai: float = 5.0) -> list:
        """Les messages reçus, une fois qu'il y en a au moins `nombre` (le serveur tourne dans un autre fil)."""
        fin = time.monotonic() + delai
        while len(self.messages) < nombre and time.monotonic() < fin:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def serveur_smtp(settings):
    """Serveur SMTP réel sur 127.0.0.1 ; MAILERS pointe vers lui le temps du test.

    `serveur_smtp.messages` : les `email.message.EmailMessage` reçus ; `serveur_smtp.port`."""
    serveur = ServeurSMTP(port=port_libre())
    controleur = Controller(serveur, hostname="127.0.0.1", port=serveur.port)
    controleur.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": serveur.port, "timeout": 5},
        }
    }
    try:
        yield serveur
    finally:
        controleur.stop()
