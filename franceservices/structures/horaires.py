"""Horaires d'ouverture : analyse des textes de l'open data et calculs (heures, ouvert à, prochaine ouverture).

Les fichiers publiés décrivent chaque jour par un texte libre, par exemple :
``09:00 - 12:00 / 13:30 - 17:00``, ``9:00 - 12:00 \\/ 14:00 - 16:00``, ``-`` (fermé),
``Sur RDV : 14:00 - 17:00``, ``1er mercredi du mois : 9:30 - 12:15``, ``Horaires non communiqués``.

On structure ce qui peut l'être (plages horaires, éventuellement « sur rendez-vous ») et l'on garde le
reste comme note visible : rien n'est perdu, rien n'est inventé. Une plage soumise à une condition que
l'on ne sait pas évaluer (semaines paires, 1er mercredi du mois, vacances scolaires, saison…) n'est pas
comptée dans les heures d'ouverture mais reste affichée.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

VIDES = {"", "-", "–", "—", "fermé", "ferme", "fermée"}
NON_COMMUNIQUES = {"horaires non communiqués", "horaires non communiques", "non communiqué", "nc"}

_HEURE = r"(\d{1,2})(?:[:h](\d{2}))?"
_PLAGE = re.compile(rf"^{_HEURE}\s*-\s*{_HEURE}$")
_QUALIFICATIF = re.compile(r"^(?P<qualificatif>[^:]*?[^\d\s:][^:]*?)\s*:\s*(?P<reste>.*)$")


@dataclass(frozen=True, order=True)
class Plage:
    debut: time
    fin: time
    sur_rdv: bool = False

    def en_minutes(self) -> tuple[int, int]:
        return (self.debut.hour * 60 + self.debut.minute, self.fin.hour * 60 + self.fin.minute)

    def __str__(self) -> str:
        texte = f"{self.debut:%H:%M} – {self.fin:%H:%M}"
        return f"{texte} (sur rendez-vous)" if self.sur_rdv else texte


@dataclass
class HorairesJour:
    """Horaires d'un jour : plages structurées, et note pour ce qui n'a pas pu l'être."""

    plages: list[Plage] = field(default_factory=list)
    note: str = ""
    non_communique: bool = False
    corrige: bool = False  # texte mal formé mais interprété sans ambiguïté (signalé en anomalie)

    @property
    def ferme(self) -> bool:
        return not self.plages and not self.note and not self.non_communique

    def minutes(self) -> int:
        return _minutes_fusionnees(p.en_minutes() for p in self.plages)

    def vers_json(self) -> dict:
        donnees: dict = {"plages": [[f"{p.debut:%H:%M}", f"{p.fin:%H:%M}", p.sur_rdv] for p in self.plages]}
        if self.note:
            donnees["note"] = self.note
        if self.non_communique:
            donnees["non_communique"] = True
        return donnees

    def en_texte(self) -> str:
        """Lecture humaine : « 09:00 – 12:00 / 14:00 – 17:00 », « Fermé », suivie de la note s'il y en a une."""
        if self.plages:
            texte = " / ".join(str(p) for p in self.plages)
        else:
            texte = "Non communiqués" if self.non_communique else "Fermé"
        return f"{texte} — précision : {self.note}" if self.note else texte

    @classmethod
    def depuis_json(cls, donnees: dict | None) -> HorairesJour:
        donnees = donnees or {}
        return cls(
            plages=[
                Plage(time.fromisoformat(d), time.fromisoformat(f), bool(r))
                for d, f, r in donnees.get("plages", [])
            ],
            note=donnees.get("note", ""),
            non_communique=donnees.get("non_communique", False),
        )


def _minutes_fusionnees(intervalles: Iterable[tuple[int, int]]) -> int:
    total, fin_courante = 0, -1
    for debut, fin in sorted(intervalles):
        debut = max(debut, fin_courante)
        if fin > debut:
            total += fin - debut
            fin_courante = fin
    return total


def chevauchements(plages: Iterable[Plage]) -> list[tuple[Plage, Plage]]:
    """Paires de plages successives (dans l'ordre) qui se recouvrent ; se toucher (12:00 puis 12:00) n'est pas se recouvrir."""
    return [(a, b) for a, b in pairwise(sorted(plages)) if b.debut < a.fin]


