"""Écritures des escalades : ouvrir, écrire dans le fil, changer de statut.

Chaque action est atomique, vérifie le droit de `par`, écrit le journal d'audit et enregistre la
notification (`notifications.notifier`) dans la même transaction.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement
from franceservices.partenaires import pilotes

from . import delais
from .fichiers import valider_pieces
from .models import (
    STATUTS_CLOS,
    STATUTS_EN_ATTENTE,
    Acheminement,
    Consentement,
    Cote,
    Escalade,
    Formulaire,
    Message,
    MotifRejet,
    PieceJointe,
    Statut,
    TypeNotification,
)
from .notifications import notifier

SANS_CONSENTEMENT = (
    "Sans le consentement de l'usager, aucune donnée personnelle ne quitte la France services : "
    "retirez {quoi} ou enregistrez son accord."
)


def formulaire_pour(partenaire, demarche=None) -> Formulaire | None:
    """Le formulaire du partenaire pour cette démarche ; à défaut, son formulaire général."""
    formulaires = {f.demarche_id: f for f in Formulaire.objects.filter(partenaire=partenaire)}
    if demarche is not None and demarche.pk in formulaires:
        return formulaires[demarche.pk]
    return formulaires.get(None)


def cote_de(utilisateur, escalade) -> str | None:
    """Le côté d'où écrit `utilisateur` : partenaire (référent de ce partenaire et de ce territoire, ou
    équipe nationale), structure (agent ou responsable de la France services), sinon None."""
    perimetre = perimetre_de(utilisateur)
    if (escalade.partenaire_id, None) in perimetre.partenaires or (
        escalade.partenaire_id,
        escalade.departement_id,
    ) in perimetre.partenaires:
        return Cote.PARTENAIRE
    if escalade.structure_id in perimetre.structures:
        return Cote.STRUCTURE
    if perimetre.national:
        return Cote.PARTENAIRE
    return None


def acheminement_pour(partenaire, departement) -> str:
    """Territorial s'il existe un référent actif du partenaire dans le département, sinon national."""
    territoriaux = Habilitation.objects.actives().filter(
        role=Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=departement
    )
    return Acheminement.TERRITORIAL if territoriaux.exists() else Acheminement.NATIONAL


def _enregistrer_pieces(escalade, pieces, *, par, message=None) -> list[PieceJointe]:
    enregistrees = []
    for piece in pieces:
        enregistree = PieceJointe(
            escalade=escalade,
            message=message,
            nom=piece.nom,
            type_mime=piece.type_mime,
            taille=piece.taille,
            empreinte=piece.empreinte,
            deposee_par=par,
        )
        enregistree.fichier.save(piece.nom, piece.fichier, save=False)
        enregistree.save()
        enregistrees.append(enregistree)
    return enregistrees


def _champs_personnels(formulaire) -> set[str]:
    if formulaire is None:
        return set()
    return {c["code"] for c in formulaire.champs if c.get("personnel")}


