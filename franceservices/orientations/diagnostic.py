"""Diagnostic rapide d'autonomie numérique, fait par l'agent avec l'usager (quelques questions, 3 niveaux).

Les questions s'inspirent des compétences décrites par les référentiels publics (Pix, ABC Diag de la
médiation numérique) sans prétendre les reproduire ni s'y substituer : c'est un repère pour l'échange, pas
une certification. Rien n'est enregistré : les réponses passent dans l'adresse de la page (GET) et le
résultat ne sert qu'à préremplir le champ « autonomie numérique » de la saisie (mêmes valeurs que
`activite.models.Autonomie`) et à suggérer une orientation vers un conseiller numérique.
"""

from dataclasses import dataclass

from franceservices.activite.models import Autonomie

OUI, AVEC_AIDE, NON = "oui", "aide", "non"
REPONSES = [(OUI, "Oui, seul"), (AVEC_AIDE, "Avec de l'aide"), (NON, "Non")]
POINTS = {OUI: 2, AVEC_AIDE: 1, NON: 0}

QUESTIONS = [
    ("appareil", "Allumer un ordinateur, une tablette ou un smartphone et ouvrir une application"),
    ("internet", "Trouver une information sur internet (un site officiel, des horaires…)"),
    ("courriel", "Lire et envoyer un courriel, ouvrir une pièce jointe"),
    ("compte", "Se connecter à un compte en ligne avec son identifiant et son mot de passe"),
    ("document", "Numériser (photographier ou scanner) un document et l'envoyer"),
    ("formulaire", "Remplir un formulaire en ligne jusqu'au bout"),
    ("arnaque", "Reconnaître un message frauduleux (faux site, faux SMS)"),
]

SEUIL_AUTONOME = 12  # sur 14 points, et aucune réponse « non »
SEUIL_PARTIELLE = 6


@dataclass(frozen=True)
class Resultat:
    points: int
    maximum: int
    niveau: str  # valeur de Autonomie

    @property
    def libelle(self) -> str:
        return Autonomie(self.niveau).label

    @property
    def suggere_orientation(self) -> bool:
        return self.niveau != Autonomie.AUTONOME


def evaluer(reponses: dict[str, str]) -> Resultat:
    """Niveau d'autonomie depuis les réponses {code de question: oui | aide | non} (toutes requises)."""
    manquantes = [code for code, _ in QUESTIONS if reponses.get(code) not in POINTS]
    if manquantes:
        raise ValueError(f"Réponses manquantes : {', '.join(manquantes)}")
    points = sum(POINTS[reponses[code]] for code, _ in QUESTIONS)
    maximum = 2 * len(QUESTIONS)
    if points >= SEUIL_AUTONOME and NON not in {reponses[code] for code, _ in QUESTIONS}:
        niveau = Autonomie.AUTONOME
    elif points >= SEUIL_PARTIELLE:
        niveau = Autonomie.PARTIELLE
    else:
        niveau = Autonomie.NON_AUTONOME
    return Resultat(points=points, maximum=maximum, niveau=niveau.value)
