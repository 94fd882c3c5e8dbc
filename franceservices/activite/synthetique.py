"""Activité SYNTHÉTIQUE : des demandes plausibles pour la démonstration et les mesures, jamais réelles.

Toutes portent `origine = synthetique` (les tableaux de bord le signalent) et un lot « synthétique… ».
Les proportions suivent les chiffres publics de shared/DOMAIN.md ; ce qui n'y figure pas est une
hypothèse, signalée comme telle :

- partenaires : France Titres/ANTS ~19 %, CAF ~16 %, CPAM ~16 %, DGFiP ~15 % (« 80 % de l'aide concerne
  cinq opérateurs »), puis CNAV ; le reste (France Travail, MSA, La Poste, Justice, nouveaux partenaires,
  partenaires locaux) est une hypothèse ;
- 82 % des demandes traitées sur place (issue finalisée ou à finaliser par l'usager) ;
- 58 % des usagers ont plus de 55 ans ;
- ~1 million de demandes par mois pour ~2 800 France services (volume par défaut : 350 par lieu et par mois) ;
- hypothèses : canaux (accueil physique très majoritaire, téléphone ensuite ; itinérance pour les bus et
  France services itinérantes), saisons (pic avril–juin de la déclaration d'impôts, creux d'août et de
  décembre), taille d'un lieu proportionnelle à ses heures d'ouverture hebdomadaires, modulée par la
  population de sa commune ; demandes réparties sur les jours ouvrés (hors fériés) et dans les plages
  d'ouverture ; 1 à 3 demandes par visite.

Deux écritures : `actions.enregistrer` par paquets (petits volumes, SQLite comme PostgreSQL) ou, sur
PostgreSQL, `COPY` des lignes brutes puis agrégats calculés en SQL depuis ces lignes (`agregats.ajouter_en_masse`,
mêmes expressions que `agregats.reconcilier`).
"""

import calendar
import hashlib
import math
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as heure

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from franceservices.partenaires.models import Partenaire
from franceservices.structures.horaires import JOURS, fuseau_du_departement
from franceservices.structures.models import Format, Structure
from franceservices.territoires.feries import est_ferie_pour
from franceservices.territoires.models import Commune

from . import actions, agregats
from .models import (
    DUREES,
    Autonomie,
    Canal,
    Demande,
    Demarche,
    Issue,
    LotImport,
    ModificationDemande,
    Niveau,
    Origine,
    Sexe,
    Theme,
    TrancheAge,
)

PAR_LIEU_ET_PAR_MOIS = 350  # ≈ 1 M de demandes par mois / 2 800 France services (DOMAIN.md)

# Part de chaque partenaire (%), code → poids. Les cinq premiers : DOMAIN.md ; le reste : hypothèse.
PARTS_PARTENAIRES = {
    "ants": 19,
    "cnaf": 16,
    "cnam": 16,
    "dgfip": 15,
    "cnav": 8,
    "ft": 7,
    "msa": 4,
    "laposte": 2,
    "justice": 2,
    "urssaf": 1.5,
    "anah": 1,
    "cheque-energie": 1,
    "bdf": 0.5,
    None: 7,  # partenaires locaux (partenaire_autre)
}
PARTENAIRES_LOCAUX = ("Mission locale", "CIDFF", "Conciliateur de justice", "MDPH", "ADIL", "CCAS")
THEMES_LOCAUX = (
    Theme.TRAVAIL_FORMATION,
    Theme.FAMILLE_SCOLARITE,
    Theme.JUSTICE,
    Theme.SOCIAL_SANTE,
    Theme.LOGEMENT,
    Theme.SOCIAL_SANTE,
)
# Thème d'un partenaire quand la demande ne vise pas une démarche précise du catalogue.
THEME_PAR_DEFAUT = {
    "ants": Theme.PAPIERS_CITOYENNETE,
    "cnaf": Theme.FAMILLE_SCOLARITE,
    "cnam": Theme.SOCIAL_SANTE,
    "dgfip": Theme.ARGENT_IMPOTS,
    "cnav": Theme.SOCIAL_SANTE,
    "ft": Theme.TRAVAIL_FORMATION,
    "msa": Theme.SOCIAL_SANTE,
    "laposte": Theme.ARGENT_IMPOTS,
    "justice": Theme.JUSTICE,
    "urssaf": Theme.TRAVAIL_FORMATION,
    "anah": Theme.LOGEMENT,
    "cheque-energie": Theme.LOGEMENT,
    "bdf": Theme.ARGENT_IMPOTS,
}
PART_AVEC_DEMARCHE = 0.8  # hypothèse : 8 demandes sur 10 visent une démarche du catalogue