def ecarts_au_label(heures: float, jours: int, heures_minimum: float, jours_minimum: int) -> list[str]:
    """Ce qui manque pour atteindre le minimum d'ouverture du label (vide si la semaine l'atteint)."""
    ecarts = []
    if heures < heures_minimum:
        ecarts.append(f"{heures:g} h d'ouverture par semaine, pour un minimum de {heures_minimum:g} h")
    if jours < jours_minimum:
        ecarts.append(f"{jours} jour(s) d'ouverture par semaine, pour un minimum de {jours_minimum}")
    return ecarts


def nettoyer(texte: str) -> str:
    """Uniformise espaces, tirets et séparateurs ; corrige « 8:30 : 12:00 » et « 12 :30 »."""
    texte = (texte or "").replace("\\/", "/")
    texte = re.sub(r"[\u00a0\u202f\u2007\t]", " ", texte)
    texte = re.sub(r"[‐‑‒–—−]", "-", texte)
    texte = re.sub(r"(\d{1,2}:\d{2})\s*:\s*(\d{1,2}:\d{2})", r"\1 - \2", texte)
    texte = re.sub(r"(\d{1,2})\s+:\s*(\d{2})\b", r"\1:\2", texte)
    texte = re.sub(r"(\d{1,2}:\d{2}) ?-(?=\d)", r"\1 - ", texte)
    return re.sub(r"\s+", " ", texte).strip()


def _lire_plage(texte: str, sur_rdv: bool) -> Plage | None:
    correspondance = _PLAGE.match(texte.strip())
    if not correspondance:
        return None
    h1, m1, h2, m2 = correspondance.groups()
    try:
        debut = time(int(h1), int(m1 or 0))
        fin = time(int(h2), int(m2 or 0)) if int(h2) < 24 else time(23, 59)
    except ValueError:
        return None
    if fin <= debut:
        return None
    return Plage(debut, fin, sur_rdv)


_JETON_HEURE = re.compile(r"(?<!\d)(\d{1,2})(?:\s?[:h]\s?(\d{2})?)?(?!\d)")


def _lire_heures_libres(texte: str) -> list[Plage] | None:
    """Lecture tolérante d'un texte sans mots : « 8:30/12:00 -14:/18: », « 9:00 - 12:00 13:30 - 16:00 ».

    Accepte une suite d'heures croissantes en nombre pair, séparées seulement par des tirets, barres,
    espaces ou « et » ; « 14: » se lit 14:00. Sinon None (le texte restera une note).
    """
    sans_et = re.sub(r"\bet\b", " ", texte)
    if _JETON_HEURE.sub(" ", sans_et).strip(" -/:") != "":
        return None
    heures = []
    for h, m in _JETON_HEURE.findall(sans_et):
        if int(h) > 23:
            return None
        heures.append(time(int(h), int(m or 0)))
    if len(heures) < 2 or len(heures) % 2 or any(a >= b for a, b in pairwise(heures)):
        return None
    return [Plage(heures[i], heures[i + 1]) for i in range(0, len(heures), 2)]


def _nature_qualificatif(qualificatif: str) -> str:
    """« rdv », « libre » (sans RDV) ou « condition » (que l'on ne sait pas évaluer)."""
    q = qualificatif.lower().strip()
    if re.fullmatch(r"sur (rdv|rendez-vous)", q):
        return "rdv"
    if re.fullmatch(r"sans (rdv|rendez-vous)", q):
        return "libre"
    return "condition"


