"""Documents PDF de la formation (WeasyPrint) : attestation de réussite et feuille d'émargement.

Les PDF sont accessibles (PDF/UA-1) : langue du document (`lang="fr"`), titre, structure de titres et de
tableaux balisée, texte réel (police Marianne du DSFR embarquée, sinon une police sans empattement du
système). L'attestation porte un code de vérification et l'adresse publique où le vérifier.
"""

import logging
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

VARIANTE = "pdf/ua-1"

# WeasyPrint journalise chaque étape de chaque PDF au niveau INFO : inutile dans les journaux du service.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@cache
def polices() -> dict[str, str]:
    """Adresses file:// des fichiers Marianne (vides si introuvables : police du système)."""
    trouvees = {}
    for graisse, nom in (("normal", "Marianne-Regular.woff"), ("bold", "Marianne-Bold.woff")):
        chemin = finders.find(f"dsfr/dist/fonts/{nom}")
        if chemin:
            trouvees[graisse] = "file://" + str(chemin)
    return trouvees


def rendre_pdf(gabarit: str, contexte: dict, *, non_compresse: bool = False) -> bytes:
    import weasyprint  # import tardif : lourd, inutile au démarrage des autres pages

    html = render_to_string(gabarit, {**contexte, "polices": polices()})
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant=VARIANTE, uncompressed_pdf=non_compresse
    )


def adresse_verification(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("attestations:verifier", args=[code])


def nom_agent(agent) -> str:
    return agent.get_full_name() or agent.email


def attestation_pdf(inscription, *, non_compresse: bool = False) -> bytes:
    """Attestation de réussite d'une inscription réussie (`reussie_le` et `code_attestation` posés)."""
    if inscription.reussie_le is None or not inscription.code_attestation:
        raise ValueError("Pas d'attestation pour une formation non réussie.")
    session = inscription.session
    module = session.module
    contexte = {
        "agent": nom_agent(inscription.agent),
        "module": module,
        "session": session,
        "debut": timezone.localtime(session.debut),
        "fin": timezone.localtime(session.fin),
        "reussie_le": timezone.localtime(inscription.reussie_le),
        "code": inscription.code_attestation,
        "adresse": adresse_verification(inscription.code_attestation),
        "site": settings.SITE_URL,
    }
    return rendre_pdf("formations/attestations/attestation_pdf.html", contexte, non_compresse=non_compresse)
