"""Évolution des pratiques d'accès (question de la DITP) : rapport mensuel sur douze mois glissants.

Pour une portée (France entière, région, département, France services) et un mois de référence M, sur les
douze mois M-11 … M, comparés au même mois un an avant (M-12) :
- parts des canaux d'accueil, des partenaires (les `TOP_PARTENAIRES` premiers, puis « autres » et
  « partenaire local ou autre ») et des démarches (les `TOP_DEMARCHES` premières) ;
- **part des demandes portant sur une démarche en ligne** : demandes dont la démarche du catalogue a un lien
  « démarche en ligne officielle » (`Demarche.lien_en_ligne`) renseigné. C'est l'état *actuel* du
  catalogue (le lien n'est pas historisé) ; le dénominateur est l'ensemble des demandes, et la part des
  demandes sans démarche renseignée est donnée à côté (elle borne l'incertitude) ;
- profil d'âge : parts de chaque tranche parmi les demandes dont l'âge est renseigné (facultatif), et
  taux de renseignement.

Deux calculs des mêmes chiffres, qui passent par `_construire` :
- `rapport` lit les agrégats (`Agregat` pour une France services, `AgregatDepartement` au-dessus) : une
  requête groupée (mois × synthétique × dimension × valeur, 13 mois), une pour les démarches, une pour
  les partenaires, quel que soit le volume ;
- `rapport_depuis_les_demandes` relit les demandes brutes (non annulées) une à une : la référence naïve.

Portées : celles du tableau de bord (`lecture.portees_de`), sans les portées d'un référent partenaire (ses
agrégats ne croisent pas partenaire et canal). Un agent ou un responsable a le rapport de sa France services,
pas celui de son département : le tableau de bord ne lui montre pas l'activité des autres France services.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from franceservices.activite.models import (
    Canal,
    Demande,
    Demarche,
    Dimension,
    Origine,
    TrancheAge,
)
from franceservices.partenaires.models import Partenaire

from .lecture import MOIS_MIN, Portee, _decaler, libelle_mois, portees_de

TOP_PARTENAIRES = 8
TOP_DEMARCHES = 10
FENETRE = 12  # mois glissants
DIMENSIONS = (
    Dimension.TOTAL,
    Dimension.CANAL,
    Dimension.PARTENAIRE,
    Dimension.DEMARCHE,
    Dimension.TRANCHE_AGE,
)
MOIS_COURTS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
NON_RENSEIGNE = "Non renseigné"
PARTENAIRE_LOCAL = "Partenaire local ou autre"


def mois_court(mois: date) -> str:
    return f"{MOIS_COURTS[mois.month - 1]} {mois:%y}"


def _part(n: int, total: int) -> float | None:
    return round(n * 100 / total, 1) if total else None


# — Portée et mois demandés —


class ParametreInvalide(ValueError):
    """Paramètre d'adresse illisible ou inconnu (message en français pour la page)."""


def portees_pratiques(user) -> list[Portee]:
    """Les portées du rapport pour cette personne, la plus large d'abord (sans celles d'un référent
    partenaire ; l'équipe nationale lit une France services par son identifiant, hors de cette liste)."""
    return [p for p in portees_de(user, structures_nationales=False) if not p.partenaire]


def lire_mois(texte: str, aujourdhui: date) -> date:
    """« AAAA-MM » → premier jour du mois ; refuse l'illisible, l'avant-programme et le futur."""
    try:
        annee, mois = texte.strip().split("-")
        if len(annee) != 4 or len(mois) != 2:
            raise ValueError
        resultat = date(int(annee), int(mois), 1)
    except ValueError:
        raise ParametreInvalide(
            f"Mois illisible : « {texte[:20]} » (attendu : AAAA-MM, par exemple 2026-09)."
        ) from None
    if resultat < MOIS_MIN:
        raise ParametreInvalide(
            f"Le mois ne peut pas précéder {libelle_mois(MOIS_MIN)} (création du programme)."
        )
    if resultat > aujourdhui.replace(day=1):
        raise ParametreInvalide(f"Le mois {libelle_mois(resultat)} n'est pas encore commencé.")
    return resultat