# Saisons (hypothèse) : pic avril–juin (déclaration d'impôts), creux d'août et de décembre.
SAISONS = {
    1: 1.0,
    2: 1.0,
    3: 1.05,
    4: 1.15,
    5: 1.2,
    6: 1.1,
    7: 0.9,
    8: 0.6,
    9: 1.05,
    10: 1.05,
    11: 1.0,
    12: 0.8,
}
IMPOTS_EN_SAISON = {4: 1.8, 5: 2.0, 6: 1.5}  # multiplie la part DGFiP ces mois-là

CANAUX_FIXES = {
    Canal.ACCUEIL_PHYSIQUE: 78,
    Canal.TELEPHONE: 15,
    Canal.COURRIEL: 3,
    Canal.HORS_LES_MURS: 3,
    Canal.VISIO: 1,
}
CANAUX_ITINERANTS = {
    Canal.ITINERANCE: 60,
    Canal.ACCUEIL_PHYSIQUE: 22,
    Canal.TELEPHONE: 13,
    Canal.COURRIEL: 3,
    Canal.VISIO: 2,
}
# 82 % traitées sur place (finalisée + à finaliser par l'usager) : DOMAIN.md.
ISSUES = {Issue.FINALISEE: 62, Issue.A_FINALISER: 20, Issue.DOIT_REVENIR: 8, Issue.ORIENTEE: 10}
NIVEAUX_SUR_PLACE = {Niveau.INFORMATION: 25, Niveau.ACCOMPAGNEMENT: 40, Niveau.REALISEE: 35}
NIVEAUX_ORIENTEE = {Niveau.ORIENTATION: 85, Niveau.ESCALADE: 15}
DUREES_PARTS = dict(zip(DUREES, (5, 12, 25, 18, 20, 10, 6, 3, 1), strict=True))
# 58 % des usagers de plus de 55 ans (DOMAIN.md), profil renseigné 96 fois sur 100 (hypothèse).
TRANCHES = {
    "": 4,
    TrancheAge.MOINS_18: 1,
    TrancheAge.DE_18_25: 7.5,
    TrancheAge.DE_26_39: 12,
    TrancheAge.DE_40_54: 17.8,
    TrancheAge.DE_55_64: 22.3,
    TrancheAge.DE_65_74: 21.1,
    TrancheAge.PLUS_75: 14.3,
}
SEXES = {Sexe.FEMME: 55, Sexe.HOMME: 40, "": 5}
PREMIERES = {True: 35, False: 55, None: 10}
AUTONOMIES = {Autonomie.NON_AUTONOME: 40, Autonomie.PARTIELLE: 35, Autonomie.AUTONOME: 15, "": 10}
DEMANDES_PAR_VISITE = {1: 78, 2: 17, 3: 5}
# Commune de l'usager : celle de la France services, une autre du département, ou non renseignée.
COMMUNE_DU_LIEU, COMMUNE_VOISINE = 0.65, 0.30

HORAIRES_PAR_DEFAUT = [(9 * 60, 12 * 60), (14 * 60, 17 * 60)]  # lieux sans horaires structurés


def _cumul(parts: dict) -> tuple[list, list[float]]:
    valeurs, cumul, total = [], [], 0.0
    for valeur, part in parts.items():
        total += part
        valeurs.append(valeur)
        cumul.append(total)
    return valeurs, cumul


