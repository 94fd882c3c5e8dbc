"""Évaluation d'un pilote (lecture seule) : le partenaire du pilote dans les France services couvertes,
comparé à des France services comparables hors pilote.

Sources : demandes = agrégats par France services (`activite.Agregat`, dimensions « partenaire » et « total ») ;
escalades = table `escalades.Escalade` (ouvertes pendant la période) ; agents = habilitations actives.

Méthode de comparaison (affichée sur la page, `METHODE`) : France services
1. hors de tout pilote du même partenaire (ni par département, ni par liste) ;
2. des mêmes régions que les France services du pilote ;
3. de même format (fixe, itinérante…) qu'au moins une France services du pilote ;
4. dont le volume total de demandes sur la période est du même ordre : entre la moitié du plus petit et le
   double du plus grand volume non nul des France services du pilote (sans demande : exclues).
Les indicateurs sont rapportés au volume (pour 1 000 demandes) pour comparer des groupes de tailles différentes.
"""

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum
from django.utils import timezone

from franceservices.activite.models import Agregat, Dimension
from franceservices.comptes.models import Habilitation, Role
from franceservices.escalades.models import Escalade, MotifRejet, Statut
from franceservices.partenaires.models import FormationPilote, Pilote
from franceservices.partenaires.pilotes import pilotes_evaluables  # noqa: F401 (utilisé par les vues)
from franceservices.structures.models import Structure
from franceservices.territoires.jours_ouvres import jours_ouvres_entre

from .escalades import centile_90
from .lecture import MOIS_MIN, Periode, _decaler, libelle_mois

METHODE = [
    "hors de tout pilote du même partenaire (ni par département, ni par liste) ;",
    "dans les mêmes régions que les France services du pilote ;",
    "de même format (fixe, itinérante…) qu'au moins une France services du pilote ;",
    "dont le volume total de demandes sur la période est du même ordre : entre la moitié du plus petit et "
    "le double du plus grand volume non nul des France services du pilote (les France services sans "
    "aucune demande sont exclues).",
]


def periode_par_defaut(pilote: Pilote, aujourdhui: date) -> Periode:
    """Du mois de début du pilote au mois de sa fin (ou au mois en cours), 60 mois au plus."""
    maximum = aujourdhui.replace(day=1)
    au = min(pilote.fin.replace(day=1), maximum) if pilote.fin else maximum
    du = max(pilote.debut.replace(day=1), MOIS_MIN)
    du = min(du, au)
    if Periode(du, au).nombre_de_mois > 60:
        du = _decaler(au, -59)
    return Periode(du, au)


@dataclass
class Indicateurs:
    libelle: str
    structures: int = 0
    demandes_partenaire: int = 0
    demandes_total: int = 0
    escalades: int = 0
    escalades_closes: int = 0
    delai_median: float | None = None
    delai_p90: int | None = None
    dans_les_delais: int = 0
    resolues: int = 0
    rejetees: int = 0
    rejets_par_motif: dict[str, int] = field(default_factory=dict)
    agents: int = 0
    agents_formes: int = 0

    @property
    def pour_mille(self) -> float | None:
        """Demandes du partenaire pour 1 000 demandes (tous partenaires)."""
        return (
            round(1000 * self.demandes_partenaire / self.demandes_total, 1) if self.demandes_total else None
        )

    @property
    def escalades_pour_mille(self) -> float | None:
        """Escalades pour 1 000 demandes du partenaire."""
        if not self.demandes_partenaire:
            return None
        return round(1000 * self.escalades / self.demandes_partenaire, 1)

    @property
    def part_dans_les_delais(self) -> float | None:
        return round(100 * self.dans_les_delais / self.escalades_closes, 1) if self.escalades_closes else None

    @property
    def part_formes(self) -> float | None:
        return round(100 * self.agents_formes / self.agents, 1) if self.agents else None