def mois_par_defaut(aujourdhui: date) -> date:
    """Le dernier mois complet."""
    return _decaler(aujourdhui.replace(day=1), -1)


# — Le rapport —


@dataclass
class Serie:
    """Une valeur (un canal, un partenaire…) : nombres des douze mois et du même mois un an avant."""

    cle: str
    libelle: str
    nombres: list[int]
    annee_precedente: int = 0
    parts: list[float | None] = field(default_factory=list)
    part_annee_precedente: float | None = None
    part_periode: float | None = None

    @property
    def total(self) -> int:
        return sum(self.nombres)

    @property
    def nombre_mois(self) -> int:
        return self.nombres[-1]

    @property
    def part_mois(self) -> float | None:
        return self.parts[-1] if self.parts else None

    @property
    def ecart_points(self) -> float | None:
        """Écart (en points) entre la part du mois et celle du même mois un an avant."""
        if self.part_mois is None or self.part_annee_precedente is None:
            return None
        return round(self.part_mois - self.part_annee_precedente, 1)


@dataclass
class Repartition:
    """Les séries d'une dimension ; parts sur des dénominateurs donnés (par mois et un an avant)."""

    nom: str
    titre: str
    colonne: str
    definition: str
    series: list[Serie]
    denominateurs: list[int]
    denominateur_annee_precedente: int

    def __post_init__(self):
        total = sum(self.denominateurs)
        for s in self.series:
            s.parts = [_part(n, d) for n, d in zip(s.nombres, self.denominateurs, strict=True)]
            s.part_annee_precedente = _part(s.annee_precedente, self.denominateur_annee_precedente)
            s.part_periode = _part(s.total, total)

    @property
    def total(self) -> int:
        return sum(self.denominateurs)


@dataclass
class Rapport:
    portee: Portee
    mois: date  # mois de référence
    avec_synthetique: bool
    fenetre: list[date]  # les douze mois, le plus ancien d'abord
    totaux: list[int]
    total_annee_precedente: int
    synthetiques: int  # demandes synthétiques sur les douze mois et le mois un an avant
    canaux: Repartition
    partenaires: Repartition
    demarches: Repartition
    en_ligne: Repartition
    ages: Repartition
    age_renseigne: Repartition  # une série : âge renseigné (parts sur toutes les demandes)
    source: str = ""

    @property
    def annee_precedente(self) -> date:
        return _decaler(self.mois, -FENETRE)

    @property
    def libelle(self) -> str:
        return libelle_mois(self.mois)

    @property
    def libelle_fenetre(self) -> str:
        return f"de {libelle_mois(self.fenetre[0])} à {libelle_mois(self.fenetre[-1])}"

    @property
    def total(self) -> int:
        return sum(self.totaux)

    @property
    def total_mois(self) -> int:
        return self.totaux[-1]

    @property
    def vide(self) -> bool:
        return self.total == 0

    @property
    def mois_vides(self) -> list[date]:
        return [m for m, n in zip(self.fenetre, self.totaux, strict=True) if n == 0]

    @property
    def evolution_mois(self) -> float | None:
        """Évolution (%) du nombre de demandes du mois par rapport au même mois un an avant."""
        if not self.total_annee_precedente:
            return None
        return round((self.total_mois - self.total_annee_precedente) * 100 / self.total_annee_precedente, 1)

    @property
    def synthetiques_inclus(self) -> bool:
        return self.avec_synthetique and self.synthetiques > 0

    @property
    def part_en_ligne_parmi_renseignees(self) -> float | None:
        """Part en ligne du mois parmi les seules demandes dont la démarche est renseignée."""
        en_ligne, sans_lien = self.en_ligne.series[0], self.en_ligne.series[1]
        return _part(en_ligne.nombre_mois, en_ligne.nombre_mois + sans_lien.nombre_mois)

    @property
    def repartitions(self) -> list[Repartition]:
        return [self.canaux, self.partenaires, self.demarches, self.en_ligne, self.ages]

    @property
    def filtres(self) -> str:
        return (
            f"Portée : {self.portee.libelle} ; douze mois {self.libelle_fenetre}, comparés à "
            f"{libelle_mois(self.annee_precedente)} ; demandes annulées exclues ; demandes synthétiques "
            f"(démonstration) {'incluses' if self.avec_synthetique else 'exclues'}"
        )

    def chiffres(self) -> dict:
        """Tous les chiffres (comparaison des deux calculs)."""
        return {
            "totaux": (self.totaux, self.total_annee_precedente),
            "synthetiques": self.synthetiques,
            **{
                r.nom: [(s.cle, s.libelle, s.nombres, s.annee_precedente) for s in r.series]
                for r in [*self.repartitions, self.age_renseigne]
            },
        }


