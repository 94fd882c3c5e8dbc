"""Chiffres des escalades, par partenaire et par département (lecture seule) : la base sur laquelle le
programme tient les partenaires à leurs engagements de délai.

Sur une période (mois entiers) :
- ouvertes : escalades ouvertes dans la période ;
- closes : escalades closes (résolues ou rejetées) dans la période ;
- délais de réponse des escalades closes dans la période, en jours ouvrés (Europe/Paris, fériés du
  département exclus, jours d'attente de l'usager ou de la France services déduits) : médiane et 90ᵉ
  centile (rang le plus proche : la plus petite valeur telle qu'au moins 90 % des délais lui sont inférieurs
  ou égaux) ; part close dans le délai de l'engagement ;
- motifs des rejets prononcés dans la période ;
- en cours et en retard : à la date du jour (instantané, indépendant de la période).

Quatre requêtes groupées (partenaire × département, et délai pour l'histogramme) quel que soit le volume :
médiane et centile se calculent sur l'histogramme des délais (entiers), pas en chargeant les escalades.
Les escalades synthétiques (démonstration, mesures) sont exclues sauf demande explicite.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.utils import timezone

from franceservices.core.centiles import centile_90, kieme, mediane  # noqa: F401 (réexportés)
from franceservices.escalades.models import Escalade, MotifRejet, Statut
from franceservices.partenaires.models import Partenaire
from franceservices.territoires.models import Departement

from .lecture import Periode


def filtre_perimetre(perimetre) -> Q | None:
    """Les escalades dont une personne voit les chiffres ; None : aucune (conseiller numérique, sans rôle).
    Équipe nationale : toutes ; animateur, préfecture : leurs départements ; référent partenaire : son
    partenaire dans son département (référent national : partout) ; responsable, agent : leur structure."""
    if perimetre.national:
        return Q()
    conditions = []
    if perimetre.structures:
        conditions.append(Q(structure_id__in=perimetre.structures))
    territoire = perimetre.departements_animateur | perimetre.departements_prefecture
    if territoire:
        conditions.append(Q(departement_id__in=territoire))
    for partenaire_id, departement_id in sorted(perimetre.partenaires, key=lambda c: (c[0], c[1] or 0)):
        if departement_id is None:
            conditions.append(Q(partenaire_id=partenaire_id))
        else:
            conditions.append(Q(partenaire_id=partenaire_id, departement_id=departement_id))
    return reduce(or_, conditions) if conditions else None


@dataclass
class Ligne:
    cle: str
    libelle: str
    ouvertes: int = 0
    closes: int = 0
    en_cours: int = 0
    en_retard: int = 0
    dans_les_temps: int = 0
    evaluees: int = 0  # closes dont on sait si elles l'ont été dans le délai
    delais: Counter = field(default_factory=Counter)  # jours ouvrés → nombre d'escalades
    rejets: Counter = field(default_factory=Counter)  # motif → nombre

    def ajouter(self, autre: "Ligne") -> None:
        for nom in ("ouvertes", "closes", "en_cours", "en_retard", "dans_les_temps", "evaluees"):
            setattr(self, nom, getattr(self, nom) + getattr(autre, nom))
        self.delais.update(autre.delais)
        self.rejets.update(autre.rejets)

    @property
    def mediane(self) -> float | None:
        return mediane(self.delais)

    @property
    def p90(self) -> int | None:
        return centile_90(self.delais)

    @property
    def part_dans_les_temps(self) -> float | None:
        return round(100 * self.dans_les_temps / self.evaluees, 1) if self.evaluees else None

    @property
    def nombre_rejets(self) -> int:
        return sum(self.rejets.values())

    @property
    def motifs(self) -> list[tuple[str, int]]:
        libelles = dict(MotifRejet.choices)
        return [(libelles.get(m, m or "Sans motif"), n) for m, n in self.rejets.most_common()]


@dataclass
class Chiffres:
    periode: Periode
    avec_synthetiques: bool
    total: Ligne
    partenaires: list[Ligne]
    departements: list[Ligne]

    @property
    def vide(self) -> bool:
        return not (self.total.ouvertes or self.total.closes or self.total.en_cours)


def bornes(periode: Periode) -> tuple[datetime, datetime]:
    fin = date(periode.au.year + periode.au.month // 12, periode.au.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(periode.du, time.min)),
        timezone.make_aware(datetime.combine(fin, time.min)),
    )


def calculer(
    filtre: Q, periode: Periode, *, avec_synthetiques: bool = False, aujourdhui: date | None = None
) -> Chiffres:
    aujourdhui = aujourdhui or timezone.localdate()
    base = Escalade.objects.filter(filtre)
    if not avec_synthetiques:
        base = base.filter(synthetique=False)
    debut, fin = bornes(periode)
    cles = ("partenaire_id", "departement_id")
    lignes: dict[tuple[int, int], Ligne] = {}

    def ligne(p, d) -> Ligne:
        if (p, d) not in lignes:
            lignes[(p, d)] = Ligne(cle=f"{p}:{d}", libelle="")
        return lignes[(p, d)]

    ouvertes = base.filter(ouverte_le__gte=debut, ouverte_le__lt=fin).order_by().values(*cles)
    for r in ouvertes.annotate(n=Count("pk")):
        ligne(r["partenaire_id"], r["departement_id"]).ouvertes += r["n"]

    closes = base.filter(statut__in=[Statut.RESOLUE, Statut.REJETEE], close_le__gte=debut, close_le__lt=fin)
    groupes = (
        closes.order_by().values(*cles, "jours_ouvres_reponse", "dans_les_temps").annotate(n=Count("pk"))
    )
    for r in groupes:
        li = ligne(r["partenaire_id"], r["departement_id"])
        li.closes += r["n"]
        if r["jours_ouvres_reponse"] is not None:
            li.delais[r["jours_ouvres_reponse"]] += r["n"]
        if r["dans_les_temps"] is not None:
            li.evaluees += r["n"]
            li.dans_les_temps += r["n"] if r["dans_les_temps"] else 0
    rejets = (
        closes.filter(statut=Statut.REJETEE).order_by().values(*cles, "motif_rejet").annotate(n=Count("pk"))
    )
    for r in rejets:
        ligne(r["partenaire_id"], r["departement_id"]).rejets[r["motif_rejet"]] += r["n"]

    en_cours = (
        base.ouvertes()
        .order_by()
        .values(*cles)
        .annotate(n=Count("pk"), retard=Count("pk", filter=Q(echeance__lt=aujourdhui)))
    )
    for r in en_cours:
        li = ligne(r["partenaire_id"], r["departement_id"])
        li.en_cours += r["n"]
        li.en_retard += r["retard"]

    noms_p = dict(Partenaire.objects.filter(pk__in={p for p, _ in lignes}).values_list("pk", "nom_court"))
    deps = {
        pk: f"{code} — {nom}"
        for pk, code, nom in Departement.objects.filter(pk__in={d for _, d in lignes}).values_list(
            "pk", "code", "nom"
        )
    }
    total = Ligne(cle="total", libelle="Total")
    par_p: dict[int, Ligne] = {}
    par_d: dict[int, Ligne] = {}
    for (p, d), li in lignes.items():
        total.ajouter(li)
        par_p.setdefault(p, Ligne(cle=str(p), libelle=noms_p.get(p, "?"))).ajouter(li)
        par_d.setdefault(d, Ligne(cle=str(d), libelle=deps.get(d, "?"))).ajouter(li)
    return Chiffres(
        periode=periode,
        avec_synthetiques=avec_synthetiques,
        total=total,
        partenaires=sorted(par_p.values(), key=lambda li: li.libelle.lower()),
        departements=sorted(par_d.values(), key=lambda li: li.libelle),
    )
