"""Lecture des statistiques d'activité : portées, périodes et tableau de bord.

Deux façons de calculer les mêmes chiffres :
- `tableau_de_bord` lit les agrégats (`Agregat` pour une France services, `AgregatDepartement` pour un
  département, une région ou la France entière) : cinq à huit requêtes, groupées par la base (une centaine
  de lignes lues, quel que soit le volume) ;
- `tableau_de_bord_depuis_les_demandes` relit les lignes brutes (`Demande` non annulées) une à une :
  c'est la référence naïve (tests de propriétés, mesures).
Les deux passent par `_construire`, qui ne connaît que des comptes {(dimension, valeur): (nombre, durée)}.

Cette application lit et n'écrit rien (sauf le journal d'audit des exports, dans `views.py`).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Case, IntegerField, Sum, Value, When
from django.http import Http404

from franceservices.activite.agregats import valeurs_de
from franceservices.activite.models import (
    ISSUES_TRAITEES_SUR_PLACE,
    Agregat,
    AgregatDepartement,
    Autonomie,
    Canal,
    Demande,
    Demarche,
    Dimension,
    Issue,
    Niveau,
    Origine,
    Sexe,
    Theme,
    TrancheAge,
)
from franceservices.comptes.perimetre import perimetre_de
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune, Departement, Region

NIVEAUX = ("structure", "departement", "region", "national")
MOIS_MIN = date(2019, 1, 1)  # création du programme France services
DUREE_MAX_MOIS = 60
TOP_COMMUNES = 20
TOP_DEMARCHES = 15
MOIS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


# — Portées —


@dataclass(frozen=True)
class Portee:
    """Ce sur quoi porte un tableau de bord : une France services, un département, une région ou la France.

    `partenaire` (id) restreint aux demandes d'un partenaire : c'est la portée d'un référent partenaire,
    qui ne voit que les volumes de son partenaire dans ses départements."""

    niveau: str
    id: int | None = None
    libelle: str = field(default="", compare=False)
    partenaire: int | None = None

    def __post_init__(self):
        if self.niveau not in NIVEAUX:
            raise ValueError(f"Niveau inconnu : {self.niveau!r} (attendu : {', '.join(NIVEAUX)})")
        if (self.niveau == "national") != (self.id is None):
            raise ValueError("Seule la portée nationale n'a pas d'identifiant.")

    @property
    def cle(self) -> str:
        suffixe = f"-p{self.partenaire}" if self.partenaire else ""
        return f"{self.niveau}-{self.id or ''}{suffixe}"

    @property
    def parametres(self) -> dict:
        """Paramètres d'URL qui désignent cette portée."""
        p = {"niveau": self.niveau}
        if self.id is not None:
            p["id"] = self.id
        if self.partenaire:
            p["partenaire"] = self.partenaire
        return p

    def filtre_demandes(self) -> dict:
        filtre = {
            "structure": {"structure_id": self.id},
            "departement": {"structure__departement_id": self.id},
            "region": {"structure__departement__region_id": self.id},
            "national": {},
        }[self.niveau]
        if self.partenaire:
            filtre["partenaire_id"] = self.partenaire
        return filtre

    def filtre_agregats(self) -> tuple[type, dict]:
        """(modèle d'agrégats, filtre) : les agrégats par France services pour une France services, par
        département au-dessus (une région ou la France entière se lisent en quelques centaines de lignes)."""
        if self.niveau == "structure":
            return Agregat, {"structure_id": self.id}
        return AgregatDepartement, {
            "departement": {"departement_id": self.id},
            "region": {"departement__region_id": self.id},
            "national": {},
        }[self.niveau]


def _portee_structure(s) -> Portee:
    return Portee("structure", s.pk, f"{s.nom} ({s.departement.code})")


def _portee_departement(d, partenaire=None) -> Portee:
    if partenaire is not None:
        return Portee("departement", d.pk, f"{partenaire.nom_court} — {d.nom} ({d.code})", partenaire.pk)
    return Portee("departement", d.pk, f"{d.nom} ({d.code})")


def portees_de(user, *, structures_nationales: bool = True) -> list[Portee]:
    """Les portées que la personne peut consulter, la plus large d'abord.

    Équipe nationale : `structures_nationales=False` omet les quelque 2 700 France services (sélecteur)."""
    perimetre = perimetre_de(user)
    if perimetre.national:
        portees = [Portee("national", None, "France entière")]
        portees += [Portee("region", r.pk, r.nom) for r in Region.objects.order_by("nom")]
        portees += [_portee_departement(d) for d in Departement.objects.order_by("code")]
        if not structures_nationales:
            return portees
        structures = Structure.objects.select_related("departement").order_by("departement__code", "nom")
        return portees + [_portee_structure(s) for s in structures]
    portees = []
    territoire = perimetre.departements_animateur | perimetre.departements_prefecture
    if territoire:
        portees += [
            _portee_departement(d) for d in Departement.objects.filter(pk__in=territoire).order_by("code")
        ]
    if perimetre.partenaires:
        deps = Departement.objects.in_bulk({d for _, d in perimetre.partenaires if d is not None})
        parts = Partenaire.objects.in_bulk({p for p, _ in perimetre.partenaires})
        for partenaire_id, departement_id in sorted(perimetre.partenaires, key=lambda c: (c[0], c[1] or 0)):
            if departement_id is None:  # référent national du partenaire
                nom = parts[partenaire_id].nom_court
                portees.append(Portee("national", None, f"{nom} — France entière", partenaire_id))
            elif departement_id not in territoire:
                portees.append(_portee_departement(deps[departement_id], parts[partenaire_id]))
    ids = set(perimetre.structures)
    if territoire:
        ids |= set(Structure.objects.filter(departement_id__in=territoire).values_list("pk", flat=True))
    if ids:
        structures = Structure.objects.filter(pk__in=ids).select_related("departement")
        portees += [_portee_structure(s) for s in structures.order_by("departement__code", "nom")]
    return portees


