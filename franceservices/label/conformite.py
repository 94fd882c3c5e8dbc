"""Conformité des France services aux critères du label, calculée à la lecture pour un ensemble de structures
en un nombre fixe de requêtes (jamais une par structure) :

- critères actifs (1) ; structures (1) ; dossiers de labellisation et réglage du cycle (2) ;
- agents formés (`formations.suivi.agents_formes`, 3) si un critère « agents formés » est actif ;
- équipe (`Habilitation.objects.actives()`, 1) ; partenaires nationaux et pilotes en cours (3) ;
- anomalies d'import (1) ; derniers constats des critères constatés (1).

Pas de cache : une modification de critère (seuil, formats, désactivation), de fiche ou un constat se voit à
la lecture suivante. Le calcul des 2 845 France services reste de l'ordre de la seconde (banc
`benchmarks/label.py`), les pages départementales de quelques dizaines de millisecondes.

`resumes(structure_ids)` est l'interface publique pour les autres applications (accueil départemental).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.structures.horaires import JOURS, HorairesSemaine
from franceservices.structures.models import Anomalie, Structure

from .models import LABEL_EN_COURS, Critere, Dossier, Etat, ReglageCycle, ajouter_mois
from .regles import Regle

NON_CONFORMES_RESUME = 3


class Statut(models.TextChoices):
    CONFORME = "conforme", "Conforme"
    NON_CONFORME = "non_conforme", "Non conforme"
    A_VERIFIER = "a_verifier", "À vérifier"
    SANS_OBJET = "sans_objet", "Sans objet"


@dataclass
class Verdict:
    critere: Critere
    statut: str
    explication: str
    constat: object = None  # dernier Constat (critères constatés)

    @property
    def libelle_statut(self) -> str:
        return Statut(self.statut).label


@dataclass
class Cycle:
    """Où en est le label d'une France services (dossier, ou registre s'il n'y a pas encore de dossier)."""

    etat: str | None  # None : ni dossier ni date de labellisation au registre
    date_label: date | None
    echeance_audit: date | None
    dossier: Dossier | None = None

    @property
    def libelle(self) -> str:
        if self.etat is None:
            return "Sans dossier de labellisation"
        libelle = Etat(self.etat).label
        if self.dossier is None:
            libelle += " (registre)"
        return libelle


@dataclass
class Conformite:
    structure: Structure
    verdicts: list[Verdict]
    cycle: Cycle
    aujourdhui: date

    def _compte(self, statut) -> int:
        return sum(1 for v in self.verdicts if v.statut == statut)

    @property
    def conformes(self) -> int:
        return self._compte(Statut.CONFORME)

    @property
    def non_conformes(self) -> int:
        return self._compte(Statut.NON_CONFORME)

    @property
    def a_verifier(self) -> int:
        return self._compte(Statut.A_VERIFIER)

    @property
    def applicables(self) -> int:
        return sum(1 for v in self.verdicts if v.statut != Statut.SANS_OBJET)

    @property
    def conforme(self) -> bool:
        """Tous les critères applicables sont conformes (un « à vérifier » empêche d'être conforme)."""
        return self.conformes == self.applicables

    def resume(self) -> "Resume":
        return Resume(
            etat=self.cycle.libelle,
            conformes=self.conformes,
            applicables=self.applicables,
            a_verifier=self.a_verifier,
            non_conformes=[v.critere.libelle for v in self.verdicts if v.statut == Statut.NON_CONFORME][
                :NON_CONFORMES_RESUME
            ],
            nb_non_conformes=self.non_conformes,
            prochaine_echeance=self.cycle.echeance_audit,
            echeance_depassee=bool(self.cycle.echeance_audit and self.cycle.echeance_audit < self.aujourdhui),
        )


@dataclass
class Resume:
    """Ce qu'une autre page affiche d'une France services : état du cycle, score, non-conformités, échéance."""

    etat: str
    conformes: int
    applicables: int
    a_verifier: int
    non_conformes: list[str] = field(default_factory=list)  # les premiers libellés
    nb_non_conformes: int = 0
    prochaine_echeance: date | None = None
    echeance_depassee: bool = False

    @property
    def texte(self) -> str:
        return f"{self.conformes} critère{'s' if self.conformes > 1 else ''} conforme{'s' if self.conformes > 1 else ''} sur {self.applicables}"