@dataclass
class Evaluation:
    pilote: Pilote
    periode: Periode
    avec_synthetique: bool
    pilote_ind: Indicateurs
    comparables: Indicateurs
    mois: list[dict]
    bornes_volume: tuple[int, int] | None

    @property
    def lignes(self) -> list[tuple[str, object, object]]:
        """(indicateur, pilote, comparables) : le tableau de la page et des exports."""
        p, c = self.pilote_ind, self.comparables
        lignes = [
            ("France services", p.structures, c.structures),
            (f"Demandes {self.pilote.partenaire.nom_court}", p.demandes_partenaire, c.demandes_partenaire),
            ("Demandes (tous partenaires)", p.demandes_total, c.demandes_total),
            (f"Demandes {self.pilote.partenaire.nom_court} pour 1 000 demandes", p.pour_mille, c.pour_mille),
            ("Escalades", p.escalades, c.escalades),
            (
                f"Escalades pour 1 000 demandes {self.pilote.partenaire.nom_court}",
                p.escalades_pour_mille,
                c.escalades_pour_mille,
            ),
            ("Escalades closes", p.escalades_closes, c.escalades_closes),
            ("Délai de réponse médian (jours ouvrés)", p.delai_median, c.delai_median),
            ("Délai de réponse, 90e centile (jours ouvrés)", p.delai_p90, c.delai_p90),
            ("Part des escalades closes dans les délais (%)", p.part_dans_les_delais, c.part_dans_les_delais),
            ("Escalades résolues", p.resolues, c.resolues),
            ("Escalades rejetées", p.rejetees, c.rejetees),
        ]
        for code, libelle in MotifRejet.choices:
            if p.rejets_par_motif.get(code) or c.rejets_par_motif.get(code):
                lignes.append(
                    (
                        f"— rejetées : {libelle}",
                        p.rejets_par_motif.get(code, 0),
                        c.rejets_par_motif.get(code, 0),
                    )
                )
        lignes += [
            ("Agents et responsables (habilitations actives)", p.agents, c.agents),
            ("Agents déclarés formés au pilote", p.agents_formes, ""),
            ("Part des agents formés (%)", p.part_formes, ""),
        ]
        return lignes


def _fin_exclue(periode: Periode) -> date:
    return _decaler(periode.au, 1)


def _agregats(structures, periode, avec_synthetique):
    qs = Agregat.objects.filter(structure_id__in=structures, mois__gte=periode.du, mois__lte=periode.au)
    if not avec_synthetique:
        qs = qs.filter(synthetique=False)
    return qs


def _volumes(structures, periode, avec_synthetique) -> dict[int, int]:
    lignes = (
        _agregats(structures, periode, avec_synthetique)
        .filter(dimension=Dimension.TOTAL)
        .values("structure_id")
        .annotate(n=Sum("nombre"))
    )
    return {li["structure_id"]: li["n"] for li in lignes}


def _par_mois(structures, periode, avec_synthetique, partenaire_id) -> dict[tuple[date, str], int]:
    lignes = (
        _agregats(structures, periode, avec_synthetique)
        .filter(Q(dimension=Dimension.TOTAL) | Q(dimension=Dimension.PARTENAIRE, valeur=str(partenaire_id)))
        .values("mois", "dimension")
        .annotate(n=Sum("nombre"))
    )
    return {(li["mois"], li["dimension"]): li["n"] for li in lignes}


def _escalades(ind: Indicateurs, structures, pilote, periode, avec_synthetique) -> None:
    qs = Escalade.objects.filter(
        partenaire_id=pilote.partenaire_id,
        structure_id__in=structures,
        ouverte_le__date__gte=periode.du,
        ouverte_le__date__lt=_fin_exclue(periode),
    ).select_related("departement")
    if not avec_synthetique:
        qs = qs.filter(synthetique=False)
    delais = []
    for e in qs.only(
        "statut", "motif_rejet", "ouverte_le", "close_le", "jours_ouvres_reponse", "dans_les_temps",
        "delai_jours_ouvres", "departement__code",
    ):  # fmt: skip
        ind.escalades += 1
        if e.statut not in (Statut.RESOLUE, Statut.REJETEE):
            continue
        ind.escalades_closes += 1
        if e.statut == Statut.RESOLUE:
            ind.resolues += 1
        else:
            ind.rejetees += 1
            ind.rejets_par_motif[e.motif_rejet] = ind.rejets_par_motif.get(e.motif_rejet, 0) + 1
        delai = e.jours_ouvres_reponse
        if delai is None and e.close_le is not None:
            delai = jours_ouvres_entre(
                timezone.localdate(e.ouverte_le), timezone.localdate(e.close_le), e.departement.code
            )
        if delai is not None:
            delais.append(delai)
        dans = e.dans_les_temps
        if dans is None and delai is not None:
            dans = delai <= e.delai_jours_ouvres
        if dans:
            ind.dans_les_delais += 1
    ind.delai_median = statistics.median(delais) if delais else None
    ind.delai_p90 = centile_90(Counter(delais))