def portee_demandee(user, niveau: str | None, id_, partenaire=None, *, portees=None) -> Portee:
    """La portée demandée (paramètres d'URL), si elle est dans le périmètre ; sinon 404.

    Sans paramètre : la première portée de la personne (sa France services, son département…).
    `portees` : celles de `portees_de(user, structures_nationales=False)` si l'appelant les a déjà lues."""
    if niveau == "structure" and perimetre_de(user).national and not partenaire:
        # Équipe nationale : toute France services, lue directement (sans lister les 2 700).
        try:
            s = Structure.objects.select_related("departement").get(pk=int(id_))
        except (TypeError, ValueError, Structure.DoesNotExist):
            raise Http404("France services introuvable.") from None
        return _portee_structure(s)
    if portees is None:
        portees = portees_de(user, structures_nationales=False)
    if not portees:
        raise Http404("Aucun tableau de bord dans votre périmètre.")
    if not niveau:
        return portees[0]
    try:
        demandee = Portee(
            niveau,
            None if niveau == "national" else int(id_),
            partenaire=int(partenaire) if partenaire else None,
        )
    except (TypeError, ValueError):
        raise Http404("Portée inconnue.") from None
    for portee in portees:
        if portee == demandee:
            return portee
    raise Http404("Cette portée n'est pas dans votre périmètre.")


# — Périodes —


def _decaler(mois: date, n: int) -> date:
    total = mois.year * 12 + mois.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def libelle_mois(mois: date) -> str:
    return f"{MOIS_FR[mois.month - 1]} {mois.year}"


class PeriodeInvalide(ValueError):
    pass


@dataclass(frozen=True)
class Periode:
    """Des mois entiers, `du` et `au` inclus (dates au 1er du mois)."""

    du: date
    au: date

    def __post_init__(self):
        object.__setattr__(self, "du", self.du.replace(day=1))
        object.__setattr__(self, "au", self.au.replace(day=1))
        if self.du > self.au:
            raise PeriodeInvalide("Le mois de début doit précéder le mois de fin (ou lui être égal).")

    @property
    def nombre_de_mois(self) -> int:
        return (self.au.year - self.du.year) * 12 + self.au.month - self.du.month + 1

    def precedente(self) -> Periode:
        """La période de même durée qui précède immédiatement."""
        n = self.nombre_de_mois
        return Periode(_decaler(self.du, -n), _decaler(self.du, -1))

    @property
    def mois(self) -> list[date]:
        return [_decaler(self.du, i) for i in range(self.nombre_de_mois)]

    @property
    def jours(self) -> list[date]:
        """Les jours du mois (période d'un seul mois)."""
        dernier = calendar.monthrange(self.du.year, self.du.month)[1]
        return [self.du.replace(day=j) for j in range(1, dernier + 1)]

    @property
    def un_seul_mois(self) -> bool:
        return self.du == self.au

    @property
    def libelle(self) -> str:
        if self.un_seul_mois:
            return libelle_mois(self.du)
        return f"de {libelle_mois(self.du)} à {libelle_mois(self.au)}"

    @property
    def parametres(self) -> dict:
        return {"du": f"{self.du:%Y-%m}", "au": f"{self.au:%Y-%m}"}

    # Préréglages (« aujourd'hui » passé en paramètre : testable).

    @classmethod
    def dernier_mois(cls, aujourdhui: date) -> Periode:
        m = _decaler(aujourdhui.replace(day=1), -1)
        return cls(m, m)

    @classmethod
    def trois_derniers_mois(cls, aujourdhui: date) -> Periode:
        m = aujourdhui.replace(day=1)
        return cls(_decaler(m, -3), _decaler(m, -1))

    @classmethod
    def annee_en_cours(cls, aujourdhui: date) -> Periode:
        return cls(date(aujourdhui.year, 1, 1), aujourdhui.replace(day=1))

    @classmethod
    def douze_derniers_mois(cls, aujourdhui: date) -> Periode:
        m = aujourdhui.replace(day=1)
        return cls(_decaler(m, -12), _decaler(m, -1))

    @classmethod
    def depuis_textes(cls, du: str, au: str, aujourdhui: date) -> Periode:
        """Période choisie librement (« AAAA-MM »), validée : format, ordre, bornes."""
        debut, fin = _lire_mois(du, "début"), _lire_mois(au, "fin")
        maximum = aujourdhui.replace(day=1)
        for nom, m in (("début", debut), ("fin", fin)):
            if m < MOIS_MIN:
                raise PeriodeInvalide(f"Le mois de {nom} ne peut pas précéder {libelle_mois(MOIS_MIN)}.")
            if m > maximum:
                raise PeriodeInvalide(f"Le mois de {nom} ne peut pas être après le mois en cours.")
        if debut > fin:
            raise PeriodeInvalide("Le mois de début doit précéder le mois de fin (ou lui être égal).")
        periode = cls(debut, fin)
        if periode.nombre_de_mois > DUREE_MAX_MOIS:
            raise PeriodeInvalide(f"La période ne peut pas dépasser {DUREE_MAX_MOIS} mois.")
        return periode


