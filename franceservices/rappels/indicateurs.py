"""Indicateurs du canal téléphonique (lecture seule), à la façon de Services Publics+ :
- demandes closes ; rappels faits dans la cible (usager joint avant l'échéance) ;
- part des demandes closes où l'usager a été joint ;
- délai médian (heures) entre la demande et le premier contact, pour les demandes jointes ;
par structure, par département, ou national (sans filtre).

Calcul en Python sur les seules colonnes utiles (quelques milliers de lignes par mois au niveau national) :
la médiane s'écrit pareil sur PostgreSQL et SQLite.
"""

from dataclasses import dataclass
from statistics import median

from .models import STATUTS_CLOS, DemandeRappel


@dataclass(frozen=True)
class Indicateurs:
    demandes: int
    closes: int
    joints: int
    dans_la_cible: int
    part_joints: float | None  # joints / closes
    part_dans_la_cible: float | None  # dans la cible / closes
    delai_median_heures: float | None


def indicateurs(*, structure=None, departement=None, debut=None, fin=None, qs=None) -> Indicateurs:
    """Indicateurs des demandes créées dans [debut, fin[ (bornes facultatives), pour une structure, un
    département, ou au national. `qs` : partir d'un queryset déjà restreint (ex. `visible_par`)."""
    qs = DemandeRappel.objects.all() if qs is None else qs
    if structure is not None:
        qs = qs.filter(structure=structure)
    if departement is not None:
        qs = qs.filter(departement=departement)
    if debut is not None:
        qs = qs.filter(cree_le__gte=debut)
    if fin is not None:
        qs = qs.filter(cree_le__lt=fin)
    lignes = list(qs.values_list("statut", "cree_le", "echeance", "premier_contact_le"))
    closes = [ligne for ligne in lignes if ligne[0] in STATUTS_CLOS]
    joints = [ligne for ligne in closes if ligne[3] is not None]
    dans_la_cible = [ligne for ligne in joints if ligne[3] <= ligne[2]]
    delais = [(contact - cree).total_seconds() / 3600 for _, cree, _, contact in joints]
    return Indicateurs(
        demandes=len(lignes),
        closes=len(closes),
        joints=len(joints),
        dans_la_cible=len(dans_la_cible),
        part_joints=len(joints) / len(closes) if closes else None,
        part_dans_la_cible=len(dans_la_cible) / len(closes) if closes else None,
        delai_median_heures=round(median(delais), 2) if delais else None,
    )