# — Données lues en lot —


@dataclass
class Donnees:
    criteres: list[Critere]
    aujourdhui: date
    agents_formes: dict[int, set[int]] = field(default_factory=dict)
    equipe: dict[int, dict[str, set[int]]] = field(default_factory=dict)
    partenaires_nationaux: int = 0
    socle_inactifs: list[str] = field(default_factory=list)
    pilotes_structures: dict[int, set[int]] = field(default_factory=dict)
    pilotes_departements: dict[int, set[int]] = field(default_factory=dict)
    anomalies: dict[int, list[str]] = field(default_factory=dict)
    constats: dict[tuple[int, int], object] = field(default_factory=dict)
    dossiers: dict[int, Dossier] = field(default_factory=dict)
    duree_mois: int = 36
    semaines: dict[int, HorairesSemaine] = field(default_factory=dict)

    def semaine(self, structure) -> HorairesSemaine:
        """Horaires analysés une fois par structure (deux règles les lisent)."""
        semaine = self.semaines.get(structure.pk)
        if semaine is None:
            semaine = self.semaines[structure.pk] = HorairesSemaine.depuis_json(structure.horaires)
        return semaine


CHAMPS_STRUCTURE = ("pk", "nom", "format", "horaires", "modifie_le", "departement_id", "date_labellisation")


def criteres_actifs():
    return list(Critere.objects.filter(actif=True).order_by("ordre", "code"))


def lire(structures: list[Structure], *, criteres=None, aujourdhui=None) -> Donnees:
    from franceservices.formations.suivi import agents_formes
    from franceservices.partenaires.models import Partenaire, Pilote, Presence

    from .models import Constat

    aujourdhui = aujourdhui or timezone.localdate()
    criteres = criteres_actifs() if criteres is None else criteres
    regles = {c.regle for c in criteres if c.calcule}
    ids = [s.pk for s in structures]
    d = Donnees(criteres=criteres, aujourdhui=aujourdhui)
    d.duree_mois = ReglageCycle.courant().duree_mois
    d.dossiers = {x.structure_id: x for x in Dossier.objects.filter(structure_id__in=ids)}
    if not ids:
        return d
    if Regle.AGENTS_FORMES in regles:
        d.agents_formes = agents_formes(ids)
    if Regle.EQUIPE in regles:
        d.equipe = defaultdict(lambda: {"tous": set(), "responsables": set()})
        for sid, uid, role in (
            Habilitation.objects.actives()
            .filter(structure_id__in=ids, role__in=[Role.AGENT, Role.RESPONSABLE])
            .values_list("structure_id", "utilisateur_id", "role")
        ):
            d.equipe[sid]["tous"].add(uid)
            if role == Role.RESPONSABLE:
                d.equipe[sid]["responsables"].add(uid)
    if Regle.PARTENAIRES in regles:
        partenaires = list(
            Partenaire.objects.filter(presence__in=[Presence.SOCLE, Presence.AJOUTE]).values_list(
                "nom_court", "presence", "actif"
            )
        )
        d.partenaires_nationaux = sum(1 for _, _, actif in partenaires if actif)
        d.socle_inactifs = sorted(n for n, p, actif in partenaires if p == Presence.SOCLE and not actif)
        en_cours = Pilote.objects.en_cours(aujourdhui).filter(partenaire__actif=True)
        d.pilotes_structures = defaultdict(set)
        for pid, sid in en_cours.filter(structures__in=ids).values_list("partenaire_id", "structures"):
            d.pilotes_structures[sid].add(pid)
        d.pilotes_departements = defaultdict(set)
        departements = {s.departement_id for s in structures}
        for pid, did in en_cours.filter(departements__in=departements).values_list(
            "partenaire_id", "departements"
        ):
            d.pilotes_departements[did].add(pid)
    if Regle.DONNEES_A_JOUR in regles:
        d.anomalies = defaultdict(list)
        for sid, champ in Anomalie.objects.filter(structure_id__in=ids).values_list("structure_id", "champ"):
            d.anomalies[sid].append(champ)
    constates = [c.pk for c in criteres if not c.calcule]
    if constates:
        # Par date puis par ordre d'enregistrement : le dernier lu est le plus récent.
        for constat in (
            Constat.objects.filter(structure_id__in=ids, critere_id__in=constates)
            .select_related("auteur")
            .order_by("date", "pk")
        ):
            d.constats[(constat.structure_id, constat.critere_id)] = constat
    return d


