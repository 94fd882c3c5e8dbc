"""Chiffres du guichet unique « J'ai besoin d'aide pour… » : décisions d'orientation anonymes (lecture seule).

Sur une période (mois entiers, heure de Paris) : nombre de décisions par orientation (démarche en ligne,
France services, conseiller numérique, rappel), par thème, par partenaire, par département, et leur évolution
par semaine ou par mois. Deux requêtes groupées quel que soit le volume (une pour les ventilations, une pour
l'évolution), plus les libellés des partenaires et départements présents.

Périmètre : équipe nationale, toutes ; animateur, préfecture : leurs départements ; référent partenaire : son
partenaire dans son département (référent national : partout). Les autres rôles n'ont pas ces chiffres (une
décision n'est rattachée à aucune France services).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from franceservices.activite.models import Theme
from franceservices.partenaires.models import Partenaire
from franceservices.rappels.models import DecisionOrientation, Orientation
from franceservices.territoires.models import Departement

from .escalades import bornes
from .lecture import Periode

PAS = {"semaine": "Par semaine", "mois": "Par mois"}
ORIENTATIONS = list(Orientation)


def filtre_perimetre(perimetre) -> Q | None:
    """Les décisions dont une personne voit les chiffres ; None : aucune."""
    if perimetre.national:
        return Q()
    conditions = []
    territoire = perimetre.departements_animateur | perimetre.departements_prefecture
    if territoire:
        conditions.append(Q(departement_id__in=territoire))
    if perimetre.partenaires:
        conditions.append(perimetre.filtre_referents())
    return reduce(or_, conditions) if conditions else None


@dataclass
class Ligne:
    cle: str
    libelle: str
    par_orientation: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.par_orientation.values())

    @property
    def colonnes(self) -> list[int]:
        """Effectifs dans l'ordre de `ORIENTATIONS` (pour les tableaux)."""
        return [self.par_orientation[o] for o in ORIENTATIONS]


@dataclass
class Chiffres:
    periode: Periode
    pas: str
    total: Ligne
    themes: list[Ligne]
    partenaires: list[Ligne]
    departements: list[Ligne]
    evolution: list[Ligne]

    @property
    def vide(self) -> bool:
        return self.total.total == 0

    @property
    def orientations(self) -> list[tuple[str, str, int]]:
        return [(o.value, o.label, self.total.par_orientation[o]) for o in ORIENTATIONS]


def _trier(lignes: dict) -> list[Ligne]:
    return sorted(lignes.values(), key=lambda li: (-li.total, li.libelle))


def _debuts(periode: Periode, pas: str) -> list[date]:
    """Toutes les semaines (lundis) ou tous les mois de la période, même vides."""
    if pas == "mois":
        return periode.mois
    debut, fin = bornes(periode)
    jour = timezone.localtime(debut).date()
    jour -= timedelta(days=jour.weekday())
    dernier = timezone.localtime(fin).date() - timedelta(days=1)
    resultat = []
    while jour <= dernier:
        resultat.append(jour)
        jour += timedelta(weeks=1)
    return resultat


def calculer(filtre: Q, periode: Periode, *, pas: str = "mois") -> Chiffres:
    if pas not in PAS:
        raise ValueError(f"Pas inconnu : {pas!r}")
    debut, fin = bornes(periode)
    base = DecisionOrientation.objects.filter(filtre, le__gte=debut, le__lt=fin).order_by()

    total = Ligne("total", "Total")
    themes: dict[str, Ligne] = {}
    partenaires: dict[int | None, Ligne] = {}
    departements: dict[int | None, Ligne] = {}
    groupes = base.values("orientation", "partenaire_id", "departement_id", "reponses__sujet").annotate(
        n=Count("pk")
    )
    libelles_themes = dict(Theme.choices)
    for r in groupes:
        o, n = r["orientation"], r["n"]
        total.par_orientation[o] += n
        sujet = r["reponses__sujet"] or ""
        if sujet not in themes:
            themes[sujet] = Ligne(sujet or "inconnu", libelles_themes.get(sujet, "Ne sait pas"))
        themes[sujet].par_orientation[o] += n
        p = r["partenaire_id"]
        partenaires.setdefault(p, Ligne(str(p or "inconnu"), "")).par_orientation[o] += n
        d = r["departement_id"]
        departements.setdefault(d, Ligne(str(d or "inconnu"), "")).par_orientation[o] += n

    noms = dict(
        Partenaire.objects.filter(pk__in=[p for p in partenaires if p]).values_list("pk", "nom_court")
    )
    for p, li in partenaires.items():
        li.libelle = noms.get(p, "Organisme non précisé")
    deps = {
        pk: f"{code} — {nom}"
        for pk, code, nom in Departement.objects.filter(pk__in=[d for d in departements if d]).values_list(
            "pk", "code", "nom"
        )
    }
    for d, li in departements.items():
        li.libelle = deps.get(d, "Commune non précisée")

    tronquer = TruncMonth("le") if pas == "mois" else TruncWeek("le")
    par_periode: dict[date, Ligne] = {}
    for debut_p in _debuts(periode, pas):
        libelle = f"{debut_p:%m/%Y}" if pas == "mois" else f"semaine du {debut_p:%d/%m/%Y}"
        par_periode[debut_p] = Ligne(debut_p.isoformat(), libelle)
    for r in base.annotate(t=tronquer).values("t", "orientation").annotate(n=Count("pk")):
        t = r["t"]
        jour = timezone.localtime(t).date() if isinstance(t, datetime) else t
        if jour in par_periode:
            par_periode[jour].par_orientation[r["orientation"]] += r["n"]

    return Chiffres(
        periode=periode,
        pas=pas,
        total=total,
        themes=_trier(themes),
        partenaires=_trier(partenaires),
        departements=_trier(departements),
        evolution=[par_periode[k] for k in sorted(par_periode)],
    )
