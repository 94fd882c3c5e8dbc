"""Catalogue de départ des démarches (fichier du projet) ; l'équipe nationale l'édite ensuite (admin, bouquet).

Colonnes : partenaire, libelle, theme, ordre ; et, pour le bouquet de services, regle (guichet /
orientation / escalade), mode_orientation, precisions_orientation, pieces (séparées par « | »),
lien_en_ligne, lien_service_public. La règle et les pièces sont des **valeurs par défaut du projet**
(colonne source_regle), à confirmer par la charte de chaque partenaire : ce n'est pas la charte officielle.
Les liens ne pointent que vers des sites officiels (vides dans le doute).
"""

from pathlib import Path

from franceservices.core.importation import Bilan, lire_csv
from franceservices.partenaires.models import Partenaire

from .models import Demarche, ModeOrientation, Regle, Theme

FICHIER_DEMARCHES = Path(__file__).parent / "donnees" / "demarches.csv"
CHAMPS_CHARTE = (
    "regle",
    "mode_orientation",
    "precisions_orientation",
    "pieces",
    "lien_en_ligne",
    "lien_service_public",
)


def _charte(ligne: dict) -> dict:
    """Les champs « charte » d'une ligne (vides ou absents : valeurs par défaut du modèle)."""
    regle = (ligne.get("regle") or "").strip() or Regle.GUICHET
    mode = (ligne.get("mode_orientation") or "").strip()
    return {
        "regle": regle,
        "mode_orientation": mode,
        "precisions_orientation": (ligne.get("precisions_orientation") or "").strip(),
        "pieces": "\n".join(p.strip() for p in (ligne.get("pieces") or "").split("|") if p.strip()),
        "lien_en_ligne": (ligne.get("lien_en_ligne") or "").strip(),
        "lien_service_public": (ligne.get("lien_service_public") or "").strip(),
    }


def _jamais_renseignee(demarche: Demarche) -> bool:
    """Une démarche créée avant ces colonnes, que personne n'a renseignée depuis."""
    return demarche.regle == Regle.GUICHET and not any(
        getattr(demarche, c) for c in CHAMPS_CHARTE if c != "regle"
    )


def importer_demarches(dossier: Path | None = None) -> Bilan:
    """Crée les démarches manquantes du catalogue de départ ; ne supprime jamais rien.

    Une démarche existante n'est pas modifiée (l'équipe nationale a pu la corriger), sauf si ses champs
    de charte n'ont jamais été renseignés (base créée avant ces colonnes) : ils sont alors complétés."""
    bilan = Bilan("Démarches")
    partenaires = {p.code: p for p in Partenaire.objects.all()}
    existantes = {(d.partenaire.code, d.libelle): d for d in Demarche.objects.select_related("partenaire")}
    nouvelles, completees = [], []
    for ligne in lire_csv(FICHIER_DEMARCHES, {"partenaire", "libelle", "theme", "ordre"}):
        partenaire = partenaires.get(ligne["partenaire"])
        if partenaire is None or ligne["theme"] not in Theme.values:
            bilan.rejeter(ligne["libelle"], f"partenaire « {ligne['partenaire']} » ou thème inconnu")
            continue
        charte = _charte(ligne)
        if charte["regle"] not in Regle.values or (
            charte["mode_orientation"] and charte["mode_orientation"] not in ModeOrientation.values
        ):
            bilan.rejeter(ligne["libelle"], f"règle « {charte['regle']} » ou mode d'orientation inconnu")
            continue
        existante = existantes.get((partenaire.code, ligne["libelle"]))
        if existante is not None:
            if _jamais_renseignee(existante) and any(charte[c] for c in CHAMPS_CHARTE if c != "regle"):
                for champ, valeur in charte.items():
                    setattr(existante, champ, valeur)
                completees.append(existante)
            else:
                bilan.compteurs["inchangés"] += 1
            continue
        nouvelles.append(
            Demarche(
                partenaire=partenaire,
                libelle=ligne["libelle"],
                theme=ligne["theme"],
                ordre=int(ligne["ordre"]),
                **charte,
            )
        )
    Demarche.objects.bulk_create(nouvelles)
    if completees:
        Demarche.objects.bulk_update(completees, list(CHAMPS_CHARTE))
    bilan.compteurs["créés"] += len(nouvelles)
    if completees:
        bilan.compteurs["mis à jour"] += len(completees)
    return bilan
