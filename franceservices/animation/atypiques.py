"""Repérer les France services qui s'écartent nettement des autres du département, par une méthode robuste.

Méthode : score z modifié d'Iglewicz et Hoaglin (1993), `0,6745 × (x − médiane) / EAM`, où EAM est l'écart
absolu médian (médiane des |x − médiane|). Médiane et EAM ne se laissent pas entraîner par les valeurs extrêmes
qu'on cherche justement à repérer (contrairement à la moyenne et à l'écart type). Un site ressort quand
|score| > SEUIL (3,5, la valeur recommandée par les auteurs). Il faut au moins MINIMUM_SITES valeurs dans le
département ; si l'EAM est nul (plus de la moitié des sites ont la même valeur), on ne signale rien.
"""

from dataclasses import dataclass
from statistics import median

SEUIL = 3.5
MINIMUM_SITES = 5
FACTEUR = 0.6745  # rend l'EAM comparable à un écart type pour une loi normale


@dataclass(frozen=True)
class Ecart:
    valeur: float
    mediane: float
    score: float

    @property
    def au_dessus(self) -> bool:
        return self.valeur > self.mediane

    @property
    def rapport(self) -> float | None:
        """valeur / médiane (None si la médiane est nulle)."""
        return self.valeur / self.mediane if self.mediane else None


def ecarts_robustes(valeurs: dict, *, seuil: float = SEUIL, minimum: int = MINIMUM_SITES) -> dict:
    """{clé: valeur} → {clé: Ecart} pour les valeurs qui s'écartent nettement (voir la docstring du module)."""
    valeurs = {k: float(v) for k, v in valeurs.items() if v is not None}
    if len(valeurs) < minimum:
        return {}
    med = median(valeurs.values())
    eam = median(abs(v - med) for v in valeurs.values())
    if eam == 0:
        return {}
    resultat = {}
    for cle, v in valeurs.items():
        score = FACTEUR * (v - med) / eam
        if abs(score) > seuil:
            resultat[cle] = Ecart(valeur=v, mediane=med, score=score)
    return resultat


def _nombre(x: float) -> str:
    texte = f"{x:.1f}".replace(".", ",")
    return texte[:-2] if texte.endswith(",0") else texte


@dataclass(frozen=True)
class Indicateur:
    """Ce qu'on compare entre France services, et comment le dire."""

    code: str
    libelle: str
    unite: str
    haut: str  # ce que veut dire une valeur haute
    bas: str

    def explication(self, e: Ecart) -> str:
        sens = self.haut if e.au_dessus else self.bas
        if e.rapport and e.rapport >= 1:
            combien = f"{_nombre(e.rapport)} fois la médiane"
        elif e.rapport:
            combien = f"{_nombre(1 / e.rapport)} fois moins que la médiane"
        else:
            combien = "médiane nulle"
        return (
            f"{self.libelle} : {_nombre(e.valeur)} {self.unite} contre {_nombre(e.mediane)} pour la médiane du "
            f"département ({combien}, score robuste {_nombre(e.score)}) — {sens}."
        )


INDICATEURS = (
    Indicateur(
        "par_agent",
        "Demandes par agent (3 derniers mois)",
        "demandes",
        "beaucoup d'activité pour l'équipe : renfort ou saisie à vérifier",
        "peu d'activité par agent : fréquentation ou saisie à vérifier",
    ),
    Indicateur(
        "par_heure",
        "Demandes par heure d'ouverture (3 derniers mois)",
        "demandes",
        "affluence par heure d'ouverture : horaires à élargir ?",
        "peu de demandes par heure d'ouverture : visibilité, horaires ou saisie à vérifier",
    ),
    Indicateur(
        "delai",
        "Délai médian de réponse aux escalades (12 derniers mois)",
        "jours ouvrés",
        "réponses des partenaires plus lentes qu'ailleurs",
        "réponses des partenaires plus rapides qu'ailleurs",
    ),
)