@dataclass
class Comptes:
    """Ce que les deux sources fournissent à `_construire`."""

    nombres: dict = field(default_factory=lambda: defaultdict(int))  # (mois, dimension, valeur) → n
    synthetiques: int = 0
    demarches: dict = field(default_factory=dict)  # id (texte) → (libellé, partenaire, en ligne ?)
    partenaires: dict = field(default_factory=dict)  # id (texte) → nom court


def _mois_lus(mois: date) -> tuple[list[date], date]:
    fenetre = [_decaler(mois, i - FENETRE + 1) for i in range(FENETRE)]
    return fenetre, _decaler(mois, -FENETRE)


def _serie(comptes: Comptes, fenetre, avant, dim: str, valeurs: set[str], cle: str, libelle: str) -> Serie:
    return Serie(
        cle,
        libelle,
        [sum(comptes.nombres.get((m, dim, v), 0) for v in valeurs) for m in fenetre],
        sum(comptes.nombres.get((avant, dim, v), 0) for v in valeurs),
    )


def _classement(comptes: Comptes, fenetre, avant, dim: str, libelles: dict) -> list[Serie]:
    """Séries des valeurs renseignées, les plus fréquentes sur les douze mois d'abord (puis un an avant,
    libellé, clé : ordre total, identique pour les deux calculs)."""
    valeurs = {v for (_, d, v), n in comptes.nombres.items() if d == dim and v and n}
    series = [_serie(comptes, fenetre, avant, dim, {v}, v, libelles.get(v, f"n° {v}")) for v in valeurs]
    series.sort(key=lambda s: (-s.total, -s.annee_precedente, s.libelle, s.cle))
    return series