# — Règles —


def _pluriel(n, singulier, pluriel=None) -> str:
    return f"{n:g} {singulier if n <= 1 else (pluriel or singulier + 's')}"


def _horaires_ouverture(c, s, d, p):
    semaine = d.semaine(s)
    heures, jours = semaine.heures_par_semaine(), semaine.jours_ouverts()
    exige = f"il faut {p['heures_min']:g} h sur {_pluriel(p['jours_min'], 'jour')}"
    constate = f"{heures:g} h sur {_pluriel(jours, 'jour')}"
    if heures >= p["heures_min"] and jours >= p["jours_min"]:
        return Statut.CONFORME, f"{constate} par semaine ({exige.replace('il faut', 'minimum :')})"
    return Statut.NON_CONFORME, f"{constate} par semaine, {exige}"


def _agents_formes(c, s, d, p):
    n = len(d.agents_formes.get(s.pk, ()))
    constate = f"{_pluriel(n, 'agent formé', 'agents formés')}"
    if n >= p["agents_min"]:
        return Statut.CONFORME, f"{constate} (minimum : {p['agents_min']})"
    return Statut.NON_CONFORME, f"{constate}, il en faut {p['agents_min']}"


def _equipe(c, s, d, p):
    equipe = d.equipe.get(s.pk) or {"tous": set(), "responsables": set()}
    n, r = len(equipe["tous"]), len(equipe["responsables"])
    constate = (
        f"{_pluriel(n, 'personne habilitée', 'personnes habilitées')} dont {_pluriel(r, 'responsable')}"
    )
    manques = []
    if n < p["agents_min"]:
        manques.append(f"{p['agents_min']} personnes")
    if r < p["responsables_min"]:
        manques.append(_pluriel(p["responsables_min"], "responsable"))
    if not manques:
        return Statut.CONFORME, constate
    return Statut.NON_CONFORME, f"{constate}, il faut au moins {' et '.join(manques)}"


def _partenaires(c, s, d, p):
    pilotes = d.pilotes_structures.get(s.pk, set()) | d.pilotes_departements.get(s.departement_id, set())
    n = d.partenaires_nationaux + len(pilotes)
    constate = f"{_pluriel(n, 'partenaire national proposé', 'partenaires nationaux proposés')}"
    problemes = []
    if d.socle_inactifs:
        problemes.append(f"partenaire(s) du socle non proposé(s) : {', '.join(d.socle_inactifs)}")
    if n < p["partenaires_min"]:
        problemes.append(f"il en faut {p['partenaires_min']}")
    if not problemes:
        return Statut.CONFORME, f"{constate}, dont tout le socle"
    return Statut.NON_CONFORME, f"{constate} ; {' ; '.join(problemes)}"


def _horaires_publies(c, s, d, p):
    semaine = d.semaine(s)
    if semaine.est_vide():
        return Statut.NON_CONFORME, "aucun horaire publié sur la fiche"
    manquants = [j for j in JOURS if semaine.jour(j).non_communique]
    if manquants:
        return Statut.NON_CONFORME, f"horaires non communiqués : {', '.join(manquants)}"
    return Statut.CONFORME, f"horaires publiés ({_pluriel(semaine.jours_ouverts(), 'jour')} d'ouverture)"