def analyser_jour(texte: str | None) -> HorairesJour:
    """Analyse le texte d'un jour. Ne lève jamais d'exception : ce qui résiste devient une note."""
    propre = nettoyer(texte or "")
    if propre.lower() in VIDES:
        return HorairesJour()
    if propre.lower() in NON_COMMUNIQUES:
        return HorairesJour(non_communique=True)

    # Artefact de saisie de l'open data 2024 : « 00:00 - 00:00 » ne désigne aucune plage.
    propre = re.sub(r"(^|/)\s*0?0:00 - 0?0:00\s*(?=/|$)", r"\1", propre).strip(" /")
    if not propre:
        return HorairesJour()

    plages: list[Plage] = []
    notes_par_bloc: list[str] = []  # les blocs séparés par « // » le restent dans la note
    for bloc in (b.strip() for b in propre.split("//")):
        if not bloc:
            continue
        notes: list[str] = []
        nature_bloc = "libre"
        elements = [e.strip() for e in bloc.split("/")]
        for position, element in enumerate(elements):
            if not element:
                continue
            qualifie = _QUALIFICATIF.match(element)
            nature = nature_bloc
            reste = element
            if qualifie:
                nature = _nature_qualificatif(qualifie["qualificatif"])
                reste = qualifie["reste"]
                if position == 0:
                    nature_bloc = nature  # le qualificatif de tête vaut pour tout le bloc
            plage = None if nature == "condition" else _lire_plage(reste, sur_rdv=nature == "rdv")
            if plage is None:
                notes.append(element)
            else:
                plages.append(plage)
        if nature_bloc == "condition":
            notes = [bloc]  # tout le bloc est conditionnel : on le restitue tel quel
        if notes:
            notes_par_bloc.append(" / ".join(notes))
    if notes_par_bloc and not re.search(r"[^\W\d_]", re.sub(r"\b(et|h)\b", "", propre)):
        libres = _lire_heures_libres(propre)
        if libres is not None:
            return HorairesJour(plages=libres, corrige=True)
    return HorairesJour(plages=sorted(set(plages)), note=" // ".join(notes_par_bloc))


@dataclass
class HorairesSemaine:
    """Horaires hebdomadaires structurés d'un lieu."""

    jours: dict[str, HorairesJour] = field(default_factory=dict)

    @classmethod
    def depuis_textes(cls, textes: dict[str, str | None]) -> HorairesSemaine:
        return cls({jour: analyser_jour(textes.get(jour)) for jour in JOURS})

    @classmethod
    def depuis_json(cls, donnees: dict | None) -> HorairesSemaine:
        donnees = donnees or {}
        return cls({jour: HorairesJour.depuis_json(donnees.get(jour)) for jour in JOURS})

    def vers_json(self) -> dict:
        return {jour: self.jour(jour).vers_json() for jour in JOURS}

    def jour(self, nom: str) -> HorairesJour:
        return self.jours.get(nom) or HorairesJour()

    def heures_par_semaine(self) -> float:
        return round(sum(self.jour(j).minutes() for j in JOURS) / 60, 2)

    def jours_ouverts(self) -> int:
        return sum(1 for j in JOURS if self.jour(j).plages)

    def non_communiques(self) -> bool:
        return any(self.jour(j).non_communique for j in JOURS)

    def notes(self) -> dict[str, str]:
        return {j: self.jour(j).note for j in JOURS if self.jour(j).note}

    def est_vide(self) -> bool:
        return not any(self.jour(j).plages for j in JOURS)

    # --- Calculs à un instant donné --------------------------------------------------------------

    def plage_a(self, instant: datetime, fuseau: ZoneInfo, est_ferie: Callable[[date], bool]) -> Plage | None:
        """La plage ouverte à cet instant (heure locale du lieu), ou None ; fermé les jours fériés."""
        local = instant.astimezone(fuseau)
        if est_ferie(local.date()):
            return None
        heure = local.time().replace(tzinfo=None)
        for plage in self.jour(JOURS[local.weekday()]).plages:
            if plage.debut <= heure < plage.fin:
                return plage
        return None

    def prochaine_ouverture(
        self, instant: datetime, fuseau: ZoneInfo, est_ferie: Callable[[date], bool], horizon_jours: int = 21
    ) -> datetime | None:
        """Début de la prochaine plage strictement après l'instant (jours fériés sautés), ou None."""
        local = instant.astimezone(fuseau)
        for decalage in range(horizon_jours + 1):
            jour = local.date() + timedelta(days=decalage)
            if est_ferie(jour):
                continue
            for plage in self.jour(JOURS[jour.weekday()]).plages:
                debut = datetime.combine(jour, plage.debut, tzinfo=fuseau)
                if debut > local:
                    return debut
        return None


FUSEAUX_OUTRE_MER = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}


def fuseau_du_departement(code: str) -> ZoneInfo:
    """Les horaires publiés sont en heure locale : Europe/Paris en métropole, le fuseau local outre-mer."""
    return ZoneInfo(FUSEAUX_OUTRE_MER.get(code, "Europe/Paris"))
