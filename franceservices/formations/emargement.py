"""Feuille d'émargement PDF d'une session : les inscrits confirmés (ordre alphabétique), une case de
signature chacun, et celle du formateur. PDF/UA-1 comme l'attestation (voir `attestations.py`)."""

from django.utils import timezone

from .attestations import nom_agent, rendre_pdf
from .models import Statut


def inscrits_confirmes(session) -> list[tuple[str, str]]:
    inscriptions = (
        session.inscriptions.filter(statut=Statut.CONFIRMEE)
        .select_related("agent")
        .order_by("agent__last_name", "agent__first_name", "agent__email")
    )
    return [(nom_agent(i.agent), i.agent.email) for i in inscriptions]


def emargement_pdf(session, *, non_compresse: bool = False) -> bytes:
    contexte = {
        "session": session,
        "module": session.module,
        "debut": timezone.localtime(session.debut),
        "fin": timezone.localtime(session.fin),
        "formateur": nom_agent(session.formateur) if session.formateur_id else "",
        "inscrits": inscrits_confirmes(session),
    }
    return rendre_pdf("formations/suivi/emargement_pdf.html", contexte, non_compresse=non_compresse)
