"""Import des partenaires nationaux : les 9 du socle (open data) et ceux ajoutés depuis (fichier du projet)."""

from pathlib import Path

from franceservices.core.importation import Bilan, lire_csv, synchroniser

from .models import Partenaire, Presence

FICHIER_SOCLE = "france_services_operateurs_nationaux.csv"
FICHIER_AJOUTES = Path(__file__).parent / "donnees" / "partenaires_ajoutes.csv"
SOURCE_SOCLE = "Rapport du Sénat n° 778 (2021-2022), transcrit dans les données de référence"


def importer_partenaires(dossier: Path) -> Bilan:
    """Crée les partenaires manquants ; n'écrase jamais ce que l'équipe nationale a modifié ensuite."""
    bilan = Bilan("Partenaires")
    valeurs = {}
    for ligne in lire_csv(dossier / FICHIER_SOCLE, {"code", "nom_court", "nom_complet", "type", "note"}):
        valeurs[ligne["code"].lower()] = {
            "nom_court": ligne["nom_court"], "nom_complet": ligne["nom_complet"], "type": ligne["type"],
            "note": ligne["note"], "presence": Presence.SOCLE, "depuis": None, "source": SOURCE_SOCLE,
        }  # fmt: skip
    for ligne in lire_csv(FICHIER_AJOUTES, {"code", "nom_court", "nom_complet", "presence", "depuis"}):
        valeurs[ligne["code"].lower()] = {
            "nom_court": ligne["nom_court"], "nom_complet": ligne["nom_complet"], "type": ligne["type"],
            "note": ligne["note"], "presence": ligne["presence"],
            "depuis": int(ligne["depuis"]) if ligne["depuis"] else None, "source": ligne["source"],
        }  # fmt: skip
    existants = set(Partenaire.objects.values_list("code", flat=True))
    bilan.compteurs["inchangés"] += len(existants & set(valeurs))
    synchroniser(Partenaire, "code", {c: v for c, v in valeurs.items() if c not in existants}, bilan)
    return bilan
