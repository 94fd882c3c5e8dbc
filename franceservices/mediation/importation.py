"""Import des lieux de médiation numérique (schéma national ; échantillon de REFERENCE_DATA_DIR).

Chaque ligne est validée contre le schéma publié (`schemas.CHAMPS_LIEUX`) après une normalisation limitée et
documentée (séparateur « | » → « ; », ancien vocabulaire des services, colonne `courriel` des extraits
anciens) ; une ligne invalide est rejetée avec son numéro, le champ et le message ; les autres sont écrites
par `synchroniser` (upsert qui n'écrit que ce qui change : un second import ne modifie rien). Un lieu absent
du fichier n'est pas supprimé (des orientations peuvent le désigner).
"""

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from franceservices.core.audit import journaliser
from franceservices.core.importation import Bilan, lire_csv, synchroniser
from franceservices.core.models import Evenement
from franceservices.core.texte import normaliser
from franceservices.territoires.models import Commune, Departement

from .models import LieuMediation
from .schemas import ANCIENS_SERVICES, CHAMPS_LIEUX, referentiels, valider

FICHIER = "lieux_mediation_numerique_echantillon.csv"

# Colonnes sans lesquelles le fichier n'est pas un extrait du schéma (rien n'est importé).
COLONNES_REQUISES = {"id", "nom", "commune", "code_postal", "adresse", "services", "date_maj"}

# Cadres (latitude min, max, longitude min, max) des territoires français : une coordonnée hors de tous les
# cadres est une erreur de saisie (inversion latitude/longitude, zéro, autre pays).
TERRITOIRES = (
    ("métropole et Corse", 41.0, 51.6, -5.9, 10.0),
    ("Antilles", 14.2, 18.2, -63.2, -60.7),
    ("Guyane", 2.0, 6.0, -54.7, -51.5),
    ("La Réunion", -21.5, -20.8, 55.1, 56.0),
    ("Mayotte", -13.1, -12.5, 44.9, 45.4),
    ("Saint-Pierre-et-Miquelon", 46.7, 47.2, -56.5, -56.1),
    ("Nouvelle-Calédonie", -23.5, -17.5, 158.0, 172.0),
    ("Polynésie française", -28.0, -7.0, -155.0, -134.0),
    ("Wallis-et-Futuna", -14.5, -13.1, -178.3, -176.0),
)

# Dates « 1970-01-01 » / « 1969-12-31 » : valeur par défaut d'un outil d'export, pas une vraie date.
DATE_INCONNUE_AVANT = date(1971, 1, 1)


@dataclass(frozen=True)
class Rejet:
    ligne: int
    identifiant: str
    champ: str
    message: str


def dans_un_territoire(lat: float, lon: float) -> bool:
    return any(a <= lat <= b and c <= lon <= d for _, a, b, c, d in TERRITOIRES)


def _multiple(texte: str) -> str:
    """Valeurs multiples séparées par « ; » (les extraits récents utilisent « | »), sans espaces autour."""
    return ";".join(v.strip() for v in re.split(r"[|;]", texte or "") if v.strip())


def _services(texte: str) -> str:
    vus = []
    for service in _multiple(texte).split(";"):
        service = ANCIENS_SERVICES.get(service, service)
        if service and service not in vus:
            vus.append(service)
    return ";".join(vus)