@transaction.atomic
def ouvrir_escalade(
    *,
    par,
    structure,
    partenaire,
    objet: str,
    description: str,
    demarche=None,
    demande=None,
    fiche=None,
    donnees: dict | None = None,
    usager_nom: str = "",
    usager_prenom: str = "",
    usager_date_naissance=None,
    consentement: dict | None = None,
    pieces=(),
    synthetique: bool = False,
) -> Escalade:
    """Ouvre une escalade de `structure` vers `partenaire`.

    `consentement` : None (pas d'accord de l'usager) ou {"usager", "donnees_partagees", "mode"}.
    `pieces` : fichiers envoyés (validés ici par `fichiers.valider_pieces`)."""
    perimetre = perimetre_de(par)
    if structure.pk not in perimetre.structures:
        raise PermissionDenied("Vous ne pouvez ouvrir une escalade que pour votre France services.")
    if not partenaire.actif:
        raise ValidationError("Ce partenaire n'est plus actif.")
    engagement = delais.engagement_de(partenaire)
    if not engagement.escalade_ouverte:
        raise ValidationError(
            f"{partenaire.nom_court} ne reçoit pas d'escalades par cet outil : orientez l'usager selon la charte."
        )
    refus = pilotes.motif_refus(par, partenaire, structure)
    if refus:
        raise ValidationError(refus)
    if demarche is not None and demarche.partenaire_id != partenaire.pk:
        raise ValidationError("Cette démarche n'appartient pas au partenaire choisi.")
    if demande is not None and demande.structure_id != structure.pk:
        raise ValidationError("La demande d'origine n'est pas de cette France services.")
    objet, description = (objet or "").strip(), (description or "").strip()
    if not objet or not description:
        raise ValidationError("L'objet et la description de l'escalade sont obligatoires.")
    donnees = {k: v for k, v in (donnees or {}).items() if v not in ("", None)}
    fichiers = valider_pieces(pieces)
    if not consentement:
        if usager_nom.strip() or usager_prenom.strip() or usager_date_naissance:
            raise ValidationError(SANS_CONSENTEMENT.format(quoi="l'identité de l'usager"))
        personnels = _champs_personnels(formulaire_pour(partenaire, demarche)) & set(donnees)
        if personnels:
            raise ValidationError(SANS_CONSENTEMENT.format(quoi="les champs personnels du formulaire"))
        if fichiers:
            raise ValidationError(SANS_CONSENTEMENT.format(quoi="les pièces jointes"))
    elif not (consentement.get("usager") or "").strip():
        raise ValidationError("Indiquez le nom de l'usager qui a donné son accord.")

    maintenant = timezone.now()
    departement = structure.departement
    escalade = Escalade.objects.create(
        structure=structure,
        departement=departement,
        partenaire=partenaire,
        demarche=demarche,
        demande=demande,
        fiche=fiche,
        acheminement=acheminement_pour(partenaire, departement),
        objet=objet[:200],
        description=description,
        donnees=donnees,
        usager_nom=usager_nom.strip(),
        usager_prenom=usager_prenom.strip(),
        usager_date_naissance=usager_date_naissance,
        ouverte_par=par,
        ouverte_le=maintenant,
        delai_jours_ouvres=engagement.delai_jours_ouvres,
        echeance=delais.echeance_initiale(maintenant, engagement.delai_jours_ouvres, departement.code),
        synthetique=synthetique,
    )
    if consentement:
        Consentement.objects.create(
            escalade=escalade,
            usager=consentement["usager"].strip()[:300],
            donnees_partagees=list(consentement.get("donnees_partagees") or []),
            partenaire=partenaire,
            mode=consentement.get("mode") or "oral",
            recueilli_par=par,
        )
    _enregistrer_pieces(escalade, fichiers, par=par)
    journaliser(
        Evenement.ESCALADE_OUVERTE,
        acteur=par,
        cible=escalade,
        details={
            "structure": structure.pk,
            "partenaire": partenaire.code,
            "acheminement": escalade.acheminement,
            "consentement": bool(consentement),
            "pieces": len(fichiers),
        },
    )
    notifier(escalade, TypeNotification.OUVERTURE)
    return escalade


def _verrouiller(escalade) -> Escalade:
    return (
        Escalade.objects.select_for_update()
        .select_related("departement", "partenaire", "structure")
        .get(pk=escalade.pk)
    )


def _message_systeme(escalade, *, par, avant, apres, texte) -> Message:
    return Message.objects.create(
        escalade=escalade,
        auteur=par,
        cote=Cote.SYSTEME,
        texte=texte,
        statut_avant=avant,
        statut_apres=apres,
    )


def _passer(escalade, vers, *, par, instant, texte, details=None) -> Message:
    """Change le statut (horloge comprise), écrit le message système, l'audit et la notification."""
    avant = escalade.statut
    if avant in STATUTS_EN_ATTENTE and vers not in STATUTS_EN_ATTENTE:
        delais.reprendre(escalade, instant)
    if vers in STATUTS_EN_ATTENTE:
        delais.suspendre(escalade, instant)
    if vers in STATUTS_CLOS:
        delais.cloturer(escalade, instant)
    escalade.statut = vers
    escalade.save()
    message = _message_systeme(escalade, par=par, avant=avant, apres=vers, texte=texte)
    journaliser(
        Evenement.ESCALADE_STATUT,
        acteur=par,
        cible=escalade,
        details={"avant": avant, "apres": vers, **(details or {})},
    )
    notifier(escalade, TypeNotification.STATUT, message=message)
    return message


