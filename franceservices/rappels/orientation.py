"""Moteur du guichet unique « J'ai besoin d'aide pour… » : des réponses simples → des propositions.

`orienter(reponses)` ne fait que lire (démarches, France services proches, lieux de médiation) et rend une
liste ordonnée de propositions, jamais vide : la demande de rappel est toujours proposée en dernier recours.
`enregistrer_decision(...)` garde la décision de façon anonyme (codes, partenaire, commune INSEE).

Règles, dans l'ordre :
1. démarche connue avec un lien en ligne officiel, usager qui peut le faire seul et sans besoin d'aide avec
   l'ordinateur → la démarche en ligne d'abord ;
2. besoin d'aide avec l'ordinateur → un conseiller numérique proche (lieux de médiation de la commune,
   puis du département) ;
3. commune connue → les France services les plus proches qui proposent ce partenaire (toutes si aucun
   partenaire n'est connu), chacune avec son **prochain créneau libre** (types de rendez-vous actifs liés au
   partenaire, ou sans partenaire si aucun n'est connu) et le lien de réservation ; sans type de rendez-vous :
   la France services « sans rendez-vous », avec son téléphone et ses horaires ;
4. toujours : une demande de rappel (lien vers le formulaire public, partenaire et commune préremplis).

Latence : le prochain créneau ne se cherche que pour les France services retenues (3 au plus), semaine
après semaine (1, puis 3 semaines de plus), en s'arrêtant à la première fenêtre qui en a un ; les types de
rendez-vous des trois se lisent en une requête (mesuré par `benchmarks/guichet.py`).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import DecisionOrientation, Orientation

OUI, NON, NE_SAIT_PAS = "oui", "non", "ne_sait_pas"
REPONSES_POSSIBLES = {OUI, NON, NE_SAIT_PAS}
NB_FRANCE_SERVICES = 3
NB_CANDIDATES = 30  # France services examinées autour de la commune pour trouver celles du partenaire
NB_LIEUX_MEDIATION = 3
# Fenêtres successives (en semaines) où chercher le prochain créneau : on s'arrête à la première qui en a un.
FENETRES_CRENEAU = (1, 3)


@dataclass(frozen=True)
class Reponses:
    sujet: str = ""  # code de thème (activite.Theme) ; vide : ne sait pas
    partenaire: object | None = None  # partenaires.Partenaire
    demarche: object | None = None  # activite.Demarche
    en_ligne: str = NE_SAIT_PAS  # « pouvez-vous le faire en ligne ? »
    aide_ordinateur: str = NE_SAIT_PAS  # « avez-vous besoin d'aide avec l'ordinateur ? »
    commune: object | None = None  # territoires.Commune

    def __post_init__(self):
        for nom in ("en_ligne", "aide_ordinateur"):
            if getattr(self, nom) not in REPONSES_POSSIBLES:
                raise ValueError(f"Réponse « {nom} » inconnue : {getattr(self, nom)!r}")
        from franceservices.activite.models import Theme

        if self.sujet and self.sujet not in Theme.values:
            raise ValueError(f"Sujet inconnu : {self.sujet!r}")
        if self.demarche is not None and self.partenaire is None:
            object.__setattr__(self, "partenaire", self.demarche.partenaire)

    @property
    def departement_id(self):
        return self.commune.departement_id if self.commune is not None else None

    def codes(self) -> dict:
        """Les réponses réduites à des codes (aucune donnée personnelle)."""
        return {
            "sujet": self.sujet,
            "partenaire": self.partenaire.code if self.partenaire is not None else "",
            "demarche": self.demarche.pk if self.demarche is not None else None,
            "en_ligne": self.en_ligne,
            "aide_ordinateur": self.aide_ordinateur,
        }


@dataclass
class Proposition:
    orientation: str
    libelle: str
    lien: str = ""
    structure: object | None = None
    distance_km: float | None = None
    lieu: object | None = None
    details: dict = field(default_factory=dict)
    prochain_creneau: datetime | None = None  # heure locale de la France services
    type_rendez_vous: object | None = None  # rendezvous.TypeRendezVous du prochain créneau
    sans_rendez_vous: bool = False  # France services sans type de rendez-vous actif pour ce besoin

    @property
    def telephone(self) -> str:
        return getattr(self.structure, "telephone", "") or ""


def lien_reservation(structure, partenaire=None) -> str:
    """Contrat avec la prise de rendez-vous publique : `rdv:structure` + `?partenaire=<code>`."""
    try:
        chemin = reverse("rdv:structure", args=[structure.pk])
    except NoReverseMatch:  # page pas encore branchée : même adresse, écrite à la main
        chemin = f"/rendez-vous/france-services/{structure.pk}/"
    return f"{chemin}?{urlencode({'partenaire': partenaire.code})}" if partenaire is not None else chemin


def lien_rappel(partenaire=None, commune=None) -> str:
    """Contrat avec la demande de rappel publique : `rappels:demander_public` + partenaire et commune (INSEE)."""
    try:
        chemin = reverse("rappels:demander_public")
    except NoReverseMatch:
        chemin = "/rappels/demander/"
    parametres = {}
    if partenaire is not None:
        parametres["partenaire"] = partenaire.code
    if commune is not None:
        parametres["commune"] = commune.code_insee
    return f"{chemin}?{urlencode(parametres)}" if parametres else chemin


def types_rendez_vous(structures, partenaire) -> dict[int, list]:
    """{pk de structure: [types actifs]} en une requête : ceux du partenaire, ou sans partenaire s'il est inconnu."""
    from franceservices.rendezvous.models import TypeRendezVous

    if not structures:
        return {}
    qs = TypeRendezVous.objects.filter(structure__in=structures, actif=True)
    qs = qs.filter(partenaire=partenaire) if partenaire is not None else qs.filter(partenaire__isnull=True)
    resultat: dict[int, list] = {}
    for type_ in qs.order_by("duree", "pk"):
        resultat.setdefault(type_.structure_id, []).append(type_)
    return resultat


