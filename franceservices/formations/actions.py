"""Écritures de la formation : inscrire (soi-même ou un agent, un groupe), approuver, refuser, annuler.

Chaque action est atomique et verrouille la session (`select_for_update`) avant de compter les places :
deux demandes simultanées pour la dernière place ne peuvent pas toutes deux l'obtenir (l'une est
confirmée, l'autre va en liste d'attente). Les places se comptent ainsi : capacité − inscriptions
confirmées. Une place libérée (annulation) va au premier de la liste d'attente (ordre des demandes).

Qui fait quoi :
- l'agent s'inscrit lui-même : sa demande attend l'approbation du responsable de sa France services ;
- le responsable de la structure de l'agent, l'animateur de son département ou l'équipe nationale
  l'inscrivent (approuvée d'office) et décident des demandes (approuver, refuser avec un motif).

Pas d'audit : aucun événement du journal ne correspond à ces écritures (ni sécurité, ni donnée personnelle
d'usager).

Courriels (`notifications.py`) : programmés dans la transaction, envoyés par une tâche de fond après sa
validation (demande à approuver aux responsables ; approbation, refus, promotion, annulation de la session à
l'agent). Une panne du serveur de courriel ne fait jamais échouer l'action.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from . import notifications
from .models import STATUTS_ACTIFS, Inscription, Session, Statut

MOTIF_MAX = 300


@dataclass(frozen=True)
class Rattachement:
    """Les France services (et leurs départements) où la personne est agent ou responsable aujourd'hui."""

    structures: frozenset[int]
    departements: frozenset[int]


def rattachement_de(agent) -> Rattachement:
    lignes = (
        Habilitation.objects.actives()
        .filter(utilisateur=agent, role__in=[Role.AGENT, Role.RESPONSABLE], structure__isnull=False)
        .values_list("structure_id", "structure__departement_id")
    )
    lignes = list(lignes)
    return Rattachement(frozenset(s for s, _ in lignes), frozenset(d for _, d in lignes))


def decide_pour(par, agent, rattachement: Rattachement | None = None) -> bool:
    """`par` peut-il inscrire `agent` d'office et décider de ses demandes ? Responsable d'une de ses
    France services, animateur d'un de ses départements, équipe nationale."""
    perimetre = perimetre_de(par)
    if perimetre.national:
        return True
    rattachement = rattachement or rattachement_de(agent)
    return bool(
        rattachement.structures & perimetre.structures_responsable
        or rattachement.departements & perimetre.departements_animateur
    )


def _nom(agent, par) -> str:
    return "Vous" if agent.pk == par.pk else (agent.get_full_name() or agent.email)


def _verrouiller(session) -> Session:
    return Session.objects.select_for_update(of=("self",)).select_related("module").get(pk=session.pk)


def places_restantes(session) -> int:
    confirmees = Inscription.objects.filter(session=session, statut=Statut.CONFIRMEE).count()
    return max(session.capacite - confirmees, 0)


def _verifier_session_ouverte(session, maintenant):
    if session.annulee_le is not None:
        raise ValidationError("Cette session a été annulée : choisissez une autre date.")
    if session.debut <= maintenant:
        raise ValidationError("Cette session a déjà commencé : les inscriptions sont closes.")
    if not session.module.actif:
        raise ValidationError("Ce module n'est plus proposé : les inscriptions sont closes.")


def prerequis_manquants(module, agent) -> list:
    """Les modules prérequis que l'agent n'a pas encore réussis."""
    prerequis = list(module.prerequis.all())
    if not prerequis:
        return []
    reussis = set(
        Inscription.objects.filter(
            agent=agent, reussie_le__isnull=False, session__module__in=prerequis
        ).values_list("session__module_id", flat=True)
    )
    return [m for m in prerequis if m.pk not in reussis]