PREREGLAGES = {
    "annee": ("Année en cours", Periode.annee_en_cours),
    "mois": ("Dernier mois complet", Periode.dernier_mois),
    "3mois": ("3 derniers mois", Periode.trois_derniers_mois),
    "12mois": ("12 derniers mois", Periode.douze_derniers_mois),
}


def _lire_mois(texte: str, nom: str) -> date:
    try:
        annee, mois = texte.split("-")
        if len(annee) != 4 or len(mois) != 2:
            raise ValueError
        return date(int(annee), int(mois), 1)
    except (ValueError, AttributeError):
        raise PeriodeInvalide(
            f"Le mois de {nom} doit être au format AAAA-MM (par exemple 2026-03)."
        ) from None


# — Tableau de bord —


@dataclass
class Ligne:
    cle: str
    libelle: str
    nombre: int
    duree: int = 0
    precedent: int = 0
    part: float | None = None  # % du total du tableau

    @property
    def evolution(self) -> float | None:
        """Évolution en % par rapport à la période précédente (None si elle était nulle)."""
        if not self.precedent:
            return None
        return round((self.nombre - self.precedent) * 100 / self.precedent, 1)


@dataclass
class Tableau:
    nom: str
    titre: str
    lignes: list[Ligne]
    definition: str = field(default="", compare=False)
    source: str = field(default="", compare=False)
    requete: str = field(default="", compare=False)
    colonne: str = field(default="Valeur", compare=False)

    @property
    def total(self) -> int:
        return sum(ligne.nombre for ligne in self.lignes)

    @property
    def maximum(self) -> int:
        return max((ligne.nombre for ligne in self.lignes), default=0)


@dataclass
class TableauDeBord:
    portee: Portee
    periode: Periode
    avec_synthetique: bool
    total: int
    total_precedent: int
    duree_totale: int
    duree_totale_precedente: int
    traitees_sur_place: int
    traitees_sur_place_precedent: int
    synthetiques: int  # demandes synthétiques de la période (incluses ou non)
    tableaux: dict[str, Tableau]
    source: str = field(default="", compare=False)

    @property
    def precedente(self) -> Periode:
        return self.periode.precedente()

    @property
    def duree_moyenne(self) -> float | None:
        return round(self.duree_totale / self.total, 1) if self.total else None

    @property
    def duree_moyenne_precedente(self) -> float | None:
        return round(self.duree_totale_precedente / self.total_precedent, 1) if self.total_precedent else None

    @property
    def part_traitee_sur_place(self) -> float | None:
        return round(self.traitees_sur_place * 100 / self.total, 1) if self.total else None

    @property
    def part_traitee_sur_place_precedente(self) -> float | None:
        if not self.total_precedent:
            return None
        return round(self.traitees_sur_place_precedent * 100 / self.total_precedent, 1)

    @property
    def evolution(self) -> float | None:
        return Ligne("", "", self.total, precedent=self.total_precedent).evolution

    @property
    def synthetiques_inclus(self) -> bool:
        return self.avec_synthetique and self.synthetiques > 0

    @property
    def filtres(self) -> str:
        texte = f"Portée : {self.portee.libelle} ; période : {self.periode.libelle}"
        texte += f" (comparée à : {self.precedente.libelle}) ; demandes annulées exclues ; "
        texte += "demandes synthétiques (démonstration) " + (
            "incluses" if self.avec_synthetique else "exclues"
        )
        return texte

    def chiffres(self) -> dict:
        """Tous les chiffres, sans les textes d'explication (comparaison des deux calculs)."""
        return {
            "total": (self.total, self.total_precedent),
            "duree": (self.duree_totale, self.duree_totale_precedente),
            "sur_place": (self.traitees_sur_place, self.traitees_sur_place_precedent),
            "synthetiques": self.synthetiques,
            **{
                nom: [(li.cle, li.libelle, li.nombre, li.duree, li.precedent) for li in t.lignes]
                for nom, t in self.tableaux.items()
            },
        }


# Dimensions à choix : (nom du tableau, titre, choix, définition).
NON_RENSEIGNE = "Non renseigné"
CHOIX = {
    Dimension.CANAL: ("Canal", Canal, "Par quel canal l'usager a été accueilli."),
    Dimension.THEME: ("Thème", Theme, "Thème de service-public.fr de la demande."),
    Dimension.NIVEAU: ("Niveau d'aide", Niveau, "Ce que l'agent a fait : information, accompagnement…"),
    Dimension.ISSUE: (
        "Issue",
        Issue,
        "Issue de la demande. « Traitée sur place » regroupe : "
        + ", ".join(str(Issue(i).label).lower() for i in sorted(ISSUES_TRAITEES_SUR_PLACE))
        + ".",
    ),
    Dimension.TRANCHE_AGE: ("Tranche d'âge", TrancheAge, "Tranche d'âge déclarée de l'usager (facultatif)."),
    Dimension.SEXE: ("Sexe", Sexe, "Sexe déclaré de l'usager (facultatif)."),
    Dimension.AUTONOMIE: (
        "Autonomie numérique",
        Autonomie,
        "Autonomie numérique de l'usager estimée par l'agent (facultatif).",
    ),
}
DIMENSIONS_LUES = [
    Dimension.TOTAL,
    Dimension.PARTENAIRE,
    Dimension.THEME,
    Dimension.DEMARCHE,
    Dimension.CANAL,
    Dimension.NIVEAU,
    Dimension.ISSUE,
    Dimension.TRANCHE_AGE,
    Dimension.SEXE,
    Dimension.AUTONOMIE,
    Dimension.PREMIERE_VISITE,
    Dimension.COMMUNE,
]


