"""Catalogue de départ des démarches (fichier du projet) ; l'équipe nationale l'édite ensuite (admin)."""

from pathlib import Path

from franceservices.core.importation import Bilan, lire_csv
from franceservices.partenaires.models import Partenaire

from .models import Demarche, Theme

FICHIER_DEMARCHES = Path(__file__).parent / "donnees" / "demarches.csv"


def importer_demarches(dossier: Path | None = None) -> Bilan:
    """Crée les démarches manquantes du catalogue de départ ; ne modifie ni ne supprime jamais les existantes."""
    bilan = Bilan("Démarches")
    partenaires = {p.code: p for p in Partenaire.objects.all()}
    existantes = set(Demarche.objects.values_list("partenaire__code", "libelle"))
    nouvelles = []
    for ligne in lire_csv(FICHIER_DEMARCHES, {"partenaire", "libelle", "theme", "ordre"}):
        partenaire = partenaires.get(ligne["partenaire"])
        if partenaire is None or ligne["theme"] not in Theme.values:
            bilan.rejeter(ligne["libelle"], f"partenaire « {ligne['partenaire']} » ou thème inconnu")
            continue
        if (partenaire.code, ligne["libelle"]) in existantes:
            bilan.compteurs["inchangés"] += 1
            continue
        nouvelles.append(
            Demarche(
                partenaire=partenaire,
                libelle=ligne["libelle"],
                theme=ligne["theme"],
                ordre=int(ligne["ordre"]),
            )
        )
    Demarche.objects.bulk_create(nouvelles)
    bilan.compteurs["créés"] += len(nouvelles)
    return bilan