@transaction.atomic
def inscrire(*, par, session, agent, maintenant=None) -> Inscription:
    """Inscrit `agent` à `session`. Par l'agent lui-même : demande à approuver. Par un responsable, un
    animateur ou l'équipe nationale : confirmée s'il reste une place, sinon en liste d'attente."""
    maintenant = maintenant or timezone.now()
    session = _verrouiller(session)
    rattachement = rattachement_de(agent)
    d_office = decide_pour(par, agent, rattachement)
    if not d_office and par.pk != agent.pk:
        raise PermissionDenied(
            "Seuls l'agent lui-même, le responsable de sa France services, l'animateur de son département "
            "ou l'équipe nationale peuvent l'inscrire."
        )
    if not rattachement.structures:
        raise ValidationError(
            f"{_nom(agent, par)} n'{'êtes' if agent.pk == par.pk else 'est'} agent d'aucune France services "
            "aujourd'hui : les formations sont réservées aux agents habilités."
        )
    _verifier_session_ouverte(session, maintenant)
    if session.departement_id and session.departement_id not in rattachement.departements:
        raise ValidationError(
            f"Cette session est réservée aux agents du département {session.departement} : "
            "choisissez une session de votre département ou une session nationale."
        )
    manquants = prerequis_manquants(session.module, agent)
    if manquants:
        raise ValidationError(
            f"Pour suivre « {session.module.titre} », il faut d'abord avoir réussi : "
            + ", ".join(f"« {m.titre} »" for m in manquants)
            + "."
        )
    deja = Inscription.objects.filter(session=session, agent=agent, statut__in=STATUTS_ACTIFS).first()
    if deja is not None:
        qui = "Vous êtes" if agent.pk == par.pk else f"{_nom(agent, par)} est"
        raise ValidationError(
            f"{qui} déjà inscrit à cette session (statut : {deja.get_statut_display().lower()})."
        )
    inscription = Inscription(
        session=session, agent=agent, demandee_le=maintenant, inscrite_par=par, statut=Statut.DEMANDEE
    )
    if d_office:
        inscription.statut = Statut.CONFIRMEE if places_restantes(session) > 0 else Statut.ATTENTE
        inscription.decidee_par, inscription.decidee_le = par, maintenant
    inscription.save()
    if inscription.statut == Statut.DEMANDEE:
        notifications.programmer(inscription.pk, notifications.DEMANDE)
    elif agent.pk != par.pk:
        notifications.programmer(inscription.pk, notifications.APPROUVEE)
    return inscription


def _verrouiller_inscription(inscription) -> tuple[Session, Inscription]:
    session = _verrouiller(inscription.session)
    inscription = (
        Inscription.objects.select_for_update(of=("self",))
        .select_related("agent", "session__module")
        .get(pk=inscription.pk)
    )
    return session, inscription


def _verifier_decideur(par, inscription):
    if not decide_pour(par, inscription.agent):
        raise PermissionDenied(
            "Seuls le responsable de la France services de l'agent, l'animateur de son département ou "
            "l'équipe nationale décident de cette demande."
        )
    if inscription.statut != Statut.DEMANDEE:
        raise ValidationError(
            f"Cette demande a déjà été traitée (statut : {inscription.get_statut_display().lower()})."
        )


@transaction.atomic
def approuver(*, par, inscription, maintenant=None) -> Inscription:
    """Approuve une demande : confirmée s'il reste une place, sinon en liste d'attente."""
    maintenant = maintenant or timezone.now()
    session, inscription = _verrouiller_inscription(inscription)
    _verifier_decideur(par, inscription)
    _verifier_session_ouverte(session, maintenant)
    inscription.statut = Statut.CONFIRMEE if places_restantes(session) > 0 else Statut.ATTENTE
    inscription.decidee_par, inscription.decidee_le = par, maintenant
    inscription.save(update_fields=["statut", "decidee_par", "decidee_le"])
    notifications.programmer(inscription.pk, notifications.APPROUVEE)
    return inscription


@transaction.atomic
def refuser(*, par, inscription, motif: str, maintenant=None) -> Inscription:
    """Refuse une demande ; le motif (obligatoire) est montré à l'agent."""
    motif = _motif_nettoye(motif, "du refus", "à l'agent")
    _, inscription = _verrouiller_inscription(inscription)
    _verifier_decideur(par, inscription)
    inscription.statut = Statut.REFUSEE
    inscription.motif = motif
    inscription.decidee_par, inscription.decidee_le = par, maintenant or timezone.now()
    inscription.save(update_fields=["statut", "motif", "decidee_par", "decidee_le"])
    notifications.programmer(inscription.pk, notifications.REFUSEE)
    return inscription


def _promouvoir(session) -> list[Inscription]:
    """Donne les places libres aux premiers de la liste d'attente (ordre des demandes)."""
    libres = places_restantes(session)
    if libres <= 0:
        return []
    promues = list(
        Inscription.objects.select_for_update(of=("self",))
        .filter(session=session, statut=Statut.ATTENTE)
        .order_by("demandee_le", "pk")[:libres]
    )
    for inscription in promues:
        inscription.statut = Statut.CONFIRMEE
        inscription.save(update_fields=["statut"])
        notifications.programmer(inscription.pk, notifications.PROMUE)
    return promues