@dataclass
class Comptes:
    """Ce que les deux sources fournissent à `_construire`."""

    courant: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # (dim, val) → [n, d]
    precedent: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    synthetiques: int = 0
    tendance: dict = field(default_factory=lambda: defaultdict(int))  # mois ou jour → n
    tendance_precedente: dict = field(default_factory=lambda: defaultdict(int))
    repartition: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # sous-porteur → [n, prec]
    # Communes, démarches lues seulement en tête de classement : dimension → (nombre de valeurs renseignées,
    # sommes de leurs nombres, durées, nombres de la période précédente). Absent : toutes les valeurs sont là.
    classements: dict = field(default_factory=dict)


def _nom_table(modele) -> str:
    return modele._meta.db_table


def _filtre_sql(portee: Portee, periode: Periode, avec_synthetique: bool, table: str) -> str:
    porteur = {
        "structure": f"structure_id = {portee.id}",
        "departement": f"departement_id = {portee.id}",
        "region": f"departement_id IN (départements de la région {portee.id})",
        "national": "",
    }[portee.niveau]
    conditions = [c for c in (porteur,) if c]
    conditions.append(f"mois BETWEEN '{periode.du:%Y-%m-%d}' AND '{periode.au:%Y-%m-%d}'")
    if not avec_synthetique:
        conditions.append("synthetique = false")
    return " AND ".join(conditions)


def _explication(tableau: Tableau, portee: Portee, periode: Periode, avec_synthetique: bool, modele, dim):
    table = _nom_table(modele)
    filtre = _filtre_sql(portee, periode, avec_synthetique, table)
    if portee.partenaire and dim != Dimension.PARTENAIRE:
        tableau.source = f"Table {table}, dimension « partenaire », valeur {portee.partenaire}"
        valeur = f" AND valeur = '{portee.partenaire}'"
        tableau.requete = f"SELECT mois, SUM(nombre) FROM {table} WHERE dimension = 'partenaire'{valeur} AND {filtre} GROUP BY mois"
    else:
        tableau.source = f"Table {table}, dimension « {dim} »"
        tableau.requete = (
            f"SELECT valeur, SUM(nombre), SUM(duree) FROM {table} "
            f"WHERE dimension = '{dim}' AND {filtre} GROUP BY valeur ORDER BY SUM(nombre) DESC"
        )


def _lignes_choix(comptes: Comptes, dim, choix) -> list[Ligne]:
    lignes = []
    for valeur, libelle in [*choix.choices, ("", NON_RENSEIGNE)]:
        n, d = comptes.courant.get((str(dim), valeur), (0, 0))
        p = comptes.precedent.get((str(dim), valeur), (0, 0))[0]
        if valeur == "" and not n and not p:
            continue
        lignes.append(Ligne(valeur, str(libelle), n, d, p))
    return lignes


def _valeurs(comptes: Comptes, dim) -> set[str]:
    dim = str(dim)
    return {v for (d, v), (n, _) in [*comptes.courant.items(), *comptes.precedent.items()] if d == dim and n}


def _lignes_par_id(comptes: Comptes, dim, libelles: dict, vide: str) -> list[Ligne]:
    lignes = []
    for valeur in _valeurs(comptes, dim):
        n, d = comptes.courant.get((str(dim), valeur), (0, 0))
        p = comptes.precedent.get((str(dim), valeur), (0, 0))[0]
        libelle = vide if valeur == "" else libelles.get(valeur, f"n° {valeur}")
        lignes.append(Ligne(valeur, libelle, n, d, p))
    lignes.sort(key=lambda li: (-li.nombre, -li.precedent, li.libelle, li.cle))
    return lignes


def _avec(qs, relations):
    return qs.select_related(*relations) if relations else qs


def _libelles(modele, ids: set[str], libelle, relations=()) -> dict[str, str]:
    """Libellés des ids (texte) en une requête."""
    ids = {int(i) for i in ids if i.isdigit()}
    if not ids:
        return {}
    return {str(o.pk): libelle(o) for o in _avec(modele.objects.filter(pk__in=ids), relations)}


def _avec_parts(tableau: Tableau, total: int) -> Tableau:
    for ligne in tableau.lignes:
        ligne.part = round(ligne.nombre * 100 / total, 1) if total else None
    return tableau


