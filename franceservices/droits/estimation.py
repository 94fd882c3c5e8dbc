"""Estimation : questionnaire → situation → simulateur → montants par aide, enrichis du partenaire et de la
démarche (lien en ligne, fiche). Rien n'est écrit en base ici."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from . import client, situation
from .aides import AIDES, Aide


@dataclass
class AideEstimee:
    aide: Aide
    mensuel: float
    annuel: float
    partenaire: object = None  # partenaires.Partenaire
    demarche: object = None  # activite.Demarche
    fiche: object = None  # bouquet.Fiche publiée liée à la démarche

    @property
    def lien_en_ligne(self) -> str:
        return (self.demarche and self.demarche.lien_en_ligne) or self.aide.lien_officiel

    @property
    def lien_officiel_connu(self) -> bool:
        """Vrai quand le lien ne vient pas du catalogue des démarches mais de la liste du projet."""
        return not (self.demarche and self.demarche.lien_en_ligne)


def mois_de_reference(jour: date | None = None) -> date:
    jour = jour or timezone.localdate()
    return date(jour.year, jour.month, 1)


def calculs(mois: date) -> list[dict]:
    return [
        {"variable": a.variable, "periode": str(mois.year) if a.annuelle else mois.strftime("%Y-%m")}
        for a in AIDES
    ]


def montants(resultats: dict, mois: date, prefixe: str = "") -> dict[str, tuple[float, float]]:
    """{variable: (mensuel, annuel)} pour le ménage `prefixe` (montants arrondis au centime)."""
    sortie = {}
    for aide in AIDES:
        periode = str(mois.year) if aide.annuelle else mois.strftime("%Y-%m")
        identifiant = prefixe + ("menage" if aide.entite == "menage" else "famille")
        valeur = float(resultats[aide.variable][periode].get(identifiant) or 0.0)
        mensuel, annuel = (valeur / 12, valeur) if aide.annuelle else (valeur, valeur * 12)
        sortie[aide.variable] = (round(mensuel, 2), round(annuel, 2))
    return sortie


def estimer_montants(q: situation.Questionnaire, mois: date | None = None) -> dict[str, tuple[float, float]]:
    mois = mois or mois_de_reference()
    return montants(client.calculer(situation.construire(q, mois), calculs(mois)), mois)


TAILLE_LOT = 50  # ménages par appel : sous la taille maximale d'une requête du simulateur


def estimer_lot(questionnaires: list[situation.Questionnaire], mois: date | None = None) -> list[dict]:
    """N ménages en appels groupés par `TAILLE_LOT` (le modèle calcule chaque groupe en vecteurs)."""
    mois = mois or mois_de_reference()
    sortie = []
    for debut in range(0, len(questionnaires), TAILLE_LOT):
        groupe = questionnaires[debut : debut + TAILLE_LOT]
        prefixes = [f"m{i}_" for i in range(len(groupe))]
        fusion = situation.fusionner(
            [situation.construire(q, mois, p) for q, p in zip(groupe, prefixes, strict=True)]
        )
        resultats = client.calculer(fusion, calculs(mois))
        sortie.extend(montants(resultats, mois, p) for p in prefixes)
    return sortie


def enrichir(valeurs: dict[str, tuple[float, float]]) -> list[AideEstimee]:
    """Les aides non nulles, avec partenaire, démarche et fiche publiée (3 requêtes)."""
    from franceservices.activite.models import Demarche
    from franceservices.bouquet.models import Fiche
    from franceservices.partenaires.models import Partenaire

    retenues = [AideEstimee(a, *valeurs[a.variable]) for a in AIDES if valeurs.get(a.variable, (0, 0))[1] > 0]
    codes = {e.aide.partenaire for e in retenues}
    partenaires = {
        p.code.lower(): p for p in Partenaire.objects.filter(code__in=codes | {c.upper() for c in codes})
    }
    demarches = {
        (d.partenaire.code.lower(), d.libelle): d
        for d in Demarche.objects.filter(partenaire__in=partenaires.values()).select_related("partenaire")
    }
    fiches = {}
    for fiche in (
        Fiche.objects.publiees().filter(demarches__in=demarches.values()).prefetch_related("demarches")
    ):
        for d in fiche.demarches.all():
            fiches.setdefault(d.pk, fiche)
    for e in retenues:
        e.partenaire = partenaires.get(e.aide.partenaire)
        e.demarche = demarches.get((e.aide.partenaire, e.aide.demarche))
        e.fiche = fiches.get(e.demarche.pk) if e.demarche else None
    return retenues