@transaction.atomic
def ecrire_message(*, par, escalade, texte: str, pieces=()) -> Message:
    """Ajoute un message au fil. Le côté se déduit du rôle ; la première réponse du partenaire est horodatée ;
    un message de la France services sur une escalade « en attente de la structure » la remet « prise en
    charge »."""
    cote = cote_de(par, escalade)
    if cote is None:
        raise PermissionDenied("Vous ne pouvez pas écrire dans le fil de cette escalade.")
    escalade = _verrouiller(escalade)
    if escalade.est_close:
        raise ValidationError("Cette escalade est close : on ne peut plus y écrire.")
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError("Le message est vide.")
    fichiers = valider_pieces(pieces)
    if fichiers and cote == Cote.STRUCTURE and not hasattr(escalade, "consentement"):
        raise ValidationError(SANS_CONSENTEMENT.format(quoi="les pièces jointes"))
    instant = timezone.now()
    message = Message.objects.create(escalade=escalade, auteur=par, cote=cote, texte=texte, cree_le=instant)
    _enregistrer_pieces(escalade, fichiers, par=par, message=message)
    if cote == Cote.PARTENAIRE and escalade.premiere_reponse_le is None:
        escalade.premiere_reponse_le = instant
        escalade.save(update_fields=["premiere_reponse_le", "modifiee_le"])
    notifier(escalade, TypeNotification.MESSAGE, message=message)
    if cote == Cote.STRUCTURE and escalade.statut == Statut.ATTENTE_STRUCTURE:
        _passer(
            escalade,
            Statut.PRISE_EN_CHARGE,
            par=par,
            instant=instant,
            texte="La France services a répondu : l'escalade est de nouveau prise en charge.",
        )
    return message


@transaction.atomic
def changer_statut(
    *, par, escalade, vers: str, motif_rejet: str = "", precision: str = "", message: str = ""
) -> Escalade:
    """Fait passer l'escalade à `vers` si la transition est légale et si `par` est du côté du partenaire
    (référent de ce partenaire et de ce territoire, ou équipe nationale). Rejet : motif obligatoire."""
    if cote_de(par, escalade) != Cote.PARTENAIRE:
        raise PermissionDenied(
            "Seuls les référents du partenaire pour ce territoire (ou l'équipe nationale) changent le statut."
        )
    escalade = _verrouiller(escalade)
    if vers not in Statut.values:
        raise ValidationError("Statut inconnu.")
    escalade.verifier_transition(vers)
    precision, message = (precision or "").strip(), (message or "").strip()
    instant = timezone.now()
    details = {}
    texte = f"Statut : {escalade.get_statut_display().lower()} → {Statut(vers).label.lower()}."
    if vers == Statut.REJETEE:
        if motif_rejet not in MotifRejet.values:
            raise ValidationError("Indiquez le motif du rejet.")
        if motif_rejet == MotifRejet.AUTRE and not precision:
            raise ValidationError("Précisez le motif du rejet.")
        escalade.motif_rejet = motif_rejet
        escalade.precision_rejet = precision[:500]
        texte += f" Motif : {MotifRejet(motif_rejet).label}{f' — {precision}' if precision else ''}."
        details["motif"] = motif_rejet
    if vers == Statut.PRISE_EN_CHARGE:
        escalade.referent = par
        if escalade.prise_en_charge_le is None:
            escalade.prise_en_charge_le = instant
    elif escalade.premiere_reponse_le is None:
        escalade.premiere_reponse_le = instant
    if message:
        texte += f"\n\n{message}"
    _passer(escalade, vers, par=par, instant=instant, texte=texte, details=details)
    return escalade
