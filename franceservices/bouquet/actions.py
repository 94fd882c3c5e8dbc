"""Écritures du bouquet : fiches (versionnées, auditées) et démarches du catalogue (auditées)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import Fiche, Statut, VersionFiche
from .recherche import invalider_vocabulaire
from .regles import peut_rediger_pour

CHAMPS_DEMARCHE = (
    "regle",
    "mode_orientation",
    "precisions_orientation",
    "pieces",
    "lien_en_ligne",
    "lien_service_public",
)


def _verifier(par, partenaire_id: int, quoi: str) -> None:
    if not peut_rediger_pour(par, partenaire_id):
        raise PermissionDenied(
            f"Vous ne pouvez pas modifier {quoi} : réservé à l'équipe nationale et aux référents du partenaire."
        )


def _versionner(fiche: Fiche, *, par, motif: str) -> VersionFiche:
    return VersionFiche.objects.create(
        fiche=fiche,
        numero=fiche.version,
        titre=fiche.titre,
        resume=fiche.resume,
        contenu=fiche.contenu,
        mots_cles=fiche.mots_cles,
        statut=fiche.statut,
        auteur=par,
        motif=(motif or "")[:300],
    )


@transaction.atomic
def enregistrer_fiche(*, par, fiche: Fiche, motif: str = "", demarches=None, request=None) -> Fiche:
    """Crée ou modifie `fiche` (non encore écrite) : version suivante, `texte_recherche`, audit.

    Chaque enregistrement garde une `VersionFiche` (l'état après la modification) et son motif."""
    _verifier(par, fiche.partenaire_id, "les fiches de ce partenaire")
    creation = fiche.pk is None
    if not creation:
        ancienne = Fiche.objects.select_for_update().only("version", "partenaire_id").get(pk=fiche.pk)
        _verifier(par, ancienne.partenaire_id, "les fiches de ce partenaire")
        fiche.version = ancienne.version + 1
    else:
        fiche.version = 1
    fiche.preparer_recherche()
    fiche.save()
    if demarches is not None:
        fiche.demarches.set(demarches)
    _versionner(fiche, par=par, motif=motif or ("Création" if creation else ""))
    journaliser(
        Evenement.FICHE_MODIFIEE,
        request=request,
        acteur=par,
        cible=fiche,
        details={"version": fiche.version, "creation": creation, "motif": motif, "statut": fiche.statut},
    )
    invalider_vocabulaire()
    transaction.on_commit(invalider_vocabulaire)
    return fiche


def changer_statut_fiche(*, par, fiche: Fiche, statut: str, motif: str = "", request=None) -> Fiche:
    """Publier, archiver ou remettre en brouillon : une version de plus, comme toute modification."""
    if statut not in Statut.values:
        raise ValueError(f"Statut inconnu : {statut}")
    fiche.statut = statut
    libelle = Statut(statut).label.lower()
    return enregistrer_fiche(par=par, fiche=fiche, motif=motif or f"Fiche {libelle}", request=request)


@transaction.atomic
def modifier_demarche(*, par, demarche, changements: dict, request=None):
    """Règle de la charte, orientation, pièces et liens d'une démarche ; l'avant/après va au journal."""
    _verifier(par, demarche.partenaire_id, "cette démarche")
    inconnus = set(changements) - set(CHAMPS_DEMARCHE)
    if inconnus:
        raise ValueError(f"Champs non modifiables : {', '.join(sorted(inconnus))}")
    avant = {c: getattr(demarche, c) for c in CHAMPS_DEMARCHE}
    for champ, valeur in changements.items():
        setattr(demarche, champ, valeur)
    apres = {c: getattr(demarche, c) for c in CHAMPS_DEMARCHE}
    modifies = [c for c in CHAMPS_DEMARCHE if avant[c] != apres[c]]
    if not modifies:
        return demarche
    demarche.save(update_fields=[*modifies, "modifie_le"])
    journaliser(
        Evenement.DEMARCHE_MODIFIEE,
        request=request,
        acteur=par,
        cible=demarche,
        details={"avant": {c: avant[c] for c in modifies}, "apres": {c: apres[c] for c in modifies}},
    )
    return demarche
