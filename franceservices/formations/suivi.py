"""Suivi de la formation des agents (lecture seule) : dossier d'un agent, état d'une France services et d'un
département, agents formés (réutilisé par le label).

Règles :
- « agent » d'une France services : toute personne qui y a une habilitation ACTIVE d'agent ou de
  responsable (un responsable qui accueille compte aussi parmi les agents formés) ;
- « formé » : a réussi (`Inscription.reussie_le` renseigné) TOUS les modules actifs du tronc commun
  (`Categorie.SOCLE`) qui comptent pour le label (`Module.compte_pour_label`). Si le catalogue n'en compte
  aucun, personne n'est formé (le label ne peut pas reposer sur un catalogue vide) ;
- « en cours » : non formé, et a soit réussi au moins un de ces modules, soit une inscription active
  (demandée, confirmée, liste d'attente) à une session de formation initiale (tronc commun ou module d'un
  partenaire) ;
- échéance : début de la première habilitation active de la personne sur la structure
  (`Habilitation.debut`) + `FORMATION_INITIALE_DELAI_MOIS` mois ; « en retard » : non formé et échéance
  dépassée (strictement avant aujourd'hui) ; un agent en retard peut aussi être « en cours » (inscrit) : les
  compteurs se recoupent, la page d'une structure affiche « en retard » en priorité ;
- une France services est « conforme » si elle a au moins `FORMATION_AGENTS_FORMES_MINIMUM` agents formés.

Tout se calcule en un nombre fixe de requêtes agrégées, quel que soit le nombre d'agents ou de structures.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.structures.models import Structure

from .models import STATUTS_ACTIFS, Categorie, Inscription, Module

ROLES_AGENTS = (Role.AGENT, Role.RESPONSABLE)
CATEGORIES_INITIALES = (Categorie.SOCLE, Categorie.MODULE_PARTENAIRE)


def ajouter_mois(jour: date, mois: int) -> date:
    """`jour` + `mois` mois (le 31 août + 6 mois : le 28 ou 29 février)."""
    total = jour.month - 1 + mois
    annee, mois_ = jour.year + total // 12, total % 12 + 1
    return date(annee, mois_, min(jour.day, calendar.monthrange(annee, mois_)[1]))


def echeance(debut: date) -> date:
    return ajouter_mois(debut, settings.FORMATION_INITIALE_DELAI_MOIS)


def modules_requis():
    """Modules dont la réussite fait un agent formé : tronc commun, actifs, qui comptent pour le label."""
    return Module.objects.filter(actif=True, categorie=Categorie.SOCLE, compte_pour_label=True)


@dataclass
class EtatAgent:
    agent_id: int
    structure_id: int
    debut: date
    echeance: date
    reussis: int
    requis: int
    inscrit: bool
    agent: Utilisateur | None = None

    @property
    def forme(self) -> bool:
        return self.requis > 0 and self.reussis >= self.requis

    @property
    def en_cours(self) -> bool:
        return not self.forme and (self.reussis > 0 or self.inscrit)

    def en_retard(self, aujourdhui: date) -> bool:
        return not self.forme and self.echeance < aujourdhui


@dataclass
class EtatStructure:
    structure: Structure
    aujourdhui: date
    agents: list[EtatAgent] = field(default_factory=list)

    @property
    def actifs(self) -> int:
        return len(self.agents)

    @property
    def formes(self) -> int:
        return sum(a.forme for a in self.agents)

    @property
    def en_cours(self) -> int:
        return sum(a.en_cours for a in self.agents)

    @property
    def en_retard(self) -> int:
        return sum(a.en_retard(self.aujourdhui) for a in self.agents)

    @property
    def minimum(self) -> int:
        return settings.FORMATION_AGENTS_FORMES_MINIMUM

    @property
    def conforme(self) -> bool:
        return self.formes >= self.minimum

    @property
    def manquants(self) -> int:
        return max(self.minimum - self.formes, 0)


def etats_agents(structure_ids=None, *, avec_personnes=False) -> dict[int, list[EtatAgent]]:
    """État de chaque agent actif des structures `structure_ids` (toutes si None), par structure.

    Trois requêtes (quatre avec les personnes), quel que soit le volume."""
    habilitations = Habilitation.objects.actives().filter(role__in=ROLES_AGENTS, structure__isnull=False)
    if structure_ids is not None:
        habilitations = habilitations.filter(structure_id__in=list(structure_ids))
    lignes = list(
        habilitations.values("structure_id", "utilisateur_id")
        .annotate(debut=Min("debut"))
        .order_by("structure_id", "utilisateur_id")
    )
    if not lignes:
        return {}
    agents = {ligne["utilisateur_id"] for ligne in lignes}
    # Les agents par sous-requête (pas une liste de milliers d'identifiants envoyée deux fois).
    agents_sql = habilitations.values("utilisateur_id")
    requis = list(modules_requis().values_list("pk", flat=True))
    reussis = dict(
        Inscription.objects.filter(
            agent_id__in=agents_sql, reussie_le__isnull=False, session__module_id__in=requis
        )
        .values("agent_id")
        .annotate(n=Count("session__module_id", distinct=True))
        .values_list("agent_id", "n")
    )
    inscrits = set(
        Inscription.objects.filter(
            agent_id__in=agents_sql,
            statut__in=STATUTS_ACTIFS,
            reussie_le__isnull=True,
            session__annulee_le__isnull=True,
            session__module__categorie__in=CATEGORIES_INITIALES,
        )
        .values_list("agent_id", flat=True)
        .distinct()
    )
    personnes = {}
    if avec_personnes:
        personnes = Utilisateur.objects.in_bulk(agents)
    resultat = defaultdict(list)
    for ligne in lignes:
        agent_id = ligne["utilisateur_id"]
        resultat[ligne["structure_id"]].append(
            EtatAgent(
                agent_id=agent_id,
                structure_id=ligne["structure_id"],
                debut=ligne["debut"],
                echeance=echeance(ligne["debut"]),
                reussis=reussis.get(agent_id, 0),
                requis=len(requis),
                inscrit=agent_id in inscrits,
                agent=personnes.get(agent_id),
            )
        )
    if avec_personnes:
        for liste in resultat.values():
            liste.sort(key=lambda e: (e.agent.last_name.lower(), e.agent.first_name.lower(), e.agent_id))
    return dict(resultat)


def agents_formes(structure_ids) -> dict[int, set[int]]:
    """Pour chaque structure de `structure_ids` : les identifiants de ses agents actifs formés (ensemble vide
    si aucun). Trois requêtes ; à utiliser pour le label (`len(...) >= FORMATION_AGENTS_FORMES_MINIMUM`)."""
    structure_ids = list(structure_ids)
    etats = etats_agents(structure_ids)
    return {sid: {e.agent_id for e in etats.get(sid, []) if e.forme} for sid in structure_ids}


def etat_structure(structure, *, aujourdhui=None) -> EtatStructure:
    aujourdhui = aujourdhui or timezone.localdate()
    etats = etats_agents([structure.pk], avec_personnes=True)
    return EtatStructure(structure=structure, aujourdhui=aujourdhui, agents=etats.get(structure.pk, []))


def etat_departement(departement, *, aujourdhui=None) -> list[EtatStructure]:
    """Une ligne par France services du département (celles sans agent comprises), par nom."""
    aujourdhui = aujourdhui or timezone.localdate()
    structures = list(Structure.objects.filter(departement=departement).order_by("nom", "pk"))
    etats = etats_agents([s.pk for s in structures])
    return [EtatStructure(structure=s, aujourdhui=aujourdhui, agents=etats.get(s.pk, [])) for s in structures]


@dataclass
class LigneModule:
    module: Module
    reussie_le: object = None
    inscription: Inscription | None = None


@dataclass
class Dossier:
    agent: Utilisateur
    inscriptions: list[Inscription]
    requis: list[LigneModule]
    etats: list[EtatAgent]
    aujourdhui: date

    @property
    def forme(self) -> bool:
        return bool(self.requis) and all(ligne.reussie_le for ligne in self.requis)

    @property
    def reussites(self) -> list[Inscription]:
        return [i for i in self.inscriptions if i.reussie_le]


def dossier(agent, *, structure_ids=None, aujourdhui=None) -> Dossier:
    """Dossier de formation : inscriptions (toutes, les plus récentes d'abord), modules du tronc commun
    requis (réussi ou non), et échéance sur chaque structure de `structure_ids` (toutes les siennes si None)."""
    aujourdhui = aujourdhui or timezone.localdate()
    inscriptions = list(
        Inscription.objects.filter(agent=agent)
        .select_related("session__module", "session__departement", "avis")
        .order_by("-session__debut", "-pk")
    )
    reussites = {}
    for i in inscriptions:
        if i.reussie_le and i.session.module_id not in reussites:
            reussites[i.session.module_id] = i
    requis = [
        LigneModule(
            module=m,
            reussie_le=getattr(reussites.get(m.pk), "reussie_le", None),
            inscription=reussites.get(m.pk),
        )
        for m in modules_requis().order_by("titre")
    ]
    habilitations = Habilitation.objects.actives().filter(utilisateur=agent, role__in=ROLES_AGENTS)
    if structure_ids is not None:
        habilitations = habilitations.filter(structure_id__in=list(structure_ids))
    lignes = habilitations.values("structure_id").annotate(debut=Min("debut")).order_by("structure_id")
    structures = Structure.objects.in_bulk([ligne["structure_id"] for ligne in lignes])
    est_forme = bool(requis) and all(ligne.reussie_le for ligne in requis)
    etats = []
    for ligne in lignes:
        e = EtatAgent(
            agent_id=agent.pk,
            structure_id=ligne["structure_id"],
            debut=ligne["debut"],
            echeance=echeance(ligne["debut"]),
            reussis=len(requis) if est_forme else sum(1 for r in requis if r.reussie_le),
            requis=len(requis),
            inscrit=False,
            agent=agent,
        )
        e.structure = structures.get(ligne["structure_id"])
        etats.append(e)
    return Dossier(agent=agent, inscriptions=inscriptions, requis=requis, etats=etats, aujourdhui=aujourdhui)