def _donnees_a_jour(c, s, d, p):
    modifiee = timezone.localdate(s.modifie_le) if s.modifie_le else None
    limite = ajouter_mois(d.aujourdhui, -p["mois_max"])
    anomalies = d.anomalies.get(s.pk, [])
    problemes = []
    if modifiee is None or modifiee < limite:
        quand = f"le {modifiee:%d/%m/%Y}" if modifiee else "jamais"
        problemes.append(f"fiche mise à jour {quand}, il y a plus de {p['mois_max']} mois")
    if len(anomalies) > p["anomalies_max"]:
        champs = ", ".join(sorted(set(anomalies)))
        problemes.append(
            f"{_pluriel(len(anomalies), 'anomalie')} à corriger ({champs}), {p['anomalies_max']} tolérée(s)"
        )
    if problemes:
        return Statut.NON_CONFORME, " ; ".join(problemes)
    return Statut.CONFORME, f"fiche mise à jour le {modifiee:%d/%m/%Y}, sans anomalie en suspens"


REGLES = {
    Regle.HORAIRES_OUVERTURE: _horaires_ouverture,
    Regle.AGENTS_FORMES: _agents_formes,
    Regle.EQUIPE: _equipe,
    Regle.PARTENAIRES: _partenaires,
    Regle.HORAIRES_PUBLIES: _horaires_publies,
    Regle.DONNEES_A_JOUR: _donnees_a_jour,
}


def verdict(critere: Critere, structure: Structure, d: Donnees) -> Verdict:
    if not critere.concerne(structure.format):
        return Verdict(
            critere,
            Statut.SANS_OBJET,
            f"ne s'applique pas au format « {structure.get_format_display()} »",
        )
    if critere.calcule:
        regle = REGLES.get(critere.regle)
        if regle is None:  # règle retirée du code : le critère ne peut pas être calculé
            return Verdict(critere, Statut.A_VERIFIER, "règle de calcul inconnue")
        statut, explication = regle(critere, structure, d, critere.parametres)
        return Verdict(critere, statut, explication)
    constat = d.constats.get((structure.pk, critere.pk))
    if constat is None:
        return Verdict(critere, Statut.A_VERIFIER, "pas encore constaté à l'audit")
    statut = Statut.CONFORME if constat.conforme else Statut.NON_CONFORME
    explication = f"constaté le {constat.date:%d/%m/%Y}"
    if constat.commentaire:
        explication += f" : {constat.commentaire}"
    return Verdict(critere, statut, explication, constat)


def cycle(structure: Structure, d: Donnees) -> Cycle:
    dossier = d.dossiers.get(structure.pk)
    if dossier is not None:
        date_label = dossier.date_label
        etat = dossier.etat
    elif structure.date_labellisation:
        etat, date_label = Etat.LABELLISEE, structure.date_labellisation
    else:
        return Cycle(None, None, None)
    echeance = ajouter_mois(date_label, d.duree_mois) if date_label and etat in LABEL_EN_COURS else None
    return Cycle(etat, date_label, echeance, dossier)


def evaluer(structure: Structure, d: Donnees) -> Conformite:
    return Conformite(
        structure=structure,
        verdicts=[verdict(c, structure, d) for c in d.criteres],
        cycle=cycle(structure, d),
        aujourdhui=d.aujourdhui,
    )


def calculer(structures, *, criteres=None, aujourdhui=None) -> dict[int, Conformite]:
    """Conformité de chaque structure de `structures` (liste ou queryset de `Structure`), par pk."""
    structures = list(structures)
    d = lire(structures, criteres=criteres, aujourdhui=aujourdhui)
    return {s.pk: evaluer(s, d) for s in structures}


def structures_pour_calcul(qs=None):
    qs = Structure.objects.all() if qs is None else qs
    return qs.only(*CHAMPS_STRUCTURE).order_by("nom", "pk")


def resumes(structure_ids, *, aujourdhui=None) -> dict[int, Resume]:
    """Résumé de conformité et de cycle de chaque France services de `structure_ids` (identifiants absents
    ignorés), en un nombre fixe de requêtes. Aucun contrôle de périmètre : à l'appelant de borner les ids."""
    structures = structures_pour_calcul(Structure.objects.filter(pk__in=list(structure_ids)))
    return {pk: c.resume() for pk, c in calculer(structures, aujourdhui=aujourdhui).items()}
