"""Indicateurs du canal téléphonique (lecture seule), à la façon de Services Publics+ :
- demandes reçues, closes ; rappels faits dans le délai cible (usager joint avant l'échéance) ;
- part des demandes closes où l'usager a été joint, part jointe dans le délai ;
- délai entre la demande et le premier contact (demandes jointes) : médiane et 90ᵉ centile, en heures ;
- en retard (ouvertes, échéance passée) à l'instant du calcul ;
par structure, par département, ou au national (sans filtre), sur une période de création [debut, fin[.

Tout est agrégé en base : une requête de comptes (COUNT … FILTER) et une requête d'histogramme des délais
arrondis à la minute (GROUP BY), quel que soit le volume ; médiane et centile se lisent sur l'histogramme
(`statistiques.escalades.kieme`, rang le plus proche pour le centile). Les demandes synthétiques
(démonstration, mesures) sont exclues sauf `avec_synthetiques=True`.
"""

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Q
from django.db.models.expressions import Func
from django.utils import timezone

from franceservices.core.centiles import centile_90, mediane

from .models import STATUTS_CLOS, DemandeRappel


class MinutesEntre(Func):
    """Minutes entières écoulées entre deux dates (fin − début), calculées en base (PostgreSQL, SQLite)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL (et tout moteur qui connaît EXTRACT EPOCH)
        return super().as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)) / 60) AS INTEGER)",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        fin, debut = self.source_expressions
        sql_debut, params_debut = compiler.compile(debut)
        sql_fin, params_fin = compiler.compile(fin)
        return (
            f"CAST(ROUND((julianday({sql_fin}) - julianday({sql_debut})) * 86400.0) / 60 AS INTEGER)",
            [*params_fin, *params_debut],
        )

    def __init__(self, debut, fin, **extra):
        super().__init__(fin, debut, **extra)


@dataclass(frozen=True)
class Indicateurs:
    demandes: int
    closes: int
    joints: int
    dans_la_cible: int
    part_joints: float | None  # joints / closes
    part_dans_la_cible: float | None  # dans la cible / closes
    delai_median_heures: float | None
    delai_p90_heures: float | None = None
    en_retard: int = 0
    ouvertes: int = 0

    def en_pourcentage(self, part: float | None) -> float | None:
        return None if part is None else round(100 * part, 1)

    @property
    def pourcentage_joints(self):
        return self.en_pourcentage(self.part_joints)

    @property
    def pourcentage_dans_la_cible(self):
        return self.en_pourcentage(self.part_dans_la_cible)


def _comptes(maintenant) -> dict:
    closes = Q(statut__in=STATUTS_CLOS)
    joints = closes & Q(premier_contact_le__isnull=False)
    return {
        "demandes": Count("pk"),
        "closes": Count("pk", filter=closes),
        "joints": Count("pk", filter=joints),
        "dans_la_cible": Count("pk", filter=joints & Q(premier_contact_le__lte=F("echeance"))),
        "en_retard": Count("pk", filter=~closes & Q(echeance__lt=maintenant)),
        "ouvertes": Count("pk", filter=~closes),
    }


def _depuis(comptes: dict, histogramme: dict[int, int]) -> Indicateurs:
    closes = comptes["closes"]
    median = mediane(histogramme)
    p90 = centile_90(histogramme)
    return Indicateurs(
        demandes=comptes["demandes"],
        closes=closes,
        joints=comptes["joints"],
        dans_la_cible=comptes["dans_la_cible"],
        part_joints=comptes["joints"] / closes if closes else None,
        part_dans_la_cible=comptes["dans_la_cible"] / closes if closes else None,
        delai_median_heures=round(median / 60, 2) if median is not None else None,
        delai_p90_heures=round(p90 / 60, 2) if p90 is not None else None,
        en_retard=comptes["en_retard"],
        ouvertes=comptes["ouvertes"],
    )


def filtrer(qs=None, *, structure=None, departement=None, debut=None, fin=None, avec_synthetiques=False):
    qs = DemandeRappel.objects.all() if qs is None else qs
    if not avec_synthetiques:
        qs = qs.filter(synthetique=False)
    if structure is not None:
        qs = qs.filter(structure=structure)
    if departement is not None:
        qs = qs.filter(departement=departement)
    if debut is not None:
        qs = qs.filter(cree_le__gte=debut)
    if fin is not None:
        qs = qs.filter(cree_le__lt=fin)
    return qs


def _delais(qs):
    """Histogramme {minutes: effectif} des délais de premier contact des demandes closes et jointes."""
    return (
        qs.filter(statut__in=STATUTS_CLOS, premier_contact_le__isnull=False)
        .annotate(minutes=MinutesEntre(F("cree_le"), F("premier_contact_le")))
        .values("minutes")
        .annotate(n=Count("pk"))
        .order_by()
    )


def indicateurs(
    *,
    structure=None,
    departement=None,
    debut=None,
    fin=None,
    qs=None,
    avec_synthetiques=False,
    maintenant=None,
) -> Indicateurs:
    """Indicateurs des demandes créées dans [debut, fin[ (bornes facultatives), pour une structure, un
    département, ou au national. `qs` : partir d'un queryset déjà restreint (ex. `visible_par`). Deux requêtes."""
    qs = filtrer(
        qs,
        structure=structure,
        departement=departement,
        debut=debut,
        fin=fin,
        avec_synthetiques=avec_synthetiques,
    )
    comptes = qs.order_by().aggregate(**_comptes(maintenant or timezone.now()))
    histogramme = {ligne["minutes"]: ligne["n"] for ligne in _delais(qs)}
    return _depuis(comptes, histogramme)


@dataclass(frozen=True)
class LigneIndicateurs:
    cle: int | None
    libelle: str
    indicateurs: Indicateurs


def par_groupe(qs, groupe: str, *, maintenant=None) -> dict:
    """{valeur de `groupe` (structure_id, departement_id): Indicateurs}, en deux requêtes groupées."""
    maintenant = maintenant or timezone.now()
    comptes = {
        ligne[groupe]: ligne for ligne in qs.order_by().values(groupe).annotate(**_comptes(maintenant))
    }
    histogrammes: dict = {}
    for ligne in _delais(qs).values(groupe, "minutes").annotate(n=Count("pk")).order_by():
        histogrammes.setdefault(ligne[groupe], {})[ligne["minutes"]] = ligne["n"]
    return {cle: _depuis(c, histogrammes.get(cle, {})) for cle, c in comptes.items()}


def indicateurs_naifs(qs) -> Indicateurs:
    """Référence naïve (boucle Python sur toutes les lignes) : pour le banc et les tests de cohérence."""
    from statistics import median

    maintenant = timezone.now()
    lignes = list(qs.values_list("statut", "cree_le", "echeance", "premier_contact_le"))
    closes = [ligne for ligne in lignes if ligne[0] in STATUTS_CLOS]
    joints = [ligne for ligne in closes if ligne[3] is not None]
    dans_la_cible = [ligne for ligne in joints if ligne[3] <= ligne[2]]
    delais = sorted(int((contact - cree).total_seconds() // 60) for _, cree, _, contact in joints)
    p90 = delais[(9 * len(delais) + 9) // 10 - 1] if delais else None
    return Indicateurs(
        demandes=len(lignes),
        closes=len(closes),
        joints=len(joints),
        dans_la_cible=len(dans_la_cible),
        part_joints=len(joints) / len(closes) if closes else None,
        part_dans_la_cible=len(dans_la_cible) / len(closes) if closes else None,
        delai_median_heures=round(median(delais) / 60, 2) if delais else None,
        delai_p90_heures=round(p90 / 60, 2) if p90 is not None else None,
        en_retard=sum(1 for ligne in lignes if ligne[0] not in STATUTS_CLOS and ligne[2] < maintenant),
        ouvertes=len(lignes) - len(closes),
    )