def prochain_creneau(structure, types, *, maintenant=None, fenetres=FENETRES_CRENEAU):
    """(début, type) du premier créneau libre parmi `types`, cherché fenêtre après fenêtre ; (None, None) sinon."""
    from franceservices.rendezvous.creneaux import creneaux_structure
    from franceservices.rendezvous.models import Arret

    maintenant = maintenant or timezone.now()
    du = maintenant.astimezone(structure.fuseau).date()
    # France services itinérante : les créneaux sont ceux de ses arrêts (le bus n'est que là).
    arrets = list(Arret.objects.filter(structure=structure)) or [None]
    for semaines in fenetres:
        meilleur = (None, None)
        for type_ in types:
            type_.structure = structure  # déjà chargée : évite une requête par type
            for arret in arrets:
                creneaux = creneaux_structure(
                    structure, type_, du=du, semaines=semaines, maintenant=maintenant, arret=arret
                )
                if creneaux and (meilleur[0] is None or creneaux[0] < meilleur[0]):
                    meilleur = (creneaux[0], type_)
        if meilleur[0] is not None:
            return meilleur
        du += timedelta(weeks=semaines)
    return None, None


def _ajouter_creneaux(propositions: list["Proposition"], partenaire, maintenant=None) -> None:
    types = types_rendez_vous([p.structure for p in propositions], partenaire)
    for p in propositions:
        candidats = types.get(p.structure.pk, [])
        if not candidats:
            p.sans_rendez_vous = True
            p.lien = p.structure.get_absolute_url()
            continue
        p.prochain_creneau, p.type_rendez_vous = prochain_creneau(
            p.structure, candidats, maintenant=maintenant
        )
        p.lien = lien_reservation(p.structure, partenaire)


def _couverture(partenaire):
    """None : proposé partout (socle, ajouté). Sinon (structures, départements) couverts par ses pilotes en
    cours — la même règle que `Partenaire.objects.proposes_a_structure`, en deux requêtes au lieu d'une par lieu."""
    from franceservices.partenaires.models import Pilote, Presence

    if partenaire is None or partenaire.presence in {Presence.SOCLE, Presence.AJOUTE}:
        return None
    pilotes = Pilote.objects.en_cours().filter(partenaire=partenaire)
    structures = set(pilotes.filter(structures__isnull=False).values_list("structures", flat=True))
    departements = set(pilotes.filter(departements__isnull=False).values_list("departements", flat=True))
    return structures, departements