@transaction.atomic
def annuler(*, par, inscription, maintenant=None) -> list[Inscription]:
    """Annule une inscription (l'agent lui-même ou qui décide pour lui) ; la place libérée va au premier
    de la liste d'attente. Rend les inscriptions promues."""
    maintenant = maintenant or timezone.now()
    session, inscription = _verrouiller_inscription(inscription)
    if inscription.agent_id != par.pk and not decide_pour(par, inscription.agent):
        raise PermissionDenied("Vous ne pouvez pas annuler l'inscription de cette personne.")
    if inscription.statut not in STATUTS_ACTIFS:
        raise ValidationError(
            f"Cette inscription est déjà close (statut : {inscription.get_statut_display().lower()})."
        )
    if session.debut <= maintenant:
        raise ValidationError("La session a déjà commencé : l'inscription ne peut plus être annulée.")
    inscription.statut = Statut.ANNULEE
    inscription.annulee_le = maintenant
    inscription.save(update_fields=["statut", "annulee_le"])
    if session.annulee_le is not None:
        return []
    return _promouvoir(session)


def _motif_nettoye(motif: str, quoi: str, a_qui: str) -> str:
    motif = " ".join((motif or "").split())
    if not motif:
        raise ValidationError(f"Indiquez le motif {quoi} : il sera montré {a_qui}.")
    if len(motif) > MOTIF_MAX:
        raise ValidationError(f"Le motif est trop long ({len(motif)} caractères, {MOTIF_MAX} au plus).")
    return motif


def peut_annuler_session(par, session) -> bool:
    """L'organisateur de la session, l'animateur de son département ou l'équipe nationale."""
    if par is None or not par.is_authenticated:
        return False
    if session.organisee_par_id is not None and session.organisee_par_id == par.pk:
        return True
    perimetre = perimetre_de(par)
    if perimetre.national:
        return True
    return session.departement_id is not None and session.departement_id in perimetre.departements_animateur


@transaction.atomic
def annuler_session(*, par, session, motif: str, maintenant=None) -> int:
    """Annule une session à venir : toutes ses inscriptions actives (demandées, confirmées, en liste
    d'attente) passent à « annulée » avec le motif, chaque agent est prévenu par courriel après commit.
    Rend le nombre d'inscrits prévenus."""
    maintenant = maintenant or timezone.now()
    if not peut_annuler_session(par, session):
        raise PermissionDenied(
            "Seuls l'organisateur de la session, l'animateur de son département ou l'équipe nationale "
            "peuvent l'annuler."
        )
    motif = _motif_nettoye(motif, "de l'annulation", "aux agents inscrits")
    session = _verrouiller(session)
    if session.annulee_le is not None:
        raise ValidationError("Cette session est déjà annulée.")
    if session.debut <= maintenant:
        raise ValidationError("Cette session a déjà commencé : elle ne peut plus être annulée.")
    session.annulee_le = maintenant
    session.save(update_fields=["annulee_le", "modifie_le"])
    actives = list(
        Inscription.objects.select_for_update(of=("self",)).filter(session=session, statut__in=STATUTS_ACTIFS)
    )
    for inscription in actives:
        inscription.statut = Statut.ANNULEE
        inscription.annulee_le = maintenant
        inscription.motif = motif
    Inscription.objects.bulk_update(actives, ["statut", "annulee_le", "motif"])
    notifications.programmer_plusieurs([i.pk for i in actives], notifications.SESSION_ANNULEE)
    journaliser(
        Evenement.FORMATION_CATALOGUE,
        acteur=par,
        cible=session,
        details={"action": "session_annulee", "motif": motif, "inscriptions_annulees": len(actives)},
    )
    return len(actives)


@dataclass
class Bilan:
    inscrits: list = field(default_factory=list)
    en_attente: list = field(default_factory=list)
    refus: list = field(default_factory=list)  # (agent, motif)


def inscrire_groupe(*, par, session, agents, maintenant=None) -> Bilan:
    """Inscrit un groupe d'agents (animateur, équipe nationale, responsable pour sa structure). Chaque
    inscription est traitée à part : un refus (prérequis, déjà inscrit…) n'empêche pas les autres."""
    perimetre = perimetre_de(par)
    if not (perimetre.national or perimetre.departements_animateur or perimetre.structures_responsable):
        raise PermissionDenied(
            "L'inscription d'un groupe est réservée aux animateurs, aux responsables et à l'équipe nationale."
        )
    bilan = Bilan()
    for agent in agents:
        try:
            inscription = inscrire(par=par, session=session, agent=agent, maintenant=maintenant)
        except (ValidationError, PermissionDenied) as erreur:
            message = erreur.messages[0] if isinstance(erreur, ValidationError) else str(erreur)
            bilan.refus.append((agent, message))
        else:
            (bilan.inscrits if inscription.statut == Statut.CONFIRMEE else bilan.en_attente).append(agent)
    return bilan
