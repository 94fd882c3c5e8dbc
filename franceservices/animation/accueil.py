"""L'accueil d'un département pour l'animateur : une ligne par France services (label, horaires, équipe,
agents formés, activité, escalades, anomalies, dernière visite), les sites atypiques et ce qui a changé depuis
la dernière consultation. Nombre de requêtes fixe, quel que soit le nombre de France services (≈ 20)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from franceservices.activite.models import Agregat, Dimension
from franceservices.comptes.models import Habilitation, Role
from franceservices.core.centiles import mediane
from franceservices.escalades.models import STATUTS_CLOS, Escalade
from franceservices.formations import suivi
from franceservices.formations.models import Inscription
from franceservices.structures.models import Anomalie, ModificationStructure, Structure

from . import atypiques
from .models import ActionSuivi, DerniereConsultation, Visite

MOIS_ACTIVITE = 3
SEMAINES_PAR_MOIS = 52 / 12
LIMITE_LISTE = 20  # éléments listés par rubrique de « ce qui a changé » (les totaux restent exacts)
PREMIERE_CONSULTATION_JOURS = 30  # sans consultation précédente : ce qui a changé depuis 30 jours


def decaler_mois(mois: date, n: int) -> date:
    total = mois.year * 12 + mois.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def periodes(aujourdhui: date) -> tuple[date, date, date]:
    """(début de la période précédente, début de la période, début du mois en cours) : 3 mois complets."""
    courant = aujourdhui.replace(day=1)
    debut = decaler_mois(courant, -MOIS_ACTIVITE)
    return decaler_mois(debut, -MOIS_ACTIVITE), debut, courant


# — Label : état du cycle et conformité, calculés par l'application du label —


@dataclass(frozen=True)
class EtatLabel:
    labellisee_le: date | None
    resume: str = ""  # « Labellisée ; 11 critères conformes sur 13 »
    conforme: bool | None = None  # aucun critère non conforme
    non_conformes: tuple[str, ...] = ()
    echeance_depassee: bool = False


def etat_label(structure_ids) -> dict[int, EtatLabel]:
    """État du label de chaque France services (date du registre, cycle, conformité aux critères) en un nombre
    fixe de requêtes (`label.conformite.resumes`)."""
    from franceservices.label.conformite import resumes

    ids = list(structure_ids)
    dates = dict(Structure.objects.filter(pk__in=ids).values_list("pk", "date_labellisation"))
    etats = {}
    for pk, r in resumes(ids).items():
        etats[pk] = EtatLabel(
            labellisee_le=dates.get(pk),
            resume=f"{r.etat} ; {r.texte}" + (f", {r.a_verifier} à vérifier" if r.a_verifier else ""),
            conforme=not r.nb_non_conformes,
            non_conformes=tuple(r.non_conformes),
            echeance_depassee=r.echeance_depassee,
        )
    return etats


@dataclass
class LigneStructure:
    structure: Structure
    label: EtatLabel | None = None
    heures: float = 0
    jours: int = 0
    agents: int = 0
    responsables: int = 0
    formes: int = 0
    demandes: int = 0
    demandes_precedentes: int = 0
    escalades_ouvertes: int = 0
    escalades_en_retard: int = 0
    delai_median: float | None = None
    anomalies: list = field(default_factory=list)
    derniere_visite: date | None = None
    actions_en_retard: int = 0
    atypies: list = field(default_factory=list)  # explications

    @property
    def equipe(self) -> int:
        return self.agents + self.responsables

    @property
    def evolution(self) -> float | None:
        """Évolution de l'activité en % par rapport aux 3 mois d'avant (None sans base de comparaison)."""
        if not self.demandes_precedentes:
            return None
        return round(100 * (self.demandes - self.demandes_precedentes) / self.demandes_precedentes)

    @property
    def sous_le_minimum_horaire(self) -> bool:
        return self.heures < settings.LABEL_HEURES_MINIMUM or self.jours < settings.LABEL_JOURS_MINIMUM

    @property
    def sous_le_minimum_formes(self) -> bool:
        return self.formes < settings.FORMATION_AGENTS_FORMES_MINIMUM

    def indicateurs(self) -> dict:
        """Valeurs comparées entre France services (None : non calculable)."""
        return {
            "par_agent": self.demandes / self.equipe if self.equipe else None,
            "par_heure": self.demandes / (self.heures * SEMAINES_PAR_MOIS * MOIS_ACTIVITE)
            if self.heures
            else None,
            "delai": self.delai_median,
        }


@dataclass
class Changements:
    depuis: datetime
    premiere: bool
    modifications: list = field(default_factory=list)
    nb_modifications: int = 0
    arrivees: list = field(default_factory=list)
    departs: list = field(default_factory=list)
    anomalies: list = field(default_factory=list)
    escalades_nouvelles: int = 0
    escalades_en_retard: int = 0
    nouveaux_formes: int = 0
    visites: list = field(default_factory=list)
    actions_echues: list = field(default_factory=list)

    @property
    def vide(self) -> bool:
        return not (
            self.nb_modifications
            or self.arrivees
            or self.departs
            or self.anomalies
            or self.escalades_nouvelles
            or self.escalades_en_retard
            or self.nouveaux_formes
            or self.visites
            or self.actions_echues
        )


@dataclass
class Accueil:
    departement: object
    lignes: list[LigneStructure]
    atypiques: list[LigneStructure]
    changements: Changements
    periode: tuple[date, date]  # [début, fin exclue) des 3 mois complets

    @property
    def total_demandes(self) -> int:
        return sum(ligne.demandes for ligne in self.lignes)

    @property
    def sans_visite(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.derniere_visite is None)


def lire_activite(departement, avant: date, debut: date, fin: date) -> dict[int, tuple[int, int]]:
    """{structure_id: (demandes de [debut, fin), demandes de [avant, debut))} depuis les agrégats « total »
    (une requête, quel que soit le nombre de demandes)."""
    lignes = (
        Agregat.objects.filter(
            structure__departement=departement, dimension=Dimension.TOTAL, mois__gte=avant, mois__lt=fin
        )
        .values("structure_id")
        .annotate(
            courant=Sum("nombre", filter=Q(mois__gte=debut)),
            precedent=Sum("nombre", filter=Q(mois__lt=debut)),
        )
        .order_by()
    )
    return {a["structure_id"]: (a["courant"] or 0, a["precedent"] or 0) for a in lignes}


def _lignes(departement, aujourdhui: date) -> list[LigneStructure]:
    structures = list(
        Structure.objects.filter(departement=departement)
        .only("pk", "nom", "id_fs", "horaires", "departement_id", "format", "type")
        .order_by("nom", "pk")
    )
    ids = [s.pk for s in structures]
    lignes = {s.pk: LigneStructure(structure=s) for s in structures}
    for s in structures:
        semaine = s.semaine  # HorairesSemaine depuis le JSON : aucun accès à la base
        lignes[s.pk].heures = semaine.heures_par_semaine()
        lignes[s.pk].jours = semaine.jours_ouverts()
    if not ids:
        return []
    dans_dep = Q(structure__departement=departement)

    for pk, etat in etat_label(ids).items():
        lignes[pk].label = etat

    equipe = (
        Habilitation.objects.actives(aujourdhui)
        .filter(dans_dep, role__in=(Role.AGENT, Role.RESPONSABLE))
        .values("structure_id", "role")
        .annotate(n=Count("utilisateur_id", distinct=True))
        .order_by()
    )
    for e in equipe:
        if e["role"] == Role.AGENT:
            lignes[e["structure_id"]].agents = e["n"]
        else:
            lignes[e["structure_id"]].responsables = e["n"]

    for pk, agents in suivi.agents_formes(ids).items():
        lignes[pk].formes = len(agents)

    avant, debut, fin = periodes(aujourdhui)
    for sid, (courant, precedent) in lire_activite(departement, avant, debut, fin).items():
        lignes[sid].demandes, lignes[sid].demandes_precedentes = courant, precedent

    ouvertes = ~Q(statut__in=STATUTS_CLOS)
    escalades = (
        Escalade.objects.filter(dans_dep)
        .filter(ouvertes)
        .values("structure_id")
        .annotate(n=Count("pk"), retard=Count("pk", filter=Q(echeance__lt=aujourdhui)))
        .order_by()
    )
    for e in escalades:
        lignes[e["structure_id"]].escalades_ouvertes = e["n"]
        lignes[e["structure_id"]].escalades_en_retard = e["retard"]

    histogrammes = defaultdict(dict)
    delais = (
        Escalade.objects.filter(
            dans_dep,
            jours_ouvres_reponse__isnull=False,
            ouverte_le__gte=timezone.now() - timedelta(days=365),
        )
        .values_list("structure_id", "jours_ouvres_reponse")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for sid, jours, n in delais:
        histogrammes[sid][jours] = n
    for sid, h in histogrammes.items():
        lignes[sid].delai_median = mediane(h)

    for a in Anomalie.objects.filter(dans_dep).order_by("structure_id", "pk"):
        a.structure = lignes[a.structure_id].structure  # déjà lue : pas de requête par anomalie
        lignes[a.structure_id].anomalies.append(a)

    for v in Visite.objects.filter(dans_dep).values("structure_id").annotate(d=Max("date")).order_by():
        lignes[v["structure_id"]].derniere_visite = v["d"]

    retards = (
        ActionSuivi.objects.en_retard(aujourdhui)
        .filter(visite__structure__departement=departement)
        .values("visite__structure_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in retards:
        lignes[r["visite__structure_id"]].actions_en_retard = r["n"]
    return list(lignes.values())


def marquer_atypiques(lignes: list[LigneStructure]) -> list[LigneStructure]:
    """Renseigne `atypies` (explications) et rend les lignes concernées."""
    valeurs = [ligne.indicateurs() for ligne in lignes]
    for indicateur in atypiques.INDICATEURS:
        ecarts = atypiques.ecarts_robustes({i: v[indicateur.code] for i, v in enumerate(valeurs)})
        for i, ecart in ecarts.items():
            lignes[i].atypies.append(indicateur.explication(ecart))
    return [ligne for ligne in lignes if ligne.atypies]


def changements(departement, depuis: datetime, *, premiere: bool, aujourdhui: date, lignes) -> Changements:
    c = Changements(depuis=depuis, premiere=premiere)
    dans_dep = Q(structure__departement=departement)
    modifications = ModificationStructure.objects.filter(dans_dep, horodatage__gt=depuis)
    c.nb_modifications = modifications.count()
    c.modifications = list(
        modifications.select_related("structure", "auteur").order_by("-horodatage")[:LIMITE_LISTE]
    )
    mouvements = list(
        Habilitation.objects.filter(dans_dep, role__in=(Role.AGENT, Role.RESPONSABLE))
        .filter(
            Q(accordee_le__gt=depuis)
            | Q(revoquee_le__gt=depuis)
            | Q(fin__gte=depuis.date(), fin__lt=aujourdhui, revoquee_le__isnull=True)
        )
        .select_related("utilisateur", "structure")
        .order_by("-accordee_le")[: 2 * LIMITE_LISTE]
    )
    for h in mouvements:
        if h.revoquee_le or (h.fin and h.fin < aujourdhui):
            c.departs.append(h)
        else:
            c.arrivees.append(h)
    for ligne in lignes:
        c.anomalies.extend(a for a in ligne.anomalies if a.detectee_le > depuis)
    c.anomalies.sort(key=lambda a: a.detectee_le, reverse=True)
    c.escalades_en_retard = sum(ligne.escalades_en_retard for ligne in lignes)
    c.escalades_nouvelles = Escalade.objects.filter(dans_dep, ouverte_le__gt=depuis).count()
    requis = suivi.modules_requis().values("pk")
    c.nouveaux_formes = (
        Inscription.objects.filter(
            reussie_le__gt=depuis,
            session__module_id__in=requis,
            agent_id__in=Habilitation.objects.actives(aujourdhui)
            .filter(dans_dep, role__in=(Role.AGENT, Role.RESPONSABLE))
            .values("utilisateur_id"),
        )
        .values("agent_id")
        .distinct()
        .count()
    )
    c.visites = list(
        Visite.objects.filter(dans_dep, cree_le__gt=depuis).select_related("structure", "auteur")[
            :LIMITE_LISTE
        ]
    )
    c.actions_echues = list(
        ActionSuivi.objects.filter(
            visite__structure__departement=departement,
            faite_le__isnull=True,
            echeance__gte=depuis.date(),
            echeance__lt=aujourdhui,
        )
        .select_related("visite__structure", "porteur")
        .order_by("echeance")[:LIMITE_LISTE]
    )
    return c


def derniere_consultation(utilisateur, departement, maintenant: datetime) -> tuple[datetime, bool]:
    """Rend la date de la consultation précédente (ou 30 jours plus tôt si c'est la première) et mémorise
    celle-ci. Deux requêtes."""
    precedente = (
        DerniereConsultation.objects.filter(utilisateur=utilisateur, departement=departement)
        .values_list("le", flat=True)
        .first()
    )
    if precedente is None:
        DerniereConsultation.objects.bulk_create(
            [DerniereConsultation(utilisateur=utilisateur, departement=departement, le=maintenant)],
            ignore_conflicts=True,
        )
        return maintenant - timedelta(days=PREMIERE_CONSULTATION_JOURS), True
    DerniereConsultation.objects.filter(utilisateur=utilisateur, departement=departement).update(
        le=maintenant
    )
    return precedente, False


def accueil(departement, utilisateur, *, maintenant: datetime | None = None) -> Accueil:
    maintenant = maintenant or timezone.now()
    aujourdhui = timezone.localdate(maintenant)
    lignes = _lignes(departement, aujourdhui)
    atyp = marquer_atypiques(lignes)
    depuis, premiere = derniere_consultation(utilisateur, departement, maintenant)
    _, debut, fin = periodes(aujourdhui)
    return Accueil(
        departement=departement,
        lignes=lignes,
        atypiques=atyp,
        changements=changements(departement, depuis, premiere=premiere, aujourdhui=aujourdhui, lignes=lignes),
        periode=(debut, fin),
    )