def _france_services(reponses: Reponses, maintenant=None) -> list[Proposition]:
    commune = reponses.commune
    position = commune.position if commune is not None else None  # déléguée : celle de sa parente
    if position is None:
        return []
    from franceservices.structures.proximite import structures_proches

    couverture = _couverture(reponses.partenaire)
    if couverture is not None and not any(couverture):
        return []
    propositions = []
    for structure, distance in structures_proches(*position, NB_CANDIDATES):
        if couverture is not None and not (
            structure.pk in couverture[0] or structure.departement_id in couverture[1]
        ):
            continue
        propositions.append(
            Proposition(
                Orientation.FRANCE_SERVICES,
                structure.nom
                if structure.nom.lower().startswith("france services")
                else f"France services {structure.nom}",
                structure=structure,
                distance_km=round(distance, 1),
            )
        )
        if len(propositions) == NB_FRANCE_SERVICES:
            break
    _ajouter_creneaux(propositions, reponses.partenaire, maintenant)
    return propositions


def _conseillers_numeriques(reponses: Reponses) -> list[Proposition]:
    if reponses.commune is None:
        return []
    from franceservices.mediation.models import LieuMediation

    lieux = list(LieuMediation.objects.filter(commune=reponses.commune)[:NB_LIEUX_MEDIATION])
    if len(lieux) < NB_LIEUX_MEDIATION:
        autres = LieuMediation.objects.filter(departement_id=reponses.departement_id).exclude(
            pk__in=[lieu.pk for lieu in lieux]
        )
        lieux += list(autres[: NB_LIEUX_MEDIATION - len(lieux)])
    return [
        Proposition(Orientation.CONSEILLER_NUMERIQUE, f"Conseiller numérique : {lieu.nom}", lieu=lieu)
        for lieu in lieux
    ]


def orienter(reponses: Reponses, *, maintenant=None) -> list[Proposition]:
    """Propositions ordonnées (la première est l'orientation conseillée) ; jamais vide."""
    propositions = []
    demarche = reponses.demarche
    if (
        demarche is not None
        and demarche.lien_en_ligne
        and reponses.en_ligne == OUI
        and reponses.aide_ordinateur != OUI
    ):
        propositions.append(
            Proposition(
                Orientation.EN_LIGNE,
                f"Faire la démarche en ligne : {demarche.libelle}",
                lien=demarche.lien_en_ligne,
            )
        )
    if reponses.aide_ordinateur == OUI:
        propositions += _conseillers_numeriques(reponses)
    propositions += _france_services(reponses, maintenant)
    propositions.append(
        Proposition(
            Orientation.RAPPEL,
            "Être rappelé par un agent France services",
            lien=lien_rappel(reponses.partenaire, reponses.commune),
            details={
                "departement": reponses.departement_id,
                "partenaire": getattr(reponses.partenaire, "pk", None),
            },
        )
    )
    return propositions


def enregistrer_decision(
    *, reponses: Reponses, orientation: str, maintenant=None, parcours: str = ""
) -> DecisionOrientation:
    """Garde la décision, anonyme : codes des réponses, orientation, partenaire, département, commune INSEE.
    `parcours` : identifiant aléatoire du parcours (aucun lien avec la personne), pour n'enregistrer qu'une
    décision par parcours (voir `decision_du_parcours`)."""
    if orientation not in Orientation.values:
        raise ValueError(f"Orientation inconnue : {orientation!r}")
    codes = reponses.codes()
    if parcours:
        codes["parcours"] = parcours
    return DecisionOrientation.objects.create(
        le=maintenant or timezone.now(),
        reponses=codes,
        orientation=orientation,
        partenaire=reponses.partenaire,
        departement_id=reponses.departement_id,
        code_insee=reponses.commune.code_insee if reponses.commune is not None else "",
    )


def decision_du_parcours(parcours: str, depuis) -> DecisionOrientation | None:
    """La décision déjà enregistrée pour ce parcours (créée après `depuis`, l'heure du jeton : index sur `le`)."""
    if not parcours:
        return None
    return (
        DecisionOrientation.objects.filter(le__gte=depuis, reponses__parcours=parcours).order_by("pk").first()
    )


@transaction.atomic
def choisir_orientation(*, decision_id: int, orientation: str) -> DecisionOrientation | None:
    """L'usager suit une autre proposition que la première : la décision de son parcours (la même ligne, jamais
    une seconde) prend l'orientation choisie. None si la décision n'existe plus."""
    if orientation not in Orientation.values:
        raise ValueError(f"Orientation inconnue : {orientation!r}")
    decision = DecisionOrientation.objects.select_for_update().filter(pk=decision_id).first()
    if decision is not None and decision.orientation != orientation:
        decision.orientation = orientation
        decision.save(update_fields=["orientation"])
    return decision
