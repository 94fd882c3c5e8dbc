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
   partenaire n'est connu) ;
4. toujours : une demande de rappel.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from .models import DecisionOrientation, Orientation

OUI, NON, NE_SAIT_PAS = "oui", "non", "ne_sait_pas"
REPONSES_POSSIBLES = {OUI, NON, NE_SAIT_PAS}
NB_FRANCE_SERVICES = 3
NB_CANDIDATES = 30  # France services examinées autour de la commune pour trouver celles du partenaire
NB_LIEUX_MEDIATION = 3


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


def _france_services(reponses: Reponses) -> list[Proposition]:
    commune = reponses.commune
    if commune is None or commune.latitude is None or commune.longitude is None:
        return []
    from franceservices.structures.proximite import structures_proches

    couverture = _couverture(reponses.partenaire)
    if couverture is not None and not any(couverture):
        return []
    propositions = []
    for structure, distance in structures_proches(commune.latitude, commune.longitude, NB_CANDIDATES):
        if couverture is not None and not (
            structure.pk in couverture[0] or structure.departement_id in couverture[1]
        ):
            continue
        propositions.append(
            Proposition(
                Orientation.FRANCE_SERVICES,
                f"France services {structure.nom}",
                structure=structure,
                distance_km=round(distance, 1),
            )
        )
        if len(propositions) == NB_FRANCE_SERVICES:
            break
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


def orienter(reponses: Reponses) -> list[Proposition]:
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
    propositions += _france_services(reponses)
    propositions.append(
        Proposition(
            Orientation.RAPPEL,
            "Être rappelé par un agent France services",
            details={
                "departement": reponses.departement_id,
                "partenaire": getattr(reponses.partenaire, "pk", None),
            },
        )
    )
    return propositions


def enregistrer_decision(*, reponses: Reponses, orientation: str, maintenant=None) -> DecisionOrientation:
    """Garde la décision, anonyme : codes des réponses, orientation, partenaire, département, commune INSEE."""
    if orientation not in Orientation.values:
        raise ValueError(f"Orientation inconnue : {orientation!r}")
    return DecisionOrientation.objects.create(
        le=maintenant or timezone.now(),
        reponses=reponses.codes(),
        orientation=orientation,
        partenaire=reponses.partenaire,
        departement_id=reponses.departement_id,
        code_insee=reponses.commune.code_insee if reponses.commune is not None else "",
    )