def _construire(
    portee: Portee, periode: Periode, avec_synthetique: bool, comptes: Comptes, modele
) -> TableauDeBord:
    total = comptes.courant.get((Dimension.TOTAL.value, ""), (0, 0))
    precedent = comptes.precedent.get((Dimension.TOTAL.value, ""), (0, 0))
    sur_place = sum(comptes.courant.get(("issue", str(i)), (0, 0))[0] for i in ISSUES_TRAITEES_SUR_PLACE)
    sur_place_prec = sum(
        comptes.precedent.get(("issue", str(i)), (0, 0))[0] for i in ISSUES_TRAITEES_SUR_PLACE
    )
    tableaux: dict[str, Tableau] = {}

    def ajouter(tableau: Tableau, dim, definition: str):
        tableau.definition = definition
        _explication(tableau, portee, periode, avec_synthetique, modele, dim)
        tableaux[tableau.nom] = _avec_parts(tableau, total[0])

    # Tendance : par mois, ou par jour si la période est un seul mois (alignée sur la période précédente).
    if par_jour(portee, periode):
        cles, cles_prec = periode.jours, periode.precedente().jours
        libelle, dim_tendance = (lambda j: f"{j:%d/%m/%Y}"), Dimension.JOUR
    else:
        cles, cles_prec = periode.mois, periode.precedente().mois
        libelle, dim_tendance = (lambda m: f"{m:%m/%Y}"), Dimension.TOTAL
    lignes = []
    for i, cle in enumerate(cles):
        prec = comptes.tendance_precedente.get(cles_prec[i], 0) if i < len(cles_prec) else 0
        lignes.append(Ligne(cle.isoformat(), libelle(cle), comptes.tendance.get(cle, 0), 0, prec))
    tendance = Tableau(
        "tendance",
        "Évolution par jour" if dim_tendance == Dimension.JOUR else "Évolution par mois",
        lignes,
        colonne="Jour" if dim_tendance == Dimension.JOUR else "Mois",
    )
    ajouter(
        tendance,
        dim_tendance,
        "Nombre de demandes enregistrées chaque "
        + ("jour" if dim_tendance == Dimension.JOUR else "mois")
        + " ; la colonne « période précédente » aligne le "
        + (
            "même jour du mois précédent."
            if dim_tendance == Dimension.JOUR
            else "mois de même rang de la période précédente."
        ),
    )

    if portee.partenaire:
        # Référent partenaire : uniquement les volumes de son partenaire, par France services.
        structures = {
            str(s.pk): s.nom for s in Structure.objects.filter(pk__in=[int(k) for k in comptes.repartition])
        }
        lignes = [
            Ligne(k, structures.get(k, k), n, 0, p)
            for k, (n, p) in sorted(
                comptes.repartition.items(), key=lambda kv: (-kv[1][0], structures.get(kv[0], ""))
            )
        ]
        t = Tableau("repartition", "Par France services", lignes, colonne="France services")
        ajouter(
            t,
            Dimension.PARTENAIRE,
            "Demandes de votre partenaire enregistrées par chaque France services du département.",
        )
        t.source = f"Table {_nom_table(Agregat)}, dimension « partenaire », valeur {portee.partenaire}"
        t.requete = (
            f"SELECT structure_id, SUM(nombre) FROM {_nom_table(Agregat)} WHERE dimension = 'partenaire' "
            f"AND valeur = '{portee.partenaire}' AND structure_id IN (France services du département {portee.id}) "
            f"AND mois BETWEEN '{periode.du}' AND '{periode.au}' GROUP BY structure_id"
        )
        return _tableau(
            portee,
            periode,
            avec_synthetique,
            comptes,
            total,
            precedent,
            sur_place,
            sur_place_prec,
            tableaux,
            modele,
        )

    partenaires = _libelles(Partenaire, _valeurs(comptes, Dimension.PARTENAIRE), lambda p: p.nom_court)
    ajouter(
        Tableau(
            "partenaire",
            "Par partenaire",
            _lignes_par_id(comptes, Dimension.PARTENAIRE, partenaires, "Autre partenaire (local)"),
            colonne="Partenaire",
        ),
        Dimension.PARTENAIRE,
        "Partenaire national concerné par la demande ; « autre partenaire » regroupe les partenaires locaux.",
    )
    for dim in (Dimension.THEME, Dimension.CANAL, Dimension.NIVEAU, Dimension.ISSUE):
        titre, choix, definition = CHOIX[dim]
        ajouter(Tableau(str(dim), titre, _lignes_choix(comptes, dim, choix), colonne=titre), dim, definition)

    # Démarches : les 15 plus fréquentes (demandes sans démarche précisée exclues du classement).
    ids = _valeurs(comptes, Dimension.DEMARCHE) - {""}
    libelles = _libelles(Demarche, ids, lambda d: f"{d.libelle} ({d.partenaire.nom_court})", ["partenaire"])
    lignes = [li for li in _lignes_par_id(comptes, Dimension.DEMARCHE, libelles, "") if li.cle][
        :TOP_DEMARCHES
    ]
    ajouter(
        Tableau("demarche", f"Les {TOP_DEMARCHES} démarches les plus fréquentes", lignes, colonne="Démarche"),
        Dimension.DEMARCHE,
        f"Démarches du catalogue les plus souvent choisies ({TOP_DEMARCHES} au plus) ; les demandes sans "
        "démarche précisée ne sont pas classées. La part est calculée sur toutes les demandes.",
    )

    for dim in (Dimension.TRANCHE_AGE, Dimension.SEXE, Dimension.AUTONOMIE):
        titre, choix, definition = CHOIX[dim]
        ajouter(Tableau(str(dim), titre, _lignes_choix(comptes, dim, choix), colonne=titre), dim, definition)

    lignes = []
    for valeur, libelle in (("oui", "Oui"), ("non", "Non"), ("", NON_RENSEIGNE)):
        n, d = comptes.courant.get(("premiere_visite", valeur), (0, 0))
        p = comptes.precedent.get(("premiere_visite", valeur), (0, 0))[0]
        if valeur or n or p:
            lignes.append(Ligne(valeur, libelle, n, d, p))
    ajouter(
        Tableau("premiere_visite", "Première visite", lignes, colonne="Première visite"),
        Dimension.PREMIERE_VISITE,
        "L'usager venait-il pour la première fois dans cette France services ? (facultatif)",
    )

    # Communes de résidence : les 20 premières, puis « autres communes » et « non renseignée ».
    toutes = [li for li in _lignes_par_id(comptes, Dimension.COMMUNE, {}, NON_RENSEIGNE) if li.cle]
    premieres = toutes[:TOP_COMMUNES]
    noms = _libelles(Commune, {li.cle for li in premieres}, lambda c: f"{c.nom} ({c.code_insee})")
    for li in premieres:
        li.libelle = noms.get(li.cle, li.libelle)
    if Dimension.COMMUNE.value in comptes.classements:
        nb, sn, sd, sp = comptes.classements[Dimension.COMMUNE.value]
        autres = (
            nb - len(premieres),
            sn - sum(li.nombre for li in premieres),
            sd - sum(li.duree for li in premieres),
            sp - sum(li.precedent for li in premieres),
        )
    else:
        reste = toutes[TOP_COMMUNES:]
        autres = (
            len(reste),
            sum(li.nombre for li in reste),
            sum(li.duree for li in reste),
            sum(li.precedent for li in reste),
        )
    if autres[0]:
        premieres.append(Ligne("autres", f"Autres communes ({autres[0]})", *autres[1:]))
    n, d = comptes.courant.get(("commune", ""), (0, 0))
    p = comptes.precedent.get(("commune", ""), (0, 0))[0]
    if n or p:
        premieres.append(Ligne("", "Non renseignée", n, d, p))
    ajouter(
        Tableau("commune", "Commune de résidence", premieres, colonne="Commune"),
        Dimension.COMMUNE,
        f"Commune de résidence déclarée de l'usager : les {TOP_COMMUNES} plus fréquentes, puis les autres "
        "regroupées.",
    )

    if comptes.repartition:
        sous = {"departement": "France services", "region": "Département", "national": "Région"}[
            portee.niveau
        ]
        if portee.niveau == "departement":
            noms = {
                str(s.pk): s.nom
                for s in Structure.objects.filter(pk__in=[int(k) for k in comptes.repartition])
            }
        elif portee.niveau == "region":
            noms = {
                str(d.pk): str(d)
                for d in Departement.objects.filter(pk__in=[int(k) for k in comptes.repartition])
            }
        else:
            noms = {
                str(r.pk): r.nom for r in Region.objects.filter(pk__in=[int(k) for k in comptes.repartition])
            }
        lignes = [
            Ligne(k, noms.get(k, k), n, 0, p)
            for k, (n, p) in sorted(
                comptes.repartition.items(), key=lambda kv: (-kv[1][0], noms.get(kv[0], ""))
            )
        ]
        t = Tableau(
            "repartition",
            f"Par {sous.lower() if sous != 'France services' else 'France services'}",
            lignes,
            colonne=sous,
        )
        ajouter(
            t,
            Dimension.TOTAL,
            f"Nombre de demandes de chaque {sous.lower() if sous != 'France services' else 'France services'} de la portée.",
        )
        if portee.niveau == "departement":
            t.source = f"Table {_nom_table(Agregat)}, dimension « total »"
            t.requete = (
                f"SELECT structure_id, SUM(nombre) FROM {_nom_table(Agregat)} WHERE dimension = 'total' "
                f"AND structure_id IN (France services du département {portee.id}) "
                f"AND mois BETWEEN '{periode.du}' AND '{periode.au}' GROUP BY structure_id"
            )

    return _tableau(
        portee,
        periode,
        avec_synthetique,
        comptes,
        total,
        precedent,
        sur_place,
        sur_place_prec,
        tableaux,
        modele,
    )


