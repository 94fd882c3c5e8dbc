"""Écriture du journal d'audit (ajout seul). Un seul point d'entrée : `journaliser`."""

from django.db import models

from .models import Evenement, EvenementAudit


def adresse_ip(request) -> str | None:
    """Adresse du client : REMOTE_ADDR (le mandataire inverse de production la renseigne)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def journaliser(
    evenement: Evenement,
    *,
    request=None,
    acteur=None,
    acteur_email: str = "",
    cible: models.Model | None = None,
    details: dict | None = None,
) -> EvenementAudit:
    """Ajoute un événement. `acteur` vaut par défaut l'utilisateur connecté de `request`."""
    if acteur is None and request is not None:
        utilisateur = getattr(request, "user", None)
        if utilisateur is not None and utilisateur.is_authenticated:
            acteur = utilisateur
    return EvenementAudit.objects.create(
        evenement=evenement,
        acteur=acteur,
        acteur_email=(acteur.email if acteur is not None else acteur_email)[:254],
        cible_type=cible._meta.label if cible is not None else "",
        cible_id=str(cible.pk) if cible is not None else "",
        cible_libelle=str(cible)[:250] if cible is not None else "",
        adresse_ip=adresse_ip(request),
        details=details or {},
    )
