"""Présence et réussite des inscrits d'une session ; code d'attestation ; formation au pilote d'un partenaire.

Qui note : le formateur de la session, la personne qui l'a organisée, un animateur du département de la
session ou l'équipe nationale (`peut_suivre`). Seules les inscriptions confirmées d'une session commencée
et non annulée se notent. La réussite pose la date, la source (saisie du formateur ou import d'un fichier
de l'organisme) et un code d'attestation unique ; elle vaut présence. Si le module ouvre le pilote d'un
partenaire, l'agent est déclaré formé aux pilotes en cours de ce partenaire qui couvrent sa France services
(`partenaires.FormationPilote`, journalisé). Noter deux fois la même chose ne change rien (réimport).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement
from franceservices.partenaires.models import FormationPilote, Pilote

from .models import Inscription, Presence, Session, Source, Statut, nouveau_code

ESSAIS_CODE = 10


def filtre_sessions_suivies(utilisateur) -> Q:
    """Sessions dont la personne note la présence et la réussite."""
    perimetre = perimetre_de(utilisateur)
    if perimetre.national:
        return Q()
    if not utilisateur.is_authenticated:
        return Q(pk__in=[])
    condition = Q(formateur=utilisateur) | Q(organisee_par=utilisateur)
    if perimetre.departements_animateur:
        condition |= Q(departement_id__in=perimetre.departements_animateur)
    return condition


def sessions_suivies(utilisateur):
    return Session.objects.filter(filtre_sessions_suivies(utilisateur))


def peut_suivre(utilisateur, session: Session) -> bool:
    if not utilisateur.is_authenticated:
        return False
    perimetre = perimetre_de(utilisateur)
    return (
        perimetre.national
        or (session.formateur_id is not None and session.formateur_id == utilisateur.pk)
        or (session.organisee_par_id is not None and session.organisee_par_id == utilisateur.pk)
        or (session.departement_id is not None and session.departement_id in perimetre.departements_animateur)
    )


def _verifier(par, inscription: Inscription) -> None:
    session = inscription.session
    if not peut_suivre(par, session):
        raise PermissionDenied("Seuls le formateur, l'organisateur, l'animation départementale ou l'équipe "
                               "nationale notent la présence et la réussite de cette session.")  # fmt: skip
    if session.annulee_le is not None:
        raise ValidationError("Cette session a été annulée : rien ne se note.")
    if session.debut > timezone.now():
        raise ValidationError(
            "La session n'a pas encore commencé : la présence se note à partir de son début."
        )
    if inscription.statut != Statut.CONFIRMEE:
        raise ValidationError(
            f"{inscription.agent} n'est pas inscrit(e) à cette session "
            f"({inscription.get_statut_display().lower()}) : rien ne se note."
        )


def _verrouiller(inscription: Inscription) -> Inscription:
    return (
        Inscription.objects.select_for_update()
        .select_related("session__module", "agent")
        .get(pk=inscription.pk)
    )


def _journaliser(par, inscription: Inscription, action: str, **details) -> None:
    journaliser(
        Evenement.FORMATION_SUIVI,
        acteur=par,
        cible=inscription,
        details={
            "action": action,
            "session": inscription.session_id,
            "agent": inscription.agent_id,
            **details,
        },
    )


@transaction.atomic
def noter_presence(*, par, inscription: Inscription, presence: str) -> bool:
    """Note « présent » ou « absent » (ou efface avec ""). Vrai si quelque chose a changé.
    Un absent ne peut pas avoir réussi : annuler la réussite d'abord."""
    if presence not in {"", *Presence.values}:
        raise ValidationError(f"Présence « {presence} » inconnue : présent ou absent attendu.")
    inscription = _verrouiller(inscription)
    _verifier(par, inscription)
    if presence != Presence.PRESENT and inscription.reussie_le is not None:
        raise ValidationError(
            f"{inscription.agent} a réussi la formation : annulez d'abord la réussite pour le noter absent(e)."
        )
    if inscription.presence == presence:
        return False
    inscription.presence = presence
    inscription.save(update_fields=["presence"])
    _journaliser(par, inscription, "presence", presence=presence)
    return True


def _pilotes_de(inscription: Inscription):
    partenaire_id = inscription.session.module.ouvre_pilote_id
    if partenaire_id is None:
        return Pilote.objects.none()
    structures = perimetre_de(inscription.agent).structures
    if not structures:
        return Pilote.objects.none()
    return (
        Pilote.objects.en_cours()
        .filter(partenaire_id=partenaire_id)
        .filter(Q(structures__in=structures) | Q(departements__structures__in=structures))
        .distinct()
    )


def _declarer_formations_pilote(par, inscription: Inscription) -> list[FormationPilote]:
    creees = []
    formee_le = timezone.localdate(inscription.reussie_le)
    deja = set(FormationPilote.objects.filter(agent=inscription.agent).values_list("pilote_id", flat=True))
    for pilote in _pilotes_de(inscription):
        if pilote.pk in deja:
            continue
        formation = FormationPilote.objects.create(
            pilote=pilote, agent=inscription.agent, formee_le=formee_le, declaree_par=par
        )
        journaliser(
            Evenement.FORMATION_PILOTE,
            acteur=par,
            cible=formation,
            details={"pilote": pilote.pk, "agent": inscription.agent_id, "inscription": inscription.pk},
        )
        creees.append(formation)
    return creees


@transaction.atomic
def noter_reussite(*, par, inscription: Inscription, source: str = Source.FORMATEUR) -> bool:
    """Pose la réussite (et la présence), un code d'attestation unique, et la formation au pilote si le
    module en ouvre un. Vrai si l'inscription a changé (une réussite déjà notée reste telle quelle)."""
    if source not in Source.values:
        raise ValidationError(f"Source « {source} » inconnue.")
    inscription = _verrouiller(inscription)
    _verifier(par, inscription)
    if inscription.presence == Presence.ABSENT:
        raise ValidationError(f"{inscription.agent} est noté(e) absent(e) : notez-le présent(e) d'abord.")
    if inscription.reussie_le is not None:
        _declarer_formations_pilote(par, inscription)
        return False
    inscription.presence = Presence.PRESENT
    inscription.reussie_le = timezone.now()
    inscription.source_reussite = source
    for _ in range(ESSAIS_CODE):
        inscription.code_attestation = nouveau_code()
        try:
            with transaction.atomic():
                inscription.save(
                    update_fields=["presence", "reussie_le", "source_reussite", "code_attestation"]
                )
            break
        except IntegrityError:
            continue  # collision de code (unique) : on en tire un autre
    else:
        raise ValidationError("Impossible d'attribuer un code d'attestation unique : réessayez.")
    _journaliser(par, inscription, "reussite", source=source)
    _declarer_formations_pilote(par, inscription)
    return True


@transaction.atomic
def annuler_reussite(*, par, inscription: Inscription) -> bool:
    """Retire la réussite notée par erreur : l'attestation n'est plus vérifiable (son code est effacé).
    La formation au pilote déjà déclarée est conservée (elle se retire depuis la fiche du pilote)."""
    inscription = _verrouiller(inscription)
    _verifier(par, inscription)
    if inscription.reussie_le is None:
        return False
    inscription.reussie_le = None
    inscription.source_reussite = ""
    inscription.code_attestation = None
    inscription.save(update_fields=["reussie_le", "source_reussite", "code_attestation"])
    _journaliser(par, inscription, "reussite_retiree")
    return True