def ligne_au_schema(brut: dict) -> dict:
    """La ligne du fichier ramenée aux colonnes du schéma (sans rien inventer)."""
    t = {k: re.sub(r"\s+", " ", v or "").strip() for k, v in brut.items() if k is not None}
    courriels = _multiple(t.get("courriels") or t.get("courriel", ""))
    ligne = {
        "id": t.get("id", ""),
        "pivot": t.get("pivot", ""),
        "nom": t.get("nom", ""),
        "commune": t.get("commune", ""),
        "code_postal": t.get("code_postal", ""),
        "code_insee": t.get("code_insee", ""),
        "adresse": t.get("adresse", ""),
        "complement_adresse": t.get("complement_adresse", ""),
        "latitude": t.get("latitude", "").replace(",", "."),
        "longitude": t.get("longitude", "").replace(",", "."),
        "typologie": _multiple(t.get("typologie", "")),
        "telephone": t.get("telephone", "").replace(" ", ""),
        "courriels": courriels,
        "site_web": _multiple(t.get("site_web", "")),
        "horaires": t.get("horaires", ""),
        "presentation_resume": t.get("presentation_resume", ""),
        "source": t.get("source", ""),
        "date_maj": t.get("date_maj", ""),
        "services": _services(t.get("services", "")),
        "prise_rdv": t.get("prise_rdv", ""),
    }
    return ligne


def erreurs_de(ligne: dict, refs: dict) -> list[tuple[str, str]]:
    """Écarts au schéma, plus les contrôles de cohérence du projet (coordonnées)."""
    erreurs = valider(ligne, CHAMPS_LIEUX, refs=refs)
    lat, lon = ligne["latitude"], ligne["longitude"]
    if bool(lat) != bool(lon):
        erreurs.append(("latitude", "latitude et longitude vont ensemble"))
    elif (
        lat
        and not any(c in ("latitude", "longitude") for c, _ in erreurs)
        and not dans_un_territoire(float(lat), float(lon))
    ):
        erreurs.append(("latitude", f"coordonnées ({lat}, {lon}) hors des territoires français"))
    return erreurs


class Resolveur:
    """Commune et département d'un lieu : code INSEE publié, sinon code postal + nom, sinon code postal."""

    def __init__(self, codes_insee):
        self.par_code = Commune.objects.select_related("departement").par_codes(codes_insee)
        self.departements = {code: pk for pk, code in Departement.objects.values_list("pk", "code")}
        self.par_cp_nom: dict[tuple[str, str], Commune] = {}
        self.deps_par_cp: dict[str, set[int]] = {}
        communes = Commune.objects.exclude(codes_postaux="").only(
            "pk", "nom_normalise", "codes_postaux", "departement_id", "type", "code_insee"
        )
        for commune in communes.order_by("type"):  # « commune-actuelle » d'abord
            for cp in commune.codes_postaux.split():
                self.par_cp_nom.setdefault((cp, commune.nom_normalise), commune)
                self.deps_par_cp.setdefault(cp, set()).add(commune.departement_id)

    def resoudre(self, ligne: dict) -> tuple[int | None, int | None, str]:
        """(commune_id, departement_id, motif si aucun département)."""
        commune = self.par_code.get(ligne["code_insee"]) if ligne["code_insee"] else None
        if commune is None:
            nom = normaliser(ligne["commune"])
            commune = self.par_cp_nom.get((ligne["code_postal"], nom))
            if commune is None:
                nom = re.sub(r"\s+(cedex\s*\d*|\d+(er|e|eme)?(\s+arrondissement)?)$", "", nom)
                commune = self.par_cp_nom.get((ligne["code_postal"], nom))
        if commune is not None:
            return commune.pk, commune.departement_id, ""
        deps = self.deps_par_cp.get(ligne["code_postal"], set())
        if len(deps) == 1:
            return None, next(iter(deps)), ""
        cp = ligne["code_postal"]
        code_dep = cp[:3] if cp.startswith(("97", "98")) else cp[:2]
        if code_dep in self.departements and code_dep != "20":
            return None, self.departements[code_dep], ""
        return None, None, f"commune introuvable (« {ligne['commune']} », code postal {cp})"


