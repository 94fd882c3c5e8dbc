"""Délais de réponse des escalades, en jours ouvrés (Europe/Paris, fériés de la zone du département exclus).

- à l'ouverture : échéance = ouverture + délai de l'engagement du partenaire (10 j par défaut) ;
- en attente (de l'usager ou de la France services), l'horloge est suspendue : à la reprise, l'échéance est
  repoussée du nombre de jours ouvrés passés en attente ;
- à la clôture : délai constaté (`jours_ouvres_reponse`, hors attente) et respect du délai (`dans_les_temps`).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from franceservices.territoires.jours_ouvres import ajouter_jours_ouvres, jours_ouvres_entre

from .models import STATUTS_EN_ATTENTE, Engagement

PARIS = ZoneInfo("Europe/Paris")


def jour_local(instant: datetime) -> date:
    """Date à Paris d'un instant (l'horloge des délais est celle de la métropole)."""
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)
    return timezone.localtime(instant, PARIS).date()


def engagement_de(partenaire) -> Engagement:
    """L'engagement du partenaire ; à défaut, un engagement non enregistré aux valeurs par défaut."""
    try:
        return partenaire.engagement_escalade
    except Engagement.DoesNotExist:
        return Engagement(partenaire=partenaire)


def echeance_initiale(ouverte_le: datetime, delai: int, code_departement: str) -> date:
    return ajouter_jours_ouvres(jour_local(ouverte_le), delai, code_departement)


def suspendre(escalade, instant: datetime) -> None:
    """Entrée en attente : l'horloge s'arrête (on retient depuis quand)."""
    if escalade.attente_depuis is None:
        escalade.attente_depuis = instant


def reprendre(escalade, instant: datetime) -> int:
    """Sortie d'attente : l'échéance est repoussée des jours ouvrés passés en attente. Renvoie ce nombre."""
    if escalade.attente_depuis is None:
        return 0
    code = escalade.departement.code
    jours = jours_ouvres_entre(jour_local(escalade.attente_depuis), jour_local(instant), code)
    escalade.echeance = ajouter_jours_ouvres(escalade.echeance, jours, code)
    escalade.attente_depuis = None
    return jours


def jours_suspendus(escalade) -> int:
    """Jours ouvrés déjà passés en attente (écart entre l'échéance initiale et l'échéance actuelle)."""
    code = escalade.departement.code
    initiale = echeance_initiale(escalade.ouverte_le, escalade.delai_jours_ouvres, code)
    return jours_ouvres_entre(initiale, escalade.echeance, code)


def cloturer(escalade, instant: datetime) -> None:
    """Clôture : délai constaté hors attente et respect de l'échéance."""
    if escalade.statut in STATUTS_EN_ATTENTE or escalade.attente_depuis is not None:
        reprendre(escalade, instant)
    code = escalade.departement.code
    fin = jour_local(instant)
    total = jours_ouvres_entre(jour_local(escalade.ouverte_le), fin, code)
    escalade.close_le = instant
    escalade.jours_ouvres_reponse = max(0, total - jours_suspendus(escalade))
    escalade.dans_les_temps = fin <= escalade.echeance


def echeance_affichee(escalade, le: date | None = None) -> date:
    """L'échéance telle qu'elle serait si l'attente en cours cessait aujourd'hui (pour l'affichage)."""
    if escalade.attente_depuis is None:
        return escalade.echeance
    code = escalade.departement.code
    jours = jours_ouvres_entre(jour_local(escalade.attente_depuis), le or timezone.localdate(), code)
    return ajouter_jours_ouvres(escalade.echeance, jours, code)