def mois_de(texte: str) -> date:
    """« 2026-03 » → 1er mars 2026."""
    annee, mois = texte.split("-")
    return date(int(annee), int(mois), 1)


def mois_entre(du: date, au: date) -> list[date]:
    mois, m = [], du.replace(day=1)
    while m <= au:
        mois.append(m)
        m = (m + timedelta(days=32)).replace(day=1)
    return mois


def repartir(total: int, poids: list[float]) -> list[int]:
    """Répartit exactement `total` selon `poids` (plus forts restes)."""
    somme = sum(poids)
    if total <= 0 or somme <= 0:
        return [0] * len(poids)
    exacts = [total * p / somme for p in poids]
    parts = [math.floor(x) for x in exacts]
    reste = total - sum(parts)
    for i in sorted(range(len(poids)), key=lambda i: parts[i] - exacts[i])[:reste]:
        parts[i] += 1
    return parts


@dataclass
class Lieu:
    """Ce qu'il faut savoir d'une France services pour y générer de l'activité."""

    id: int
    departement_id: int
    code_departement: str
    commune_id: int | None
    itinerant: bool
    plages: dict[int, list[tuple[int, int]]]  # jour de la semaine (0 = lundi) → plages en minutes
    poids: float
    fuseau: object

    @classmethod
    def depuis(cls, s: Structure, population: int | None):
        plages = {}
        semaine = s.semaine
        for numero, nom in enumerate(JOURS):
            plages[numero] = sorted(
                p.en_minutes() for p in semaine.jour(nom).plages if p.en_minutes()[1] > p.en_minutes()[0]
            )
        if not any(plages.values()):
            plages = {n: list(HORAIRES_PAR_DEFAUT) if n < 5 else [] for n in range(7)}
        heures = sum(f - d for jour in plages.values() for d, f in jour) / 60
        facteur = min(1.6, max(0.6, 1 + 0.25 * math.log10(max(population or 1000, 100) / 1000)))
        return cls(
            id=s.pk,
            departement_id=s.departement_id,
            code_departement=s.departement.code,
            commune_id=s.commune_id,
            itinerant=s.format in (Format.BUS, Format.ITINERANTE),
            plages=plages,
            poids=max(heures, 6) * facteur,
            fuseau=fuseau_du_departement(s.departement.code),
        )

    def jours_ouverts(self, mois: date) -> tuple[list[date], list[float]]:
        """Jours ouverts du mois (hors fériés) et leurs minutes d'ouverture (cumulées, pour le tirage)."""
        jours, cumul, total = [], [], 0
        aujourdhui = date.today()
        for n in range(1, calendar.monthrange(mois.year, mois.month)[1] + 1):
            jour = mois.replace(day=n)
            minutes = sum(f - d for d, f in self.plages[jour.weekday()])
            if jour > aujourdhui:  # jamais de demande dans le futur (mois en cours)
                break
            if minutes and not est_ferie_pour(self.code_departement, jour):
                total += minutes
                jours.append(jour)
                cumul.append(total)
        return jours, cumul


@dataclass
class Ligne:
    """Une demande synthétique, prête pour `Demande(**…)` ou pour COPY."""

    cle_client: uuid.UUID
    visite: uuid.UUID
    structure_id: int
    date_heure: datetime
    jour: date
    canal: str
    partenaire_id: int | None
    partenaire_autre: str
    theme: str
    demarche_id: int | None
    niveau: str
    issue: str
    orientee_vers: str
    duree: int
    tranche_age: str
    sexe: str
    commune_id: int | None
    premiere_visite: bool | None
    autonomie: str