def _tableau(
    portee, periode, avec_synthetique, comptes, total, precedent, sur_place, sur_place_prec, tableaux, modele
):
    return TableauDeBord(
        portee=portee,
        periode=periode,
        avec_synthetique=avec_synthetique,
        total=total[0],
        total_precedent=precedent[0],
        duree_totale=total[1],
        duree_totale_precedente=precedent[1],
        traitees_sur_place=sur_place,
        traitees_sur_place_precedent=sur_place_prec,
        synthetiques=comptes.synthetiques,
        tableaux=tableaux,
        source=f"Table {_nom_table(modele)}",
    )


def par_jour(portee: Portee, periode: Periode) -> bool:
    """Tendance par jour : période d'un seul mois (sauf référent partenaire, dont on ne tient que les mois)."""
    return periode.un_seul_mois and not portee.partenaire


def _sous_porteur(portee: Portee) -> tuple[type, str, dict] | None:
    """Pour la répartition : (modèle, champ du sous-porteur, filtre)."""
    if portee.partenaire:
        return Agregat, "structure_id", {"structure__departement_id": portee.id}
    return {
        "departement": (Agregat, "structure_id", {"structure__departement_id": portee.id}),
        "region": (AgregatDepartement, "departement_id", {"departement__region_id": portee.id}),
        "national": (AgregatDepartement, "departement__region_id", {}),
    }.get(portee.niveau)


