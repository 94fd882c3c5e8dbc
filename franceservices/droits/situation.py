"""Construction de la situation OpenFisca depuis le questionnaire (fonctions pures, sans base ni réseau).

Pièges connus, traités ici et vérifiés par les tests :
- le salaire saisi est le **brut** mensuel (`salaire_de_base`), jamais le net : OpenFisca calcule le net,
  les cotisations et le revenu imposable à partir du brut ;
- les aides lisent des mois **passés** : RSA et prime d'activité les ressources des 3 mois précédents
  (M-1…M-3), les aides au logement les 12 mois glissants (M-12…M-1) et le statut d'occupation, le loyer et la
  zone du mois, le chèque énergie le revenu fiscal de l'année N-2. Les revenus, l'activité, le statut
  d'occupation du logement, le loyer et la zone sont donc donnés pour **chaque mois** de janvier N-2 au mois
  M inclus (`mois_renseignes`) : une valeur donnée pour le seul mois M laisserait les mois lus à zéro ou « non
  renseigné » et fausserait l'estimation sans erreur visible ;
- les âges deviennent des dates de naissance (âge atteint au mois M, milieu d'année).
"""

from dataclasses import dataclass, field
from datetime import date

STATUTS_LOCATAIRE = {"locataire_vide", "locataire_meuble", "locataire_hlm", "locataire_foyer"}
STATUTS_LOGEMENT = [
    ("locataire_vide", "Locataire (logement vide, parc privé)"),
    ("locataire_meuble", "Locataire (logement meublé)"),
    ("locataire_hlm", "Locataire d'un logement social (HLM)"),
    ("locataire_foyer", "Résident d'un foyer"),
    ("proprietaire", "Propriétaire"),
    ("loge_gratuitement", "Hébergé gratuitement"),
    ("sans_domicile", "Sans domicile stable"),
]
ZONES = [
    ("zone_1", "Zone 1 : Paris et petite couronne"),
    ("zone_2", "Zone 2 : grandes agglomérations (plus de 100 000 habitants), Île-de-France hors zone 1"),
    ("zone_3", "Zone 3 : reste du territoire"),
]


@dataclass(frozen=True)
class Questionnaire:
    """Réponses au questionnaire guidé, déjà validées (voir `forms.QuestionnaireForm`). Montants en euros."""

    age: int
    salaire_brut: float = 0.0
    en_couple: bool = False
    age_conjoint: int | None = None
    salaire_brut_conjoint: float = 0.0
    ages_enfants: tuple[int, ...] = field(default_factory=tuple)
    logement: str = "locataire_vide"
    loyer: float = 0.0
    zone: str = "zone_3"


def mois_precedent(mois: date, n: int = 1) -> date:
    total = mois.year * 12 + (mois.month - 1) - n
    return date(total // 12, total % 12 + 1, 1)


def mois_renseignes(mois: date) -> list[str]:
    """Les mois donnés au modèle : de janvier N-2 (revenu fiscal du chèque énergie) au mois M inclus."""
    premier = date(mois.year - 2, 1, 1)
    resultat, courant = [], date(mois.year, mois.month, 1)
    while courant >= premier:
        resultat.append(courant.strftime("%Y-%m"))
        courant = mois_precedent(courant)
    return sorted(resultat)


def date_naissance(age: int, mois: date) -> str:
    """Âge révolu `age` au mois M : naissance `age` ans et 6 mois avant."""
    naissance = mois_precedent(date(mois.year - age, mois.month, 1), 6)
    return naissance.isoformat()


def _par_mois(valeur, mois: list[str]) -> dict:
    return dict.fromkeys(mois, valeur)


def construire(q: Questionnaire, mois: date, prefixe: str = "") -> dict:
    """La situation OpenFisca (individus, familles, foyers fiscaux, ménages) du questionnaire `q` au mois M.

    `prefixe` distingue les ménages d'un lot réunis dans une même situation (`fusionner`).
    """
    periodes = mois_renseignes(mois)
    p = prefixe

    def individu(age: int, salaire: float, statut_marital: str) -> dict:
        return {
            "date_naissance": {"ETERNITY": date_naissance(age, mois)},
            "salaire_de_base": _par_mois(round(float(salaire), 2), periodes),
            "activite": _par_mois("actif" if salaire > 0 else "inactif", periodes),
            "statut_marital": _par_mois(statut_marital, periodes),
        }

    statut_marital = "marie" if q.en_couple else "celibataire"
    individus = {f"{p}demandeur": individu(q.age, q.salaire_brut, statut_marital)}
    adultes = [f"{p}demandeur"]
    if q.en_couple:
        individus[f"{p}conjoint"] = individu(q.age_conjoint, q.salaire_brut_conjoint, statut_marital)
        adultes.append(f"{p}conjoint")
    enfants = []
    for i, age in enumerate(q.ages_enfants, start=1):
        identifiant = f"{p}enfant_{i}"
        individus[identifiant] = {
            "date_naissance": {"ETERNITY": date_naissance(age, mois)},
            "salaire_de_base": _par_mois(0.0, periodes),
            "activite": _par_mois("etudiant" if age >= 3 else "inactif", periodes),
        }
        enfants.append(identifiant)

    locataire = q.logement in STATUTS_LOCATAIRE
    menage = {
        "personne_de_reference": [adultes[0]],
        "enfants": enfants,
        "statut_occupation_logement": _par_mois(q.logement, periodes),
        "loyer": _par_mois(round(float(q.loyer), 2) if locataire else 0.0, periodes),
        "zone_apl": _par_mois(q.zone, periodes),
    }
    if q.en_couple:
        menage["conjoint"] = [adultes[1]]
    return {
        "individus": individus,
        "familles": {f"{p}famille": {"parents": adultes, "enfants": enfants}},
        "foyers_fiscaux": {f"{p}foyer": {"declarants": adultes, "personnes_a_charge": enfants}},
        "menages": {f"{p}menage": menage},
    }


def fusionner(situations: list[dict]) -> dict:
    """Réunit des situations (aux identifiants préfixés) en une seule : OpenFisca calcule le lot en vecteurs."""
    resultat = {"individus": {}, "familles": {}, "foyers_fiscaux": {}, "menages": {}}
    for situation in situations:
        for cle, entites in situation.items():
            resultat[cle].update(entites)
    return resultat