def valeurs_du_lieu(ligne: dict, commune_id, departement_id) -> dict:
    date_maj = date.fromisoformat(ligne["date_maj"])
    return {
        "nom": ligne["nom"][:250],
        "pivot": ligne["pivot"][:20],
        "adresse": ligne["adresse"][:250],
        "complement_adresse": ligne["complement_adresse"][:250],
        "code_postal": ligne["code_postal"],
        "libelle_commune": ligne["commune"][:100],
        "code_insee": ligne["code_insee"],
        "commune_id": commune_id,
        "departement_id": departement_id,
        "latitude": float(ligne["latitude"]) if ligne["latitude"] else None,
        "longitude": float(ligne["longitude"]) if ligne["longitude"] else None,
        "typologie": ligne["typologie"].replace(";", "|")[:200],
        "services": ligne["services"].replace(";", "|"),
        "horaires": ligne["horaires"],
        "telephone": ligne["telephone"][:20],
        "courriel": ligne["courriels"].split(";")[0][:254],
        "site_web": ligne["site_web"].split(";")[0][:500],
        "prise_rdv": ligne["prise_rdv"][:500],
        "presentation_resume": ligne["presentation_resume"],
        "source": ligne["source"][:100],
        "date_maj": date_maj if date_maj >= DATE_INCONNUE_AVANT else None,
    }


def importer_lieux(
    chemin: Path | None = None, rejets_csv: Path | None = None, dossier_referentiels: Path | None = None
) -> tuple[Bilan, list[Rejet]]:
    """Importe un fichier au schéma des lieux de médiation numérique ; une erreur de fichier n'écrit rien."""
    dossier = Path(dossier_referentiels or settings.REFERENCE_DATA_DIR)
    chemin = Path(chemin or dossier / FICHIER)
    bruts = lire_csv(chemin, COLONNES_REQUISES)
    refs = referentiels(dossier)
    bilan = Bilan("Lieux de médiation numérique")
    rejets: list[Rejet] = []
    lignes = [(numero, ligne_au_schema(brut)) for numero, brut in enumerate(bruts, start=2)]
    resolveur = Resolveur({ligne["code_insee"] for _, ligne in lignes if ligne["code_insee"]})
    valeurs_par_id: dict[str, dict] = {}
    premiere_ligne: dict[str, int] = {}
    for numero, ligne in lignes:
        erreurs = erreurs_de(ligne, refs)
        # L'identifiant du schéma est unique chez un producteur : la clé nationale est (source, id).
        identifiant = f"{ligne['source']}:{ligne['id']}" if ligne["source"] else ligne["id"]
        if not erreurs and identifiant in premiere_ligne:
            erreurs = [("id", f"identifiant en double (déjà ligne {premiere_ligne[identifiant]})")]
        commune_id = departement_id = None
        if not erreurs:
            commune_id, departement_id, motif = resolveur.resoudre(ligne)
            if departement_id is None:
                erreurs = [("commune", motif)]
        if erreurs:
            rejets += [Rejet(numero, ligne["id"], champ, message) for champ, message in erreurs]
            bilan.rejeter(
                f"ligne {numero}" + (f" (id {ligne['id']})" if ligne["id"] else ""),
                " ; ".join(f"{champ} : {message}" for champ, message in erreurs),
            )
            continue
        premiere_ligne[identifiant] = numero
        valeurs_par_id[identifiant] = valeurs_du_lieu(ligne, commune_id, departement_id)
        if commune_id is None:
            bilan.compteurs["sans commune résolue (département par le code postal)"] += 1
    with transaction.atomic():
        synchroniser(LieuMediation, "identifiant", valeurs_par_id, bilan)
        journaliser(
            Evenement.MEDIATION_IMPORT,
            acteur_email="importer_lieux_mediation",
            details={
                "fichier": chemin.name,
                "lignes": len(lignes),
                **dict(bilan.compteurs),
                "rejets": [[r.ligne, r.identifiant, r.champ, r.message] for r in rejets[:200]],
            },
        )
    if rejets_csv:
        with open(rejets_csv, "w", encoding="utf-8", newline="") as sortie:
            ecrivain = csv.writer(sortie)
            ecrivain.writerow(["ligne", "id", "champ", "message"])
            ecrivain.writerows([r.ligne, r.identifiant, r.champ, r.message] for r in rejets)
    return bilan, rejets
