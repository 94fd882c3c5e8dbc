"""Import du référentiel territorial (régions, départements, communes, jours fériés)."""

import json
from datetime import date
from pathlib import Path

from franceservices.core.importation import Bilan, FichierInvalide, lire_csv, synchroniser
from franceservices.core.texte import normaliser

from . import feries, recherche
from .models import Commune, ContourDepartement, Departement, JourFerie, Region

FICHIER_REGIONS = "regions.csv"
FICHIER_DEPARTEMENTS = "departements.csv"
FICHIER_CONTOURS = "departements_avec_drom_anct.geojson"
FICHIER_COMMUNES = "communes_france_2026.csv"
FICHIER_FERIES = "jours_feries.csv"


def importer_regions(dossier: Path) -> Bilan:
    bilan = Bilan("Régions")
    lignes = lire_csv(dossier / FICHIER_REGIONS, {"code", "nom", "zone"})
    valeurs = {ligne["code"]: {"nom": ligne["nom"], "zone": ligne["zone"]} for ligne in lignes}
    synchroniser(Region, "code", valeurs, bilan)
    return bilan


def _lire_contours(chemin: Path) -> dict[str, dict]:
    if not chemin.exists():
        return {}
    try:
        donnees = json.loads(chemin.read_text(encoding="utf-8"))
        return {f["properties"]["insee_dep"]: f["geometry"] for f in donnees["features"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise FichierInvalide(f"{chemin} : GeoJSON illisible ({exc}).") from exc


def importer_departements(dossier: Path) -> Bilan:
    bilan = Bilan("Départements")
    lignes = lire_csv(dossier / FICHIER_DEPARTEMENTS, {"code", "nom", "region_code", "zone"})
    regions = dict(Region.objects.values_list("code", "pk"))
    contours = _lire_contours(dossier / FICHIER_CONTOURS)
    valeurs = {}
    for numero, ligne in enumerate(lignes, start=2):
        if ligne["region_code"] not in regions:
            bilan.rejeter(f"ligne {numero} ({ligne['code']})", f"région inconnue « {ligne['region_code']} »")
            continue
        valeurs[ligne["code"]] = {
            "nom": ligne["nom"],
            "region_id": regions[ligne["region_code"]],
            "zone": ligne["zone"],
        }
    pks = synchroniser(Departement, "code", valeurs, bilan)
    synchroniser(
        ContourDepartement,
        "departement_id",
        {pks[code]: {"geometrie": geometrie} for code, geometrie in contours.items() if code in pks},
        Bilan("Contours"),
    )
    return bilan


def _entier(texte: str) -> int | None:
    return int(texte) if texte.strip().isdigit() else None


def _decimal(texte: str) -> float | None:
    try:
        return float(texte) if texte.strip() else None
    except ValueError:
        return None


def importer_communes(dossier: Path) -> Bilan:
    bilan = Bilan("Communes")
    colonnes = {
        "code_insee",
        "nom",
        "type",
        "commune_parente",
        "codes_postaux",
        "departement",
        "population",
        "lat",
        "lon",
    }
    lignes = lire_csv(dossier / FICHIER_COMMUNES, colonnes)
    departements = dict(Departement.objects.values_list("code", "pk"))
    valeurs, parentes = {}, {}
    for numero, ligne in enumerate(lignes, start=2):
        cle = (ligne["code_insee"], ligne["type"])
        if ligne["departement"] not in departements:
            bilan.rejeter(
                f"ligne {numero} ({ligne['code_insee']})", f"département inconnu « {ligne['departement']} »"
            )
            continue
        valeurs[cle] = {
            "nom": ligne["nom"],
            "nom_normalise": normaliser(ligne["nom"]),
            "codes_postaux": " ".join(ligne["codes_postaux"].split()),
            "departement_id": departements[ligne["departement"]],
            "population": _entier(ligne["population"]),
            "latitude": _decimal(ligne["lat"]),
            "longitude": _decimal(ligne["lon"]),
            "source_coordonnees": ligne.get("source_coordonnees", ""),
        }
        if ligne["commune_parente"]:
            parentes[cle] = ligne["commune_parente"]
    # Deux temps : les communes sans parente d'abord, puis celles qui pointent vers elles.
    sans_parente = {
        cle: {**v, "commune_parente_id": None} for cle, v in valeurs.items() if cle not in parentes
    }
    pk_par_cle = synchroniser(Commune, ("code_insee", "type"), sans_parente, bilan)
    pk_par_code = {code: pk for (code, type_), pk in pk_par_cle.items() if type_ == "commune-actuelle"}
    avec_parente = {}
    for cle, code_parent in parentes.items():
        if code_parent not in pk_par_code:
            bilan.rejeter(f"commune {cle[0]} ({cle[1]})", f"commune parente inconnue « {code_parent} »")
            continue
        avec_parente[cle] = {**valeurs[cle], "commune_parente_id": pk_par_code[code_parent]}
    synchroniser(Commune, ("code_insee", "type"), avec_parente, bilan)
    recherche.invalider_index()
    return bilan


def importer_jours_feries(dossier: Path) -> Bilan:
    bilan = Bilan("Jours fériés")
    valeurs = {}
    for numero, ligne in enumerate(
        lire_csv(dossier / FICHIER_FERIES, {"date", "nom_jour_ferie", "zones"}), start=2
    ):
        try:
            jour = date.fromisoformat(ligne["date"])
        except ValueError:
            bilan.rejeter(f"ligne {numero}", f"date invalide « {ligne['date']} »")
            continue
        for zone in filter(None, ligne["zones"].split("|")):
            valeurs[(jour, zone)] = {"nom": ligne["nom_jour_ferie"]}
    synchroniser(JourFerie, ("date", "zone"), valeurs, bilan)
    feries.vider_cache()
    return bilan