def _agents(ind: Indicateurs, structures, pilote: Pilote | None, aujourdhui) -> None:
    habilitations = Habilitation.objects.actives(aujourdhui).filter(
        role__in=[Role.AGENT, Role.RESPONSABLE], structure_id__in=structures
    )
    agents = set(habilitations.values_list("utilisateur_id", flat=True))
    ind.agents = len(agents)
    if pilote is not None:
        ind.agents_formes = FormationPilote.objects.filter(
            pilote=pilote, agent_id__in=agents, formee_le__lte=aujourdhui
        ).count()


def structures_comparables(
    pilote: Pilote, structures_pilote: list[int], periode: Periode, avec_synthetique: bool
) -> tuple[list[int], tuple[int, int] | None]:
    couvertes_par_le_partenaire = set()
    for autre in Pilote.objects.filter(partenaire_id=pilote.partenaire_id):
        couvertes_par_le_partenaire |= set(autre.structures_couvertes().values_list("pk", flat=True))
    infos = Structure.objects.filter(pk__in=structures_pilote).values_list("departement__region_id", "format")
    regions = {r for r, _ in infos}
    formats = {f for _, f in infos}
    candidates = list(
        Structure.objects.filter(departement__region_id__in=regions, format__in=formats)
        .exclude(pk__in=couvertes_par_le_partenaire)
        .values_list("pk", flat=True)
    )
    volumes_pilote = [v for v in _volumes(structures_pilote, periode, avec_synthetique).values() if v > 0]
    volumes = _volumes(candidates, periode, avec_synthetique)
    if volumes_pilote:
        bas, haut = math.ceil(min(volumes_pilote) / 2), 2 * max(volumes_pilote)
    else:
        bas, haut = 1, max(volumes.values(), default=1)
    retenues = sorted(pk for pk, v in volumes.items() if v > 0 and bas <= v <= haut)
    return retenues, (bas, haut)


def evaluer(
    pilote: Pilote, periode: Periode, *, avec_synthetique: bool = False, aujourdhui: date | None = None
) -> Evaluation:
    aujourdhui = aujourdhui or timezone.localdate()
    structures = sorted(pilote.structures_couvertes().values_list("pk", flat=True))
    comparables, bornes = structures_comparables(pilote, structures, periode, avec_synthetique)
    groupes = []
    for libelle, ids, avec_formation in (
        ("France services du pilote", structures, True),
        ("France services comparables hors pilote", comparables, False),
    ):
        ind = Indicateurs(libelle=libelle, structures=len(ids))
        comptes = _par_mois(ids, periode, avec_synthetique, pilote.partenaire_id)
        ind.demandes_total = sum(n for (_, dim), n in comptes.items() if dim == Dimension.TOTAL)
        ind.demandes_partenaire = sum(n for (_, dim), n in comptes.items() if dim == Dimension.PARTENAIRE)
        _escalades(ind, ids, pilote, periode, avec_synthetique)
        _agents(ind, ids, pilote if avec_formation else None, aujourdhui)
        groupes.append((ind, comptes))
    (p, comptes_p), (c, comptes_c) = groupes
    mois = [
        {
            "mois": m,
            "libelle": libelle_mois(m),
            "pilote_partenaire": comptes_p.get((m, Dimension.PARTENAIRE), 0),
            "pilote_total": comptes_p.get((m, Dimension.TOTAL), 0),
            "comparables_partenaire": comptes_c.get((m, Dimension.PARTENAIRE), 0),
            "comparables_total": comptes_c.get((m, Dimension.TOTAL), 0),
        }
        for m in periode.mois
    ]
    return Evaluation(pilote, periode, avec_synthetique, p, c, mois, bornes)
