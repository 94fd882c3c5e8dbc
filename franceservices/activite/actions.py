"""Écritures de l'activité : enregistrer (idempotent), corriger, annuler — agrégats tenus dans la même transaction."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from franceservices.comptes.perimetre import perimetre_de

from .agregats import Contribution, appliquer
from .models import Demande, ModificationDemande

# Champs qu'une correction peut changer (la France services, l'agent et l'origine ne changent pas).
CHAMPS_CORRIGEABLES = (
    "date_heure",
    "canal",
    "partenaire",
    "partenaire_autre",
    "theme",
    "demarche",
    "niveau",
    "issue",
    "orientee_vers",
    "duree",
    "tranche_age",
    "sexe",
    "commune",
    "premiere_visite",
    "autonomie",
)


def delai_de_correction() -> timedelta:
    return timedelta(minutes=settings.ACTIVITE_DELAI_CORRECTION_MINUTES)


def dater(demande: Demande):
    """`jour` et `mois` : date locale de la France services (fuseau de son département)."""
    instant = demande.date_heure
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)
    jour = timezone.localtime(instant, demande.structure.fuseau).date()
    demande.jour = jour
    demande.mois = jour.replace(day=1)


@dataclass
class Resultat:
    creees: list[Demande] = field(default_factory=list)
    deja_enregistrees: list[Demande] = field(default_factory=list)

    @property
    def toutes(self):
        return self.creees + self.deja_enregistrees


def enregistrer(demandes: list[Demande]) -> Resultat:
    """Enregistre des demandes (non sauvegardées, `cle_client` fixée) ; une clé déjà connue n'est pas réécrite.

    Tout ou rien : les demandes d'une même visite sont écrites ensemble, agrégats compris. Une soumission
    rejouée (double clic, renvoi après coupure) retrouve les demandes déjà enregistrées."""
    resultat = Resultat()
    cles = [d.cle_client for d in demandes]
    if len(set(cles)) != len(cles):
        raise ValueError("Deux demandes portent la même clé de soumission.")
    for _ in range(2):  # une seconde fois si une soumission identique s'est écrite entre-temps
        try:
            with transaction.atomic():
                existantes = {d.cle_client: d for d in Demande.objects.filter(cle_client__in=cles)}
                nouvelles = [d for d in demandes if d.cle_client not in existantes]
                contribution = Contribution.vide()
                for demande in nouvelles:  # validées par le formulaire ou l'API ; contraintes en base
                    dater(demande)
                Demande.objects.bulk_create(nouvelles)
                for demande in nouvelles:
                    contribution.ajouter(demande)
                appliquer(contribution)
            resultat.creees = nouvelles
            resultat.deja_enregistrees = [existantes[c] for c in cles if c in existantes]
            return resultat
        except IntegrityError:
            if not Demande.objects.filter(cle_client__in=cles).exists():
                raise
    raise IntegrityError("Soumission concurrente : réessayez.")


def peut_corriger(utilisateur, demande: Demande, maintenant: datetime | None = None) -> bool:
    """L'auteur pendant le délai de correction ; ensuite, le responsable de la France services (ou l'équipe nationale)."""
    perimetre = perimetre_de(utilisateur)
    if demande.annulee_le:
        return False
    if perimetre.national or demande.structure_id in perimetre.structures_responsable:
        return True
    maintenant = maintenant or timezone.now()
    return (
        demande.agent_id == utilisateur.pk
        and demande.structure_id in perimetre.structures
        and maintenant - demande.cree_le <= delai_de_correction()
    )


def _instantane(demande: Demande) -> dict:
    return {
        champ: (
            getattr(demande, f"{champ}_id")
            if champ in {"partenaire", "demarche", "commune"}
            else getattr(demande, champ)
        )
        for champ in CHAMPS_CORRIGEABLES
    } | {"annulee_le": demande.annulee_le}


def _json(instantane: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in instantane.items()}


def _verrouiller(demande: Demande, auteur, verbe: str) -> Demande:
    """La demande relue et verrouillée (écritures concurrentes), si `auteur` peut encore la modifier."""
    demande = (
        Demande.objects.select_for_update(of=("self",))
        .select_related("structure__departement")
        .get(pk=demande.pk)
    )
    if not peut_corriger(auteur, demande):
        raise PermissionDenied(
            f"Le délai de correction est passé : seul le responsable de la structure peut {verbe}."
        )
    return demande


def _historiser(demande: Demande, auteur, avant: dict, motif: str) -> None:
    ModificationDemande.objects.create(
        demande=demande,
        auteur=auteur,
        avant=_json(avant),
        apres=_json(_instantane(demande)),
        motif=motif[:300],
    )


@transaction.atomic
def corriger(demande: Demande, changements: dict, auteur, motif: str = "") -> Demande:
    """Applique `changements` (champ → valeur) ; garde l'avant/après ; agrégats : ancienne contribution retirée."""
    demande = _verrouiller(demande, auteur, "corriger")
    inconnus = set(changements) - set(CHAMPS_CORRIGEABLES)
    if inconnus:
        raise ValueError(f"Champs non corrigeables : {', '.join(sorted(inconnus))}")
    avant = _instantane(demande)
    contribution = Contribution.vide().ajouter(demande, -1)
    for champ, valeur in changements.items():
        setattr(demande, champ, valeur)
    dater(demande)
    demande.full_clean(exclude=["cle_client", "visite", "jour", "mois"], validate_unique=False)
    apres = _instantane(demande)
    if apres == avant:
        return demande
    demande.save()
    contribution.ajouter(demande, +1)
    appliquer(contribution)
    _historiser(demande, auteur, avant, motif)
    return demande


@transaction.atomic
def annuler(demande: Demande, auteur, motif: str = "") -> Demande:
    """Annule une demande saisie par erreur : elle sort des statistiques, l'historique la garde."""
    demande = _verrouiller(demande, auteur, "annuler")
    avant = _instantane(demande)
    demande.annulee_le = timezone.now()
    demande.save(update_fields=["annulee_le", "modifie_le"])
    appliquer(Contribution.vide().ajouter(demande, -1))
    _historiser(demande, auteur, avant, motif)
    return demande
