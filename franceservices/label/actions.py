"""Écritures du label : critères (avec historique), constats d'audit, étapes du cycle. Chaque action vérifie
les droits (`droits.py`), écrit dans une transaction et journalise (`core.audit`)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from . import droits
from .models import (
    ACCORDS,
    COMMENTAIRE_OBLIGATOIRE,
    TRANSITIONS,
    Constat,
    Critere,
    Dossier,
    Etape,
    Etat,
    Mode,
    ModificationCritere,
    ReglageCycle,
)

CHAMPS_CRITERE = ["libelle", "description", "mode", "regle", "parametres", "formats", "actif", "ordre"]


def _exiger_national(par):
    if not droits.gere_criteres(perimetre_de(par)):
        raise PermissionDenied("Seule l'équipe nationale modifie les critères du label.")


@transaction.atomic
def enregistrer_critere(*, par, critere: Critere, request=None) -> Critere:
    """Crée ou modifie `critere` (valeurs déjà posées sur l'objet) ; historique avant → après."""
    _exiger_national(par)
    critere.full_clean()
    avant = {}
    if critere.pk:
        ancien = Critere.objects.select_for_update().get(pk=critere.pk)
        avant = {c: getattr(ancien, c) for c in CHAMPS_CRITERE}
    apres = {c: getattr(critere, c) for c in CHAMPS_CRITERE}
    changements = {c: [avant.get(c), apres[c]] for c in CHAMPS_CRITERE if avant.get(c) != apres[c]}
    nouveau = not critere.pk
    if not nouveau and not changements:
        return critere
    critere.save()
    ModificationCritere.objects.create(critere=critere, auteur=par, changements=changements)
    journaliser(
        Evenement.LABEL_CRITERE,
        request=request,
        acteur=par,
        cible=critere,
        details={"action": "creation" if nouveau else "modification", "changements": changements},
    )
    return critere


def basculer_critere(*, par, critere: Critere, request=None) -> Critere:
    """Désactive (ou réactive) un critère : on ne supprime pas un critère, ses constats restent."""
    critere.actif = not critere.actif
    return enregistrer_critere(par=par, critere=critere, request=request)


@transaction.atomic
def regler_cycle(*, par, duree_mois: int, preavis_jours: int, request=None) -> ReglageCycle:
    _exiger_national(par)
    reglage = ReglageCycle.courant()
    avant = {"duree_mois": reglage.duree_mois, "preavis_jours": reglage.preavis_jours}
    reglage.duree_mois, reglage.preavis_jours = duree_mois, preavis_jours
    reglage.full_clean()
    reglage.save()
    journaliser(
        Evenement.LABEL_CRITERE,
        request=request,
        acteur=par,
        cible=reglage,
        details={
            "action": "reglage_cycle",
            "avant": avant,
            "apres": {"duree_mois": duree_mois, "preavis_jours": preavis_jours},
        },
    )
    return reglage


def etat_courant(structure, dossier) -> str | None:
    """État du cycle : celui du dossier, sinon « labellisée » si le registre donne une date, sinon aucun."""
    if dossier is not None:
        return dossier.etat
    return Etat.LABELLISEE if structure.date_labellisation else None


@transaction.atomic
def changer_etat(*, par, structure, vers: str, commentaire: str = "", date_effet=None, request=None) -> Etape:
    """Fait passer le dossier de `structure` à l'état `vers` (transition de `TRANSITIONS`, droits de `par`)."""
    aujourdhui = timezone.localdate()
    date_effet = date_effet or aujourdhui
    commentaire = (commentaire or "").strip()
    dossier = Dossier.objects.select_for_update().filter(structure=structure).first()
    depuis = etat_courant(structure, dossier)
    if vers not in TRANSITIONS.get(depuis, set()):
        libelle = Etat(depuis).label.lower() if depuis else "sans dossier"
        raise ValidationError(f"Passage impossible : de « {libelle} » à « {Etat(vers).label.lower()} ».")
    if vers not in droits.transitions_permises(perimetre_de(par), structure, depuis):
        raise PermissionDenied("Cette étape du cycle ne relève pas de votre rôle.")
    if vers in COMMENTAIRE_OBLIGATOIRE and not commentaire:
        raise ValidationError("Un commentaire est obligatoire pour cette décision : indiquez-en le motif.")
    if date_effet > aujourdhui:
        raise ValidationError("La date d'effet ne peut pas être dans le futur.")
    if dossier is None:
        dossier = Dossier(structure=structure, date_label=structure.date_labellisation)
    dossier.etat = vers
    if vers in ACCORDS:
        dossier.date_label = date_effet
    dossier.save()
    etape = Etape.objects.create(
        dossier=dossier,
        depuis=depuis or "",
        vers=vers,
        date_effet=date_effet,
        commentaire=commentaire,
        par=par,
    )
    journaliser(
        Evenement.LABEL_CYCLE,
        request=request,
        acteur=par,
        cible=structure,
        details={
            "depuis": depuis or "",
            "vers": vers,
            "date_effet": date_effet.isoformat(),
            "commentaire": commentaire,
        },
    )
    return etape


@transaction.atomic
def enregistrer_constat(
    *, par, structure, critere: Critere, conforme: bool, date, commentaire: str = "", request=None
) -> Constat:
    if not droits.peut_constater(perimetre_de(par), structure):
        raise PermissionDenied("Les constats d'audit sont saisis par la préfecture du département.")
    if critere.mode != Mode.CONSTATE or not critere.actif:
        raise ValidationError("Ce critère ne se constate pas à l'audit (calculé ou désactivé).")
    if date > timezone.localdate():
        raise ValidationError("La date du constat ne peut pas être dans le futur.")
    commentaire = (commentaire or "").strip()
    if not conforme and not commentaire:
        raise ValidationError("Décrivez ce qui n'est pas conforme (commentaire obligatoire).")
    etape = None
    dossier = Dossier.objects.filter(structure=structure).first()
    if dossier is not None and dossier.etat in {Etat.AUDIT, Etat.PLAN_CORRECTIF}:
        etape = dossier.etapes.filter(vers=Etat.AUDIT).order_by("-le", "-pk").first()
    constat = Constat.objects.create(
        structure=structure,
        critere=critere,
        conforme=conforme,
        commentaire=commentaire,
        date=date,
        auteur=par,
        etape=etape,
    )
    journaliser(
        Evenement.LABEL_CONSTAT,
        request=request,
        acteur=par,
        cible=structure,
        details={"critere": critere.code, "conforme": conforme, "date": date.isoformat()},
    )
    return constat