def _construire(portee: Portee, mois: date, avec_synthetique: bool, comptes: Comptes, source: str) -> Rapport:
    fenetre, avant = _mois_lus(mois)
    total = _serie(comptes, fenetre, avant, Dimension.TOTAL.value, {""}, "", "Toutes les demandes")
    denominateurs, denominateur_avant = total.nombres, total.annee_precedente

    def repartition(nom, titre, colonne, definition, series, denos=None, deno_avant=None):
        return Repartition(
            nom,
            titre,
            colonne,
            definition,
            series,
            denominateurs if denos is None else denos,
            denominateur_avant if deno_avant is None else deno_avant,
        )

    def choix(dim, enum, vide=NON_RENSEIGNE):
        series = [_serie(comptes, fenetre, avant, dim, {v}, v, str(lib)) for v, lib in enum.choices]
        non_renseigne = _serie(comptes, fenetre, avant, dim, {""}, "", vide)
        return series, non_renseigne

    # Canaux : toujours renseignés (valeur par défaut) ; « non renseigné » n'apparaît que s'il existe.
    canaux, sans_canal = choix(Dimension.CANAL.value, Canal)
    if sans_canal.total or sans_canal.annee_precedente:
        canaux.append(sans_canal)

    # Partenaires : les premiers, puis les autres regroupés, puis les partenaires locaux (sans identifiant).
    dim = Dimension.PARTENAIRE.value
    classes = _classement(comptes, fenetre, avant, dim, comptes.partenaires)
    partenaires = classes[:TOP_PARTENAIRES]
    if reste := classes[TOP_PARTENAIRES:]:
        partenaires.append(
            _serie(
                comptes,
                fenetre,
                avant,
                dim,
                {s.cle for s in reste},
                "autres",
                f"Autres partenaires ({len(reste)})",
            )
        )
    local = _serie(comptes, fenetre, avant, dim, {""}, "", PARTENAIRE_LOCAL)
    if local.total or local.annee_precedente:
        partenaires.append(local)

    # Démarches : les premières, puis les autres, puis « non renseignée ».
    dim = Dimension.DEMARCHE.value
    libelles = {k: f"{lib} ({part})" for k, (lib, part, _) in comptes.demarches.items()}
    classees = _classement(comptes, fenetre, avant, dim, libelles)
    demarches = classees[:TOP_DEMARCHES]
    if reste := classees[TOP_DEMARCHES:]:
        demarches.append(
            _serie(
                comptes,
                fenetre,
                avant,
                dim,
                {s.cle for s in reste},
                "autres",
                f"Autres démarches ({len(reste)})",
            )
        )
    sans_demarche = _serie(comptes, fenetre, avant, dim, {""}, "", "Démarche non renseignée")
    if sans_demarche.total or sans_demarche.annee_precedente:
        demarches.append(sans_demarche)

    # Démarche en ligne : la démarche renseignée a un lien « démarche en ligne officielle ».
    renseignees = {s.cle for s in classees}
    en_ligne = {v for v in renseignees if comptes.demarches.get(v, ("", "", False))[2]}
    series_en_ligne = [
        _serie(comptes, fenetre, avant, dim, en_ligne, "en_ligne", "Démarche disponible en ligne"),
        _serie(
            comptes, fenetre, avant, dim, renseignees - en_ligne, "sans_lien", "Démarche sans lien en ligne"
        ),
        _serie(comptes, fenetre, avant, dim, {""}, "", "Démarche non renseignée"),
    ]

    # Âge : parts parmi les demandes dont l'âge est renseigné.
    ages, sans_age = choix(Dimension.TRANCHE_AGE.value, TrancheAge)
    declares = [t - s for t, s in zip(denominateurs, sans_age.nombres, strict=True)]
    declares_avant = denominateur_avant - sans_age.annee_precedente
    renseigne = Serie("renseigne", "Âge renseigné", declares, declares_avant)

    source = source or "Demandes"
    return Rapport(
        portee=portee,
        mois=mois,
        avec_synthetique=avec_synthetique,
        fenetre=fenetre,
        totaux=denominateurs,
        total_annee_precedente=denominateur_avant,
        synthetiques=comptes.synthetiques,
        canaux=repartition(
            "canaux",
            "Canaux d'accueil",
            "Canal",
            "Part de chaque canal d'accueil dans les demandes du mois.",
            canaux,
        ),
        partenaires=repartition(
            "partenaires",
            "Partenaires",
            "Partenaire",
            f"Part de chaque partenaire dans les demandes du mois : les {TOP_PARTENAIRES} plus fréquents sur "
            "les douze mois, puis les autres regroupés, puis les partenaires locaux ou non listés.",
            partenaires,
        ),
        demarches=repartition(
            "demarches",
            "Démarches",
            "Démarche",
            f"Part des {TOP_DEMARCHES} démarches les plus fréquentes sur les douze mois, puis des autres, puis "
            "des demandes sans démarche du catalogue.",
            demarches,
        ),
        en_ligne=repartition(
            "en_ligne",
            "Démarches disponibles en ligne",
            "Démarche",
            "Part des demandes portant sur une démarche du catalogue qui a une démarche en ligne officielle "
            "(lien renseigné dans le catalogue, état actuel), sur l'ensemble des demandes. Les demandes sans "
            "démarche renseignée sont comptées à part.",
            series_en_ligne,
        ),
        ages=repartition(
            "ages",
            "Profil d'âge",
            "Tranche d'âge",
            "Part de chaque tranche d'âge parmi les demandes dont l'âge de l'usager est renseigné (facultatif).",
            ages,
            declares,
            declares_avant,
        ),
        age_renseigne=repartition(
            "age_renseigne",
            "Âge renseigné",
            "Âge",
            "Part des demandes dont la tranche d'âge de l'usager est renseignée.",
            [renseigne],
        ),
        source=source,
    )


