"""Un vrai serveur SMTP (aiosmtpd) sur la boucle locale, pour les tests qui envoient des courriels."""

import email
import email.policy
import socket
import time
from dataclasses import dataclass, field


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