class Generateur:
    """Tire des demandes synthétiques (reproductibles avec la même graine)."""

    def __init__(self, structures, graine: int = 0, tirage: str = ""):
        self.aleas = random.Random(graine)
        structures = list(structures.select_related("departement", "commune").order_by("pk"))
        self.lieux = [Lieu.depuis(s, s.commune.population if s.commune_id else None) for s in structures]
        # Clés croissantes (préfixe propre au tirage + compteur) : reproductibles avec la même graine, et
        # insérées en fin d'index (COPY de millions de lignes bien plus rapide qu'avec des clés au hasard).
        # Le préfixe dépend de la graine, des lieux et de `tirage` (période, volume) : relancer la même
        # génération redonne les mêmes clés (rien de neuf), une autre génération ne peut pas les heurter.
        empreinte = hashlib.sha256(f"{graine}|{tirage}|{[s.pk for s in structures]}".encode()).digest()
        self.prefixe_cle = int.from_bytes(empreinte[:8])
        self.prefixe_visite = int.from_bytes(empreinte[8:16])
        self.compteur = 0
        self.visites = 0
        self.partenaires = {p.code: p for p in Partenaire.objects.all()}
        self.demarches: dict[int, list[tuple[int, str]]] = {}
        for d in Demarche.objects.filter(actif=True).order_by("pk"):
            self.demarches.setdefault(d.partenaire_id, []).append((d.pk, d.theme))
        self.communes_par_departement: dict[int, tuple[list[int], list[float]]] = {}
        departements = {lieu.departement_id for lieu in self.lieux}
        lignes = (
            Commune.objects.filter(departement_id__in=departements, type="commune-actuelle")
            .order_by("pk")
            .values_list("departement_id", "pk", "population")
        )
        for dep, pk, pop in lignes:
            ids, cumul = self.communes_par_departement.setdefault(dep, ([], []))
            ids.append(pk)
            cumul.append((cumul[-1] if cumul else 0) + max(pop or 0, 50))
        self.canaux_fixes = _cumul(CANAUX_FIXES)
        self.canaux_itinerants = _cumul(CANAUX_ITINERANTS)
        self.issues = _cumul(ISSUES)
        self.niveaux_sur_place = _cumul(NIVEAUX_SUR_PLACE)
        self.niveaux_orientee = _cumul(NIVEAUX_ORIENTEE)
        self.durees = _cumul(DUREES_PARTS)
        self.tranches = _cumul(TRANCHES)
        self.sexes = _cumul(SEXES)
        self.premieres = _cumul(PREMIERES)
        self.autonomies = _cumul(AUTONOMIES)
        self.tailles = _cumul(DEMANDES_PAR_VISITE)
        # Tout ce qui lit la base est chargé ici : pendant un COPY, la connexion n'accepte pas d'autre requête.
        est_ferie_pour("75", date.today())
        self._theme_par_defaut(0)

    def _partenaires_du_mois(self, mois: date):
        parts = {}
        for code, part in PARTS_PARTENAIRES.items():
            if code is not None and code not in self.partenaires:
                continue
            if code == "dgfip":
                part *= IMPOTS_EN_SAISON.get(mois.month, 0.85)
            parts[self.partenaires[code].pk if code else None] = part
        return _cumul(parts)

    def volumes(self, du: date, au: date, volume: int | None, par_mois: int | None) -> dict[date, int]:
        """Demandes par mois : `volume` au total, ou `par_mois` (en moyenne, modulé par la saison)."""
        mois = mois_entre(du, au)
        saisons = [SAISONS[m.month] for m in mois]
        if volume is None:
            if par_mois is None:
                par_mois = PAR_LIEU_ET_PAR_MOIS * len(self.lieux)
            volume = par_mois * len(mois)
        return dict(zip(mois, repartir(volume, saisons), strict=True))

    def demandes(self, du: date, au: date, volume=None, par_mois=None) -> Iterator[list[Ligne]]:
        """Les demandes, par paquets (une France services × un mois)."""
        poids = [lieu.poids for lieu in self.lieux]
        for mois, total in self.volumes(du, au, volume, par_mois).items():
            partenaires = self._partenaires_du_mois(mois)
            for lieu, n in zip(self.lieux, repartir(total, poids), strict=True):
                if n:
                    yield self._lieu_mois(lieu, mois, n, partenaires)

    def _lieu_mois(self, lieu: Lieu, mois: date, n: int, partenaires) -> list[Ligne]:
        a = self.aleas
        choices = a.choices
        # Visites : tailles tirées jusqu'à n demandes.
        tailles = []
        reste = n
        while reste > 0:
            for t in choices(self.tailles[0], cum_weights=self.tailles[1], k=max(1, reste)):
                t = min(t, reste)
                tailles.append(t)
                reste -= t
                if reste == 0:
                    break
        v = len(tailles)
        jours, cumul_jours = lieu.jours_ouverts(mois)
        if not jours:  # mois entièrement férié (impossible en pratique) : premier jour ouvré
            jours, cumul_jours = [mois], [1]
        jours_tires = choices(jours, cum_weights=cumul_jours, k=v)
        canaux = self.canaux_itinerants if lieu.itinerant else self.canaux_fixes
        canaux_tires = choices(canaux[0], cum_weights=canaux[1], k=v)
        tranches = choices(self.tranches[0], cum_weights=self.tranches[1], k=v)
        sexes = choices(self.sexes[0], cum_weights=self.sexes[1], k=v)
        premieres = choices(self.premieres[0], cum_weights=self.premieres[1], k=v)
        autonomies = choices(self.autonomies[0], cum_weights=self.autonomies[1], k=v)
        communes_dep = self.communes_par_departement.get(lieu.departement_id)
        issues = choices(self.issues[0], cum_weights=self.issues[1], k=n)
        niveaux_sur_place = choices(self.niveaux_sur_place[0], cum_weights=self.niveaux_sur_place[1], k=n)
        niveaux_orientee = choices(self.niveaux_orientee[0], cum_weights=self.niveaux_orientee[1], k=n)
        durees = choices(self.durees[0], cum_weights=self.durees[1], k=n)
        lignes = []
        hasard = a.random
        for i, taille in enumerate(tailles):
            jour = jours_tires[i]
            plages = lieu.plages[jour.weekday()] or HORAIRES_PAR_DEFAUT
            minute = a.randrange(sum(f - d for d, f in plages))
            for d, f in plages:
                if minute < f - d:
                    minute += d
                    break
                minute -= f - d
            minute = min(minute, 23 * 60 + 59)
            instant = datetime.combine(jour, heure(minute // 60, minute % 60), tzinfo=lieu.fuseau)
            tirage = hasard()
            if tirage < COMMUNE_DU_LIEU and lieu.commune_id:
                commune = lieu.commune_id
            elif tirage < COMMUNE_DU_LIEU + COMMUNE_VOISINE and communes_dep:
                commune = choices(communes_dep[0], cum_weights=communes_dep[1])[0]
            else:
                commune = None
            self.visites += 1
            visite = uuid.UUID(int=(self.prefixe_visite << 64) | self.visites)
            for partenaire in choices(partenaires[0], cum_weights=partenaires[1], k=taille):
                self.compteur += 1
                j = len(lignes)
                issue = issues[j]
                niveau = niveaux_orientee[j] if issue == Issue.ORIENTEE else niveaux_sur_place[j]
                demarche = None
                if partenaire is None:
                    k = a.randrange(len(PARTENAIRES_LOCAUX))
                    autre, theme = PARTENAIRES_LOCAUX[k], THEMES_LOCAUX[k]
                else:
                    autre = ""
                    catalogue = self.demarches.get(partenaire)
                    if catalogue and hasard() < PART_AVEC_DEMARCHE:
                        demarche, theme = catalogue[a.randrange(len(catalogue))]
                    else:
                        theme = self._theme_par_defaut(partenaire)
                lignes.append(
                    Ligne(
                        cle_client=uuid.UUID(int=(self.prefixe_cle << 64) | self.compteur),
                        visite=visite,
                        structure_id=lieu.id,
                        date_heure=instant,
                        jour=jour,
                        canal=canaux_tires[i],
                        partenaire_id=partenaire,
                        partenaire_autre=autre,
                        theme=theme,
                        demarche_id=demarche,
                        niveau=niveau,
                        issue=issue,
                        orientee_vers=(autre or "Partenaire (back-office)")
                        if issue == Issue.ORIENTEE
                        else "",
                        duree=durees[j],
                        tranche_age=tranches[i],
                        sexe=sexes[i],
                        commune_id=commune,
                        premiere_visite=premieres[i],
                        autonomie=autonomies[i],
                    )
                )
        return lignes

    def _theme_par_defaut(self, partenaire_id: int) -> str:
        if not hasattr(self, "_themes"):
            self._themes = {
                p.pk: THEME_PAR_DEFAUT.get(code, Theme.SOCIAL_SANTE) for code, p in self.partenaires.items()
            }
        return self._themes.get(partenaire_id, Theme.SOCIAL_SANTE)


# — Écriture —


def nouveau_lot(description: str) -> LotImport:
    empreinte = hashlib.sha256(f"synthetique:{uuid.uuid4()}".encode()).hexdigest()
    return LotImport.objects.create(nom_fichier=f"synthétique — {description}"[:255], empreinte=empreinte)


def _demande(ligne: Ligne, lot: LotImport) -> Demande:
    d = Demande(**{k: getattr(ligne, k) for k in Ligne.__dataclass_fields__ if k != "jour"})
    d.origine = Origine.SYNTHETIQUE
    d.lot = lot
    return d


@dataclass
class Bilan:
    demandes: int = 0
    secondes: float = 0.0
    agregats_secondes: float = 0.0

    @property
    def debit(self) -> float:
        return self.demandes / self.secondes if self.secondes else 0.0


def ecrire_par_enregistrer(paquets, lot: LotImport, taille: int = 2_000) -> int:
    """Petits volumes : `actions.enregistrer` par paquets de `taille`, agrégats tenus à chaque paquet."""
    structures = {}
    tampon, n = [], 0
    for paquet in paquets:
        for ligne in paquet:
            d = _demande(ligne, lot)
            if ligne.structure_id not in structures:
                structures[ligne.structure_id] = Structure.objects.select_related("departement").get(
                    pk=ligne.structure_id
                )
            d.structure = structures[ligne.structure_id]
            tampon.append(d)
            if len(tampon) >= taille:
                n += len(actions.enregistrer(tampon).creees)
                tampon = []
    if tampon:
        n += len(actions.enregistrer(tampon).creees)
    return n


COLONNES_COPY = (
    "cle_client",
    "visite",
    "structure_id",
    "agent_id",
    "date_heure",
    "jour",
    "mois",
    "canal",
    "partenaire_id",
    "partenaire_autre",
    "theme",
    "demarche_id",
    "niveau",
    "issue",
    "orientee_vers",
    "duree",
    "tranche_age",
    "sexe",
    "commune_id",
    "premiere_visite",
    "autonomie",
    "origine",
    "lot_id",
    "cree_le",
    "modifie_le",
    "annulee_le",
)


def _texte_copy(valeur) -> str:
    if valeur is None:
        return r"\N"
    if valeur is True:
        return "t"
    if valeur is False:
        return "f"
    return str(valeur).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def ecrire_par_copy(paquets, lot: LotImport, paquet_copy: int = 20_000) -> int:
    """PostgreSQL : COPY des lignes brutes (dans la transaction de l'appelant), sans toucher aux agrégats."""
    maintenant = timezone.now().isoformat()
    table = Demande._meta.db_table
    sql = f"COPY {table} ({', '.join(COLONNES_COPY)}) FROM STDIN"
    try:
        return _copier(sql, paquets, lot, maintenant, paquet_copy)
    except Exception as exc:  # psycopg lève ses propres exceptions (curseur brut) : celles de Django
        if type(exc).__name__ == "UniqueViolation":
            raise IntegrityError(str(exc)) from exc
        raise


def _copier(sql, paquets, lot, maintenant, paquet_copy) -> int:
    n = 0
    with connection.cursor() as curseur, curseur.cursor.copy(sql) as copie:
        tampon = []
        for paquet in paquets:
            for li in paquet:
                tampon.append(
                    "\t".join(
                        (
                            str(li.cle_client),
                            str(li.visite),
                            str(li.structure_id),
                            r"\N",
                            li.date_heure.isoformat(),
                            li.jour.isoformat(),
                            li.jour.replace(day=1).isoformat(),
                            li.canal,
                            _texte_copy(li.partenaire_id),
                            _texte_copy(li.partenaire_autre),
                            li.theme,
                            _texte_copy(li.demarche_id),
                            li.niveau,
                            li.issue,
                            _texte_copy(li.orientee_vers),
                            str(li.duree),
                            li.tranche_age,
                            li.sexe,
                            _texte_copy(li.commune_id),
                            _texte_copy(li.premiere_visite),
                            li.autonomie,
                            Origine.SYNTHETIQUE,
                            str(lot.pk),
                            maintenant,
                            maintenant,
                            r"\N",
                        )
                    )
                )
            if len(tampon) >= paquet_copy:
                copie.write("\n".join(tampon) + "\n")
                n += len(tampon)
                tampon = []
        if tampon:
            copie.write("\n".join(tampon) + "\n")
            n += len(tampon)
    return n


def effacer_synthetiques(structures, du: date, au: date) -> int:
    """Retire des agrégats puis efface les demandes synthétiques des `structures` sur les mois [du, au]."""
    demandes = Demande.objects.filter(
        origine=Origine.SYNTHETIQUE, structure__in=structures, mois__gte=du, mois__lte=au
    )
    agregats.ajouter_en_masse(demandes, signe=-1)
    lots = set(demandes.values_list("lot_id", flat=True).distinct())
    ModificationDemande.objects.filter(demande__in=demandes).delete()
    n = demandes._raw_delete(demandes.db)  # sans charger les lignes (rien d'autre ne les référence)
    LotImport.objects.filter(pk__in=lots - {None}, demandes__isnull=True).delete()
    return n


def generer(
    structures,
    du: date,
    au: date,
    *,
    volume: int | None = None,
    par_mois: int | None = None,
    graine: int = 0,
    copy: bool | None = None,
    remplacer: bool = False,
) -> Bilan:
    """Génère l'activité synthétique et tient les agrégats ; `copy` : None = selon le volume et la base."""
    debut = time.perf_counter()
    generateur = Generateur(structures, graine, tirage=f"{du}|{au}|{volume}|{par_mois}")
    volumes = generateur.volumes(du, au, volume, par_mois)
    total = sum(volumes.values())
    if copy is None:
        copy = connection.vendor == "postgresql" and total > 50_000
    if copy and connection.vendor != "postgresql":
        raise ValueError("L'écriture par COPY n'existe que sur PostgreSQL.")
    bilan = Bilan()
    description = f"{du:%Y-%m} → {au:%Y-%m}, graine {graine}, {total} demandes"
    with transaction.atomic():
        if remplacer:
            effacer_synthetiques(structures, du, au)
        lot = nouveau_lot(description)
        paquets = generateur.demandes(du, au, volume, par_mois)
        if copy:
            with connection.cursor() as curseur:
                curseur.execute("SET LOCAL synchronous_commit = off")
            bilan.demandes = ecrire_par_copy(paquets, lot)
            fin_copie = time.perf_counter()
            agregats.ajouter_en_masse(Demande.objects.filter(lot=lot))
            bilan.agregats_secondes = time.perf_counter() - fin_copie
        else:
            bilan.demandes = ecrire_par_enregistrer(paquets, lot)
        if bilan.demandes:
            lot.lignes = bilan.demandes
            lot.save(update_fields=["lignes"])
        else:  # tout existait déjà (même graine, période et lieux)
            lot.delete()
    bilan.secondes = time.perf_counter() - debut
    return bilan
