"""Purge (anonymisation) des données personnelles des escalades closes depuis plus de
`ESCALADES_CONSERVATION_MOIS` mois (commande `purger_escalades`, périodique, idempotente).

Effacé : l'identité de l'usager, les champs du partenaire (`donnees`), l'objet, la description, la précision
du rejet et le texte des messages (« [effacé à la purge] »), le nom de qui a consenti (le fait qu'il a
consenti, à quel partenaire, pour quelles catégories, par qui et quand reste), les pièces jointes (fichiers
supprimés du stockage, puis lignes). Gardé, pour les chiffres : partenaire, département, structure, dates,
statut, motif du rejet, délais. Chaque passage qui efface quelque chose est inscrit au journal (PURGE).

Les fichiers sont supprimés du stockage à la fin de la transaction de chaque paquet : si la validation
échouait ensuite, les lignes resteraient et le passage suivant les reprendrait (supprimer un fichier absent
ne fait rien) ; aucun fichier personnel ne peut survivre à sa ligne.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import Consentement, Escalade, Message, PieceJointe

EFFACE = "[effacé à la purge]"
PAQUET = 500


@dataclass
class Bilan:
    escalades: int = 0
    messages: int = 0
    consentements: int = 0
    pieces: int = 0
    fichiers_orphelins: int = 0


def limite(mois: int, maintenant: datetime | None = None) -> datetime:
    """L'instant `mois` mois avant `maintenant` (même jour, ou dernier jour du mois s'il est plus court)."""
    maintenant = maintenant or timezone.now()
    total = maintenant.year * 12 + maintenant.month - 1 - mois
    annee, mois_ = divmod(total, 12)
    mois_ += 1
    for jour in range(maintenant.day, 0, -1):
        try:
            return maintenant.replace(year=annee, month=mois_, day=jour)
        except ValueError:
            continue
    raise AssertionError("inaccessible")


def a_purger(mois: int, maintenant: datetime | None = None):
    return Escalade.objects.closes().filter(anonymisee_le__isnull=True, close_le__lt=limite(mois, maintenant))


def _purger_paquet(ids: list[int], maintenant: datetime, bilan: Bilan) -> None:
    with transaction.atomic():
        # Reprend seulement ce qui n'a pas été purgé entre-temps (deux passages simultanés).
        ids = list(
            Escalade.objects.select_for_update()
            .filter(pk__in=ids, anonymisee_le__isnull=True)
            .values_list("pk", flat=True)
        )
        if not ids:
            return
        pieces = list(PieceJointe.objects.filter(escalade_id__in=ids).values_list("pk", "fichier"))
        bilan.escalades += Escalade.objects.filter(pk__in=ids).update(
            usager_nom="",
            usager_prenom="",
            usager_date_naissance=None,
            donnees={},
            objet=EFFACE,
            description=EFFACE,
            precision_rejet="",
            anonymisee_le=maintenant,
            modifiee_le=maintenant,
        )
        bilan.messages += (
            Message.objects.filter(escalade_id__in=ids).exclude(texte=EFFACE).update(texte=EFFACE)
        )
        bilan.consentements += Consentement.objects.filter(escalade_id__in=ids).update(usager=EFFACE)
        PieceJointe.objects.filter(pk__in=[pk for pk, _ in pieces]).delete()
        stockage = PieceJointe._meta.get_field("fichier").storage
        for _, nom in pieces:
            if nom:
                stockage.delete(nom)
        bilan.pieces += len(pieces)


def purger(*, mois: int | None = None, dry_run: bool = False, par=None) -> Bilan:
    """Anonymise les escalades closes depuis plus de `mois` mois (défaut : le réglage). Idempotent."""
    mois = settings.ESCALADES_CONSERVATION_MOIS if mois is None else mois
    if mois < 1:
        raise ValueError("La durée de conservation doit être d'au moins un mois.")
    maintenant = timezone.now()
    candidates = a_purger(mois, maintenant)
    if dry_run:
        ids = list(candidates.values_list("pk", flat=True))
        return Bilan(
            escalades=len(ids),
            messages=Message.objects.filter(escalade_id__in=ids).exclude(texte=EFFACE).count(),
            consentements=Consentement.objects.filter(escalade_id__in=ids).count(),
            pieces=PieceJointe.objects.filter(escalade_id__in=ids).count(),
            fichiers_orphelins=len(balayer_fichiers_orphelins(maintenant=maintenant, dry_run=True)),
        )
    bilan = Bilan()
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    for debut in range(0, len(ids), PAQUET):
        _purger_paquet(ids[debut : debut + PAQUET], maintenant, bilan)
    bilan.fichiers_orphelins = len(balayer_fichiers_orphelins(maintenant=maintenant))
    if bilan.escalades or bilan.fichiers_orphelins:
        journaliser(
            Evenement.PURGE,
            acteur=par,
            details={
                "objet": "escalades",
                "conservation_mois": mois,
                "closes_avant": limite(mois, maintenant).isoformat(),
                **asdict(bilan),
            },
        )
    return bilan


DOSSIER_PIECES = "escalades"
AGE_MIN_ORPHELIN = timedelta(days=1)


def _fichiers(dossier: str):
    sous_dossiers, fichiers = default_storage.listdir(dossier)
    for nom in fichiers:
        yield f"{dossier}/{nom}"
    for sous in sous_dossiers:
        yield from _fichiers(f"{dossier}/{sous}")


def balayer_fichiers_orphelins(*, maintenant: datetime | None = None, dry_run: bool = False) -> list[str]:
    """Supprime du stockage les fichiers de pièces qu'aucune `PieceJointe` ne référence : ceux d'un envoi dont
    la transaction a échoué après l'écriture du fichier. Seulement au-delà d'un jour (un envoi en cours n'est
    jamais touché). Rend les chemins supprimés (ou qui le seraient, à blanc)."""
    if not default_storage.exists(DOSSIER_PIECES):
        return []
    maintenant = maintenant or timezone.now()
    connus = set(PieceJointe.objects.values_list("fichier", flat=True))
    orphelins = []
    for chemin in _fichiers(DOSSIER_PIECES):
        if chemin in connus:
            continue
        try:
            modifie = default_storage.get_modified_time(chemin)
        except (NotImplementedError, OSError):
            continue
        if maintenant - modifie < AGE_MIN_ORPHELIN:
            continue
        orphelins.append(chemin)
        if not dry_run:
            default_storage.delete(chemin)
    return orphelins
