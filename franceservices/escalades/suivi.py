"""Suivi automatique des délais des escalades (commande `suivre_escalades`, ou tâche `suivre_escalades_tache`).

Périodique et idempotent : chaque étape pose son horodatage (`relancee_le`, `depassement_signale_le`) par
une mise à jour conditionnelle, dans la même transaction que la notification et le message du fil ; relancer
la commande (ou deux processus en même temps) n'envoie rien de plus.

- Relance (J+N) : escalade ouverte, pas en attente (horloge suspendue), sans première réponse du partenaire,
  `engagement.relance_jours_ouvres` jours ouvrés écoulés depuis l'ouverture (fériés de la zone du
  département exclus), pas encore relancée et pas encore en retard → ses référents sont relancés.
- Dépassement : escalade ouverte, pas en attente, échéance passée (l'échéance est comptée en jours ouvrés à
  l'ouverture et reportée des jours d'attente) → le contact national du partenaire, ses référents et l'agent
  sont prévenus, une fois.

Les escalades synthétiques (mesures, démonstration) ne sont pas suivies.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from franceservices.territoires.jours_ouvres import ajouter_jours_ouvres

from .delais import engagement_de, jour_local
from .models import STATUTS_EN_ATTENTE, Cote, Escalade, Message, TypeNotification
from .notifications import agents, notifier, referents


@dataclass
class Bilan:
    le: date
    relancees: list[str] = field(default_factory=list)
    signalees: list[str] = field(default_factory=list)

    def en_dict(self) -> dict:
        return {"le": self.le.isoformat(), "relancees": self.relancees, "signalees": self.signalees}


def _a_suivre():
    return (
        Escalade.objects.ouvertes()
        .exclude(statut__in=STATUTS_EN_ATTENTE)
        .filter(synthetique=False)
        .select_related("partenaire__engagement_escalade", "departement", "structure", "ouverte_par")
        .order_by("pk")
    )


def _relance_jours(escalade) -> int:
    return engagement_de(escalade.partenaire).relance_jours_ouvres


def a_relancer(le: date) -> list[Escalade]:
    candidates = _a_suivre().filter(
        premiere_reponse_le__isnull=True,
        relancee_le__isnull=True,
        echeance__gte=le,  # en retard : c'est le dépassement qui est signalé
        ouverte_le__lt=timezone.make_aware(datetime.combine(le, time.min)),
    )
    return [
        e
        for e in candidates
        if ajouter_jours_ouvres(jour_local(e.ouverte_le), _relance_jours(e), e.departement.code) <= le
    ]


def a_signaler(le: date) -> list[Escalade]:
    return list(_a_suivre().filter(echeance__lt=le, depassement_signale_le__isnull=True))


def _relancer(escalade, horodatage) -> bool:
    with transaction.atomic():
        if not Escalade.objects.filter(pk=escalade.pk, relancee_le__isnull=True).update(
            relancee_le=horodatage, modifiee_le=timezone.now()
        ):
            return False  # déjà relancée par un autre passage
        jours = _relance_jours(escalade)
        Message.objects.create(
            escalade=escalade,
            cote=Cote.SYSTEME,
            texte=(
                f"Relance automatique : pas de réponse du partenaire {jours} jours ouvrés après l'ouverture. "
                f"Réponse attendue le {escalade.echeance:%d/%m/%Y}."
            ),
            cree_le=horodatage,
        )
        notifier(escalade, TypeNotification.RELANCE, destinataires=referents(escalade))
    return True


def _signaler(escalade, horodatage) -> bool:
    with transaction.atomic():
        if not Escalade.objects.filter(pk=escalade.pk, depassement_signale_le__isnull=True).update(
            depassement_signale_le=horodatage, modifiee_le=timezone.now()
        ):
            return False
        engagement = engagement_de(escalade.partenaire)
        contact = [engagement.contact_national] if engagement.contact_national else []
        Message.objects.create(
            escalade=escalade,
            cote=Cote.SYSTEME,
            texte=(
                f"Délai dépassé : la réponse était attendue le {escalade.echeance:%d/%m/%Y}. "
                + (
                    "Le contact national du partenaire a été prévenu."
                    if contact
                    else "Aucun contact national n'est renseigné pour ce partenaire."
                )
            ),
            cree_le=horodatage,
        )
        notifier(
            escalade,
            TypeNotification.DEPASSEMENT,
            destinataires=contact + referents(escalade) + agents(escalade),
        )
    return True


def suivre(*, le: date | None = None, dry_run: bool = False) -> Bilan:
    """Relances et dépassements à la date `le` (aujourd'hui par défaut ; une date passée rejoue ce jour)."""
    aujourdhui = timezone.localdate()
    le = le or aujourdhui
    horodatage = (
        timezone.now()
        if le == aujourdhui
        else timezone.make_aware(datetime.combine(le, time(9))) + timedelta(0)
    )
    bilan = Bilan(le=le)
    for escalade in a_signaler(le):
        if dry_run or _signaler(escalade, horodatage):
            bilan.signalees.append(escalade.reference)
    for escalade in a_relancer(le):
        if dry_run or _relancer(escalade, horodatage):
            bilan.relancees.append(escalade.reference)
    return bilan