def _garder(synthetique: bool, avec_synthetique: bool) -> bool:
    return avec_synthetique or not synthetique


def rapport(portee: Portee, mois: date, *, avec_synthetique: bool = True) -> Rapport:
    """Le rapport lu dans les agrégats : trois requêtes, quel que soit le volume."""
    if portee.partenaire:
        raise ValueError("Pas de rapport des pratiques pour une portée de référent partenaire.")
    _, avant = _mois_lus(mois)
    modele, filtre = portee.filtre_agregats()
    comptes = Comptes()
    lignes = (
        modele.objects.filter(
            mois__gte=avant, mois__lte=mois, dimension__in=[str(d) for d in DIMENSIONS], **filtre
        )
        .values_list("mois", "synthetique", "dimension", "valeur")
        .annotate(n=Sum("nombre"))
        .order_by()
    )
    for m, synthetique, dim, valeur, n in lignes:
        if synthetique and dim == Dimension.TOTAL:
            comptes.synthetiques += n
        if n and _garder(synthetique, avec_synthetique):
            comptes.nombres[(m, dim, valeur)] += n
    ids = {int(v) for (_, d, v) in comptes.nombres if d == Dimension.DEMARCHE and v.isdigit()}
    if ids:
        for pk, libelle, nom_court, lien in Demarche.objects.filter(pk__in=ids).values_list(
            "pk", "libelle", "partenaire__nom_court", "lien_en_ligne"
        ):
            comptes.demarches[str(pk)] = (libelle, nom_court, bool(lien))
    ids = {int(v) for (_, d, v) in comptes.nombres if d == Dimension.PARTENAIRE and v.isdigit()}
    if ids:
        comptes.partenaires = {
            str(pk): nom for pk, nom in Partenaire.objects.filter(pk__in=ids).values_list("pk", "nom_court")
        }
    return _construire(portee, mois, avec_synthetique, comptes, f"Table {modele._meta.db_table}")


def rapport_depuis_les_demandes(portee: Portee, mois: date, *, avec_synthetique: bool = True) -> Rapport:
    """Les mêmes chiffres recalculés depuis les demandes brutes (non annulées), ligne à ligne."""
    _, avant = _mois_lus(mois)
    comptes = Comptes()
    demandes = (
        Demande.objects.valides()
        .filter(mois__gte=avant, mois__lte=mois, **portee.filtre_demandes())
        .select_related("partenaire", "demarche__partenaire")
        .order_by()
    )
    for d in demandes.iterator(chunk_size=5_000):
        synthetique = d.origine == Origine.SYNTHETIQUE
        if synthetique:
            comptes.synthetiques += 1
        if not _garder(synthetique, avec_synthetique):
            continue
        partenaire = str(d.partenaire_id or "")
        demarche = str(d.demarche_id or "")
        for dim, valeur in (
            (Dimension.TOTAL, ""),
            (Dimension.CANAL, d.canal),
            (Dimension.PARTENAIRE, partenaire),
            (Dimension.DEMARCHE, demarche),
            (Dimension.TRANCHE_AGE, d.tranche_age),
        ):
            comptes.nombres[(d.mois, dim.value, valeur)] += 1
        if d.partenaire_id:
            comptes.partenaires[partenaire] = d.partenaire.nom_court
        if d.demarche_id:
            comptes.demarches[demarche] = (
                d.demarche.libelle,
                d.demarche.partenaire.nom_court,
                bool(d.demarche.lien_en_ligne),
            )
    return _construire(portee, mois, avec_synthetique, comptes, "Table activite_demande (lignes brutes)")
