"""Le jeu fermé des règles de calcul d'un critère du label et la validation de leurs paramètres.

Un critère « calculé » (`Critere.regle`) désigne une de ces règles ; ses seuils sont des données
(`Critere.parametres`, modifiables par l'équipe nationale), jamais des littéraux du code. Chaque paramètre
est décrit ici (type, bornes, libellé) : la validation du modèle et le formulaire de modification en
dérivent, avec des messages en français.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


class Regle(models.TextChoices):
    HORAIRES_OUVERTURE = "horaires_ouverture", "Heures et jours d'ouverture par semaine"
    AGENTS_FORMES = "agents_formes", "Agents formés (tronc commun réussi)"
    EQUIPE = "equipe", "Équipe habilitée (agents et responsables)"
    PARTENAIRES = "partenaires", "Partenaires nationaux proposés"
    HORAIRES_PUBLIES = "horaires_publies", "Horaires publiés"
    DONNEES_A_JOUR = "donnees_a_jour", "Données de la fiche à jour"


@dataclass(frozen=True)
class Parametre:
    nom: str
    libelle: str
    minimum: float
    maximum: float
    defaut: float
    entier: bool = True
    aide: str = ""


PARAMETRES: dict[str, tuple[Parametre, ...]] = {
    Regle.HORAIRES_OUVERTURE: (
        Parametre("heures_min", "Heures d'ouverture minimales par semaine", 0.5, 168, 24, entier=False),
        Parametre("jours_min", "Jours d'ouverture minimaux par semaine", 1, 7, 5),
    ),
    Regle.AGENTS_FORMES: (
        Parametre(
            "agents_min",
            "Agents formés au minimum",
            1,
            50,
            2,
            aide="Agents et responsables actifs ayant réussi le tronc commun.",
        ),
    ),
    Regle.EQUIPE: (
        Parametre("agents_min", "Personnes habilitées au minimum (agents et responsables)", 1, 50, 2),
        Parametre("responsables_min", "Responsables au minimum", 0, 10, 1),
    ),
    Regle.PARTENAIRES: (
        Parametre(
            "partenaires_min",
            "Partenaires nationaux proposés au minimum",
            0,
            100,
            9,
            aide="Partenaires actifs du socle et ajoutés, plus les pilotes qui couvrent la France services.",
        ),
    ),
    Regle.HORAIRES_PUBLIES: (),
    Regle.DONNEES_A_JOUR: (
        Parametre("mois_max", "Ancienneté maximale de la fiche (mois)", 1, 120, 12),
        Parametre("anomalies_max", "Anomalies d'import tolérées", 0, 100, 0),
    ),
}


def defauts(regle: str) -> dict:
    return {p.nom: (int(p.defaut) if p.entier else p.defaut) for p in PARAMETRES.get(regle, ())}


def _nombre(valeur):
    return isinstance(valeur, int | float) and not isinstance(valeur, bool)


def valider_parametres(regle: str, parametres) -> dict:
    """Les paramètres de `regle`, vérifiés (tous présents, nombres dans leurs bornes, aucun inconnu) ;
    lève `ValidationError` avec un message par paramètre fautif."""
    if regle not in Regle.values:
        raise ValidationError({"regle": "Règle de calcul inconnue."})
    if not isinstance(parametres, dict):
        raise ValidationError({"parametres": "Les paramètres doivent être un objet {nom: valeur}."})
    attendus = {p.nom: p for p in PARAMETRES[regle]}
    erreurs = []
    for nom in sorted(set(parametres) - set(attendus)):
        erreurs.append(f"Paramètre inconnu pour cette règle : « {nom} ».")
    propres = {}
    for nom, p in attendus.items():
        valeur = parametres.get(nom)
        if valeur is None:
            erreurs.append(f"{p.libelle} : valeur manquante.")
        elif not _nombre(valeur) or (p.entier and float(valeur) != int(valeur)):
            erreurs.append(f"{p.libelle} : un nombre {'entier ' if p.entier else ''}est attendu.")
        elif not p.minimum <= valeur <= p.maximum:
            erreurs.append(f"{p.libelle} : entre {p.minimum:g} et {p.maximum:g}.")
        else:
            propres[nom] = int(valeur) if p.entier else float(valeur)
    if erreurs:
        raise ValidationError({"parametres": erreurs})
    return propres
