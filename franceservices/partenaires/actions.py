"""Actions sur les pilotes : déclarer ou modifier un pilote, déclarer un agent formé, retirer une formation.

Chaque action est atomique et journalisée (PILOTE_MODIFIE, FORMATION_PILOTE) ; les contrôles de droits sont
faits ici aussi (les vues et la commande `declarer_pilote` passent par ces fonctions)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import FormationPilote, Pilote
from .pilotes import agents_declarables, peut_gerer_pilotes

CHAMPS_SIMPLES = ("partenaire", "nom", "debut", "fin", "formation_requise", "description")


def _photo(pilote: Pilote) -> dict:
    return {
        "partenaire": pilote.partenaire.code,
        "nom": pilote.nom,
        "debut": pilote.debut.isoformat(),
        "fin": pilote.fin.isoformat() if pilote.fin else None,
        "formation_requise": pilote.formation_requise,
        "description": pilote.description,
        "departements": sorted(pilote.departements.values_list("code", flat=True)),
        "structures": sorted(pilote.structures.values_list("id_fs", flat=True)),
    }


@transaction.atomic
def enregistrer_pilote(
    *, par, pilote: Pilote | None = None, departements, structures, request=None, commande: str = "", **champs
) -> tuple[Pilote, dict]:
    """Crée (`pilote` None) ou modifie un pilote ; renvoie (pilote, changements {champ: [avant, après]}).

    `par` : l'équipe nationale (None seulement depuis une commande, nommée dans `commande`)."""
    if par is not None and not peut_gerer_pilotes(par):
        raise PermissionDenied("Seule l'équipe nationale crée ou modifie les pilotes.")
    if champs.get("fin") and champs.get("debut") and champs["fin"] < champs["debut"]:
        raise ValidationError("La date de fin doit être postérieure ou égale à la date de début.")
    if not departements and not structures:
        raise ValidationError("Un pilote doit couvrir au moins un département ou une France services.")
    avant = _photo(pilote) if pilote is not None else {}
    if pilote is None:
        pilote = Pilote(**{c: champs[c] for c in CHAMPS_SIMPLES if c in champs})
    else:
        for champ in CHAMPS_SIMPLES:
            if champ in champs:
                setattr(pilote, champ, champs[champ])
    pilote.full_clean(exclude=["departements", "structures"])
    pilote.save()
    pilote.departements.set(departements)
    pilote.structures.set(structures)
    apres = _photo(pilote)
    changements = {c: [avant.get(c), v] for c, v in apres.items() if avant.get(c) != v}
    if changements:
        journaliser(
            Evenement.PILOTE_MODIFIE,
            request=request,
            acteur=par,
            acteur_email=commande,
            cible=pilote,
            details={"creation": not avant, "changements": changements},
        )
    return pilote, changements


@transaction.atomic
def declarer_formation(
    *, par, pilote: Pilote, agent, formee_le, request=None, verifier=True
) -> FormationPilote:
    """Déclare `agent` formé au pilote (date ≤ aujourd'hui) ; redéclarer met la date à jour.

    `verifier=False` : appel d'une commande d'administration (comptes de démonstration)."""
    if formee_le > timezone.localdate():
        raise ValidationError("La date de formation ne peut pas être dans le futur.")
    if verifier and not agents_declarables(par, pilote).filter(pk=agent.pk).exists():
        raise PermissionDenied(
            "Vous ne pouvez déclarer formés que les agents d'une France services couverte par le pilote "
            "et dont vous êtes responsable (ou animateur du département)."
        )
    formation, creee = FormationPilote.objects.update_or_create(
        pilote=pilote, agent=agent, defaults={"formee_le": formee_le, "declaree_par": par}
    )
    journaliser(
        Evenement.FORMATION_PILOTE,
        request=request,
        acteur=par,
        acteur_email="" if par else "commande",
        cible=pilote,
        details={
            "action": "declaration" if creee else "mise_a_jour",
            "agent": agent.email,
            "agent_id": agent.pk,
            "formee_le": formee_le.isoformat(),
        },
    )
    return formation


@transaction.atomic
def retirer_formation(*, par, formation: FormationPilote, request=None) -> None:
    if not agents_declarables(par, formation.pilote).filter(pk=formation.agent_id).exists():
        raise PermissionDenied("Vous ne pouvez pas retirer la formation de cet agent.")
    journaliser(
        Evenement.FORMATION_PILOTE,
        request=request,
        acteur=par,
        cible=formation.pilote,
        details={
            "action": "retrait",
            "agent": formation.agent.email,
            "agent_id": formation.agent_id,
            "formee_le": formation.formee_le.isoformat(),
        },
    )
    formation.delete()