CLASSEMENTS = {Dimension.COMMUNE.value: TOP_COMMUNES, Dimension.DEMARCHE.value: TOP_DEMARCHES}


def _porteur_sql(portee: Portee) -> tuple[str, dict]:
    if portee.niveau == "structure":
        return " AND structure_id = %(porteur)s", {"porteur": portee.id}
    if portee.niveau == "departement":
        return " AND departement_id = %(porteur)s", {"porteur": portee.id}
    if portee.niveau == "region":
        table = _nom_table(Departement)
        return f" AND departement_id IN (SELECT id FROM {table} WHERE region_id = %(porteur)s)", {
            "porteur": portee.id
        }
    return "", {}


def _lire_dimensions(modele, portee: Portee, periode: Periode, avec_synthetique: bool, comptes: Comptes):
    """Les dimensions des deux périodes (sauf le total, lu à part avec les synthétiques) en une requête,
    regroupées par la base (dimension, valeur).

    Communes et démarches : seulement les valeurs en tête du classement (celles dont (nombre, nombre
    précédent) atteint celui de la N-ième, ex æquo compris : l'ordre final, qui départage par libellé, est
    fait en Python) et, pour l'ensemble des valeurs renseignées, leur nombre et leurs sommes
    (`Comptes.classements`, pour « autres communes »). La France entière renvoie ainsi une centaine de
    lignes au lieu de ~55 000. Sommes en entiers (`CAST … AS INTEGER` : sur PostgreSQL, la somme d'un
    bigint passe par numeric, deux fois plus lente) ; chaque ligne d'agrégat tient dans un entier."""
    porteur, params_porteur = _porteur_sql(portee)
    garde = "" if avec_synthetique else " AND NOT synthetique"
    dimensions = [str(d) for d in DIMENSIONS_LUES if d != Dimension.TOTAL]
    (commune, top_communes), (demarche, top_demarches) = CLASSEMENTS.items()
    nombre, duree = "CAST(nombre AS INTEGER)", "CAST(duree AS INTEGER)"
    dans = ", ".join(f"%(dim{i})s" for i in range(len(dimensions)))
    sql = f"""
        WITH g AS (
            SELECT dimension, valeur,
                SUM(CASE WHEN mois >= %(du)s{garde} THEN {nombre} ELSE 0 END) AS n,
                SUM(CASE WHEN mois >= %(du)s{garde} THEN {duree} ELSE 0 END) AS d,
                SUM(CASE WHEN mois < %(du)s{garde} THEN {nombre} ELSE 0 END) AS p
            FROM {_nom_table(modele)}
            WHERE mois >= %(debut)s AND mois <= %(au)s AND dimension IN ({dans}){porteur}
            GROUP BY dimension, valeur
        ), v AS (
            SELECT * FROM g WHERE n <> 0 OR p <> 0
        ), seuils AS (
            SELECT %(commune)s AS dimension, t.n, t.p FROM (
                SELECT n, p FROM v WHERE dimension = %(commune)s AND valeur <> ''
                ORDER BY n DESC, p DESC LIMIT 1 OFFSET %(rang_communes)s
            ) t
            UNION ALL
            SELECT %(demarche)s, t.n, t.p FROM (
                SELECT n, p FROM v WHERE dimension = %(demarche)s AND valeur <> ''
                ORDER BY n DESC, p DESC LIMIT 1 OFFSET %(rang_demarches)s
            ) t
        )
        SELECT 0, v.dimension, v.valeur, v.n, v.d, v.p
        FROM v LEFT JOIN seuils t ON t.dimension = v.dimension
        WHERE v.dimension NOT IN (%(commune)s, %(demarche)s) OR v.valeur = '' OR t.n IS NULL
            OR v.n > t.n OR (v.n = t.n AND v.p >= t.p)
        UNION ALL
        SELECT COUNT(*), dimension, '', SUM(n), SUM(d), SUM(p)
        FROM v WHERE dimension IN (%(commune)s, %(demarche)s) AND valeur <> '' GROUP BY dimension
    """
    params = {
        "du": periode.du,
        "debut": periode.precedente().du,
        "au": periode.au,
        **{f"dim{i}": dim for i, dim in enumerate(dimensions)},
        "commune": commune,
        "demarche": demarche,
        "rang_communes": top_communes - 1,
        "rang_demarches": top_demarches - 1,
        **params_porteur,
    }
    with connection.cursor() as curseur:
        curseur.execute(sql, params)
        for combien, dim, valeur, n, d, p in curseur.fetchall():
            if combien:
                # Toutes les valeurs renseignées : (combien, Σ nombres, Σ durées, Σ nombres précédents).
                comptes.classements[dim] = (int(combien), int(n), int(d), int(p))
                continue
            if n or d:
                comptes.courant[(dim, valeur)] = [int(n), int(d)]
            if p:
                comptes.precedent[(dim, valeur)] = [int(p), 0]  # durée précédente : total seulement


def tableau_de_bord(portee: Portee, periode: Periode, *, avec_synthetique: bool = True) -> TableauDeBord:
    """Le tableau de bord lu dans les agrégats : une requête groupée pour les dimensions (les deux périodes,
    communes et démarches en tête de classement seulement), une pour les totaux, une pour la tendance, une
    pour la répartition, puis une par libellé (partenaires, démarches, communes)."""
    modele, filtre = portee.filtre_agregats()
    precedente = periode.precedente()
    comptes = Comptes()
    courant = Case(When(mois__gte=periode.du, then=Value(1)), default=Value(0), output_field=IntegerField())
    base = modele.objects.filter(mois__gte=precedente.du, mois__lte=periode.au, **filtre)
    # Totaux (demandes, durées, synthétiques) : dimension « total », ou pour un référent la seule dimension
    # partenaire, valeur = son partenaire, présentée comme un total.
    if portee.partenaire:
        totaux = base.filter(dimension=Dimension.PARTENAIRE, valeur=str(portee.partenaire))
    else:
        totaux = base.filter(dimension=Dimension.TOTAL)
        _lire_dimensions(modele, portee, periode, avec_synthetique, comptes)
    for li in (
        totaux.values("synthetique")
        .annotate(c=courant, n=Sum("nombre"), d=Sum("duree"))
        .values("c", "synthetique", "n", "d")
        .order_by()
    ):
        if li["synthetique"] and li["c"]:
            comptes.synthetiques += li["n"]
        if li["synthetique"] and not avec_synthetique:
            continue
        case = (comptes.courant if li["c"] else comptes.precedent)[(Dimension.TOTAL.value, "")]
        case[0] += li["n"]
        case[1] += li["d"]

    # Tendance.
    tendance = base if avec_synthetique else base.filter(synthetique=False)
    if portee.partenaire:
        tendance = tendance.filter(dimension=Dimension.PARTENAIRE, valeur=str(portee.partenaire))
    else:
        tendance = tendance.filter(dimension=Dimension.JOUR if periode.un_seul_mois else Dimension.TOTAL)
    if par_jour(portee, periode):
        for valeur, mois, n in tendance.values_list("valeur", "mois").annotate(n=Sum("nombre")).order_by():
            jour = date.fromisoformat(valeur)
            (comptes.tendance if mois == periode.du else comptes.tendance_precedente)[jour] += n
    else:
        for mois, n in tendance.values_list("mois").annotate(n=Sum("nombre")).order_by():
            (comptes.tendance if mois >= periode.du else comptes.tendance_precedente)[mois] += n

    # Répartition par sous-porteur (France services d'un département, départements d'une région…).
    sous = _sous_porteur(portee)
    if sous:
        modele_sous, champ, filtre_sous = sous
        qs = modele_sous.objects.filter(mois__gte=precedente.du, mois__lte=periode.au, **filtre_sous)
        if portee.partenaire:
            qs = qs.filter(dimension=Dimension.PARTENAIRE, valeur=str(portee.partenaire))
        else:
            qs = qs.filter(dimension=Dimension.TOTAL)
        if not avec_synthetique:
            qs = qs.filter(synthetique=False)
        for porteur, c, n in (
            qs.annotate(c=courant).values_list(champ, "c").annotate(n=Sum("nombre")).order_by()
        ):
            comptes.repartition[str(porteur)][0 if c else 1] += n
    return _construire(portee, periode, avec_synthetique, comptes, modele)


def tableau_de_bord_depuis_les_demandes(
    portee: Portee, periode: Periode, *, avec_synthetique: bool = True
) -> TableauDeBord:
    """Les mêmes chiffres recalculés depuis les demandes brutes (non annulées), ligne à ligne."""
    precedente = periode.precedente()
    comptes = Comptes()
    demandes = (
        Demande.objects.valides()
        .filter(mois__gte=precedente.du, mois__lte=periode.au, **portee.filtre_demandes())
        .select_related("structure__departement")
        .order_by()
    )
    for demande in demandes.iterator(chunk_size=5_000):
        courant = demande.mois >= periode.du
        synthetique = demande.origine == Origine.SYNTHETIQUE
        if synthetique and courant:
            comptes.synthetiques += 1
        if synthetique and not avec_synthetique:
            continue
        cible = comptes.courant if courant else comptes.precedent
        valeurs = valeurs_de(demande)
        if portee.partenaire:
            valeurs = {Dimension.TOTAL: ""}
        for dim, valeur in valeurs.items():
            if dim == Dimension.JOUR:
                continue
            case = cible[(str(dim), valeur)]
            case[0] += 1
            case[1] += demande.duree
        if par_jour(portee, periode):
            (comptes.tendance if courant else comptes.tendance_precedente)[demande.jour] += 1
        else:
            (comptes.tendance if courant else comptes.tendance_precedente)[demande.mois] += 1
        if portee.partenaire or portee.niveau == "departement":
            porteur = demande.structure_id
        elif portee.niveau == "region":
            porteur = demande.structure.departement_id
        elif portee.niveau == "national":
            porteur = demande.structure.departement.region_id
        else:
            continue
        comptes.repartition[str(porteur)][0 if courant else 1] += 1
    return _construire(portee, periode, avec_synthetique, comptes, Demande)
