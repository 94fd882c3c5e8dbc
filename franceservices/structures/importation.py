"""Import du registre des France services depuis l'open data ANCT (CSV 2024 ou GeoJSON 2020)."""

import csv
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from franceservices.core.importation import Bilan, FichierInvalide, lire_csv, synchroniser
from franceservices.territoires.geo import haversine_km
from franceservices.territoires.models import Commune, Departement

from .horaires import JOURS, HorairesSemaine
from .models import Anomalie, Format, ModificationStructure, Source, Structure, TypeStructure, texte_recherche

JOURS_SOURCE = JOURS[:6]  # les fichiers publiés ne décrivent pas le dimanche

COLONNES_CSV_2024 = {
    "id_fs", "insee_dep", "lib_fs", "adresse", "complement_adresse", "insee_com", "code_postal", "lib_com",
    "latitude", "longitude", "mail", "telephone", *(f"h_{j}" for j in JOURS_SOURCE), "prise_rdv",
    "commentaire", "type_fs", "format_fs", "groupe_fs", "labellisation_fs",
}  # fmt: skip

FORMATS = {
    "fixe": Format.FIXE,
    "multisites": Format.MULTISITES,
    "bus_equivalent": Format.BUS,
    "bus_équivalent": Format.BUS,
    "bus": Format.BUS,
    "fixe_antenne(s)": Format.FIXE_ANTENNES,
    "fixe avec antenne(s)": Format.FIXE_ANTENNES,
    "itinérante": Format.ITINERANTE,
    "itinerante": Format.ITINERANTE,
}

# Du plus ancien au plus récent : une source ne remplace pas les données d'une source plus récente.
RANG_SOURCE = {Source.GEOJSON_2020: 0, Source.CSV_2024: 1}

# Règles du label vérifiées à l'import (référentiel du 16 juin 2025) ; seuils en réglages.
FORMATS_SOUMIS_AUX_HORAIRES_DU_LABEL = {Format.FIXE, Format.FIXE_ANTENNES}


@dataclass
class Ligne:
    """Une France services lue dans un fichier, avant validation."""

    numero: str
    valeurs: dict
    textes_horaires: dict[str, str]
    code_departement: str
    code_insee: str


def _texte(valeur) -> str:
    if valeur is None:
        return ""
    return re.sub(r"\s+", " ", str(valeur)).strip()


def _coordonnee(valeur) -> float | None:
    if valeur in (None, ""):
        return None
    try:
        return float(str(valeur).replace(",", "."))
    except ValueError:
        return None


def _date_labellisation(texte: str) -> date | None:
    if m := re.search(r"(\d{2})/(\d{2})/(\d{4})", texte):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.search(r"(\d{2})/(\d{4})", texte):
        return date(int(m[2]), int(m[1]), 1)
    return None


def _format(texte: str) -> str | None:
    return FORMATS.get(texte.strip().lower())


def _format_2020(categorie: str, itinerance: str) -> str:
    """Le fichier 2020 n'a pas de format : « categorie » dit itinérante ou non, « ITINERANCE » Oui/Non."""
    if "itinerante" in categorie.lower() or itinerance.strip().lower() == "oui":
        return Format.ITINERANTE
    return Format.FIXE


def lire_csv_2024(chemin: Path) -> list[Ligne]:
    lignes = []
    for numero, brut in enumerate(lire_csv(chemin, COLONNES_CSV_2024), start=2):
        lignes.append(
            Ligne(
                numero=f"ligne {numero}",
                code_departement=_texte(brut["insee_dep"]),
                code_insee=_texte(brut["insee_com"]),
                textes_horaires={j: brut[f"h_{j}"] for j in JOURS_SOURCE},
                valeurs={
                    "id_fs": _texte(brut["id_fs"]),
                    "nom": _texte(brut["lib_fs"]),
                    "adresse": _texte(brut["adresse"]),
                    "complement_adresse": _texte(brut["complement_adresse"]),
                    "code_postal": _texte(brut["code_postal"]),
                    "libelle_commune": _texte(brut["lib_com"]),
                    "latitude": _coordonnee(brut["latitude"]),
                    "longitude": _coordonnee(brut["longitude"]),
                    "telephone": _texte(brut["telephone"]),
                    "email": _texte(brut["mail"]),
                    "type": TypeStructure.ANTENNE
                    if brut["type_fs"].strip().lower() == "antenne"
                    else TypeStructure.PRINCIPAL,
                    "format": _format(brut["format_fs"]),
                    "format_source": brut["format_fs"],
                    "groupe": _texte(brut["groupe_fs"]),
                    "date_labellisation": _date_labellisation(brut["labellisation_fs"]),
                    "prise_rdv": brut["prise_rdv"].strip().lower() == "oui",
                    "commentaire": _texte(brut["commentaire"]),
                    "source": Source.CSV_2024,
                },
            )
        )
    return lignes


def lire_geojson_2020(chemin: Path) -> list[Ligne]:
    try:
        donnees = json.loads(Path(chemin).read_text(encoding="utf-8"))
        entites = donnees["features"]
        if not isinstance(entites, list):
            raise TypeError("« features » n'est pas une liste")
    except FileNotFoundError as exc:
        raise FichierInvalide(f"Fichier introuvable : {chemin}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise FichierInvalide(f"{chemin} : GeoJSON illisible ({exc}).") from exc
    lignes = []
    for rang, entite in enumerate(entites, start=1):
        p = entite.get("properties") or {}
        if "MATRICULE" not in p:
            raise FichierInvalide(
                f"{chemin}, entité {rang} : propriété MATRICULE absente (format inattendu)."
            )
        geometrie = entite.get("geometry") or {}
        lon, lat = (geometrie.get("coordinates") or [None, None])[:2]
        dep = _texte(p.get("DEPARTEMENT"))
        dep = dep.zfill(2) if dep.isdigit() and len(dep) < 2 else dep
        lignes.append(
            Ligne(
                numero=f"entité {rang}",
                code_departement=dep,
                code_insee=_texte(p.get("insee_com")).zfill(5),
                textes_horaires={j: p.get(f"h_{j}") or "" for j in JOURS_SOURCE},
                valeurs={
                    "id_fs": _texte(p.get("MATRICULE")),
                    "nom": _texte(p.get("lib_france_services")),
                    "adresse": _texte(p.get("ADRESSE")),
                    "complement_adresse": _texte(p.get("COMPLEMENT.D.ADRESSE")),
                    "code_postal": _texte(p.get("code_postal")).zfill(5)
                    if _texte(p.get("code_postal"))
                    else "",
                    "libelle_commune": _texte(p.get("lib_com")),
                    "latitude": _coordonnee(p.get("LATITUDE", lat)),
                    "longitude": _coordonnee(p.get("LONGITUDE", lon)),
                    "telephone": _texte(p.get("TELEPHONE")),
                    "email": _texte(p.get("CONTACT.MAIL")),
                    "type": TypeStructure.ANTENNE
                    if _texte(p.get("categorie")).lower().startswith("antenne")
                    else TypeStructure.PRINCIPAL,
                    "format": _format_2020(_texte(p.get("categorie")), _texte(p.get("ITINERANCE"))),
                    "format_source": _texte(p.get("categorie")),
                    "groupe": _texte(p.get("Groupe")),
                    "date_labellisation": _date_labellisation(_texte(p.get("Labellisation"))),
                    "prise_rdv": False,
                    "commentaire": _texte(p.get("Commentaire.horaires")),
                    "source": Source.GEOJSON_2020,
                },
            )
        )
    return lignes


def lire_fichier(chemin: Path) -> list[Ligne]:
    """Reconnaît le format (CSV 2024 ou GeoJSON 2020) à l'extension puis au contenu."""
    chemin = Path(chemin)
    if chemin.suffix.lower() in {".geojson", ".json"}:
        return lire_geojson_2020(chemin)
    return lire_csv_2024(chemin)


_TELEPHONE = re.compile(r"^(?:\+33|0033|0|\+262|\+269|\+590|\+594|\+596|\+687|\+689|\+508|\+681)\d{9}$")


def telephone_valide(texte: str) -> bool:
    chiffres = re.sub(r"[\s.\-/()]", "", texte)
    return bool(_TELEPHONE.match(chiffres))


def email_valide(texte: str) -> bool:
    try:
        validate_email(texte)
    except ValidationError:
        return False
    return True


def anomalies_d_horaires(semaine: HorairesSemaine, format: str, notes: bool = True) -> list[tuple[str, str]]:
    """Horaires à vérifier et écarts au minimum d'ouverture du label. `notes` : une précision en texte
    libre est une anomalie à l'import (texte non structurable), pas quand l'équipe l'a saisie."""
    anomalies = []
    for jour in JOURS_SOURCE:
        horaires_jour = semaine.jour(jour)
        if horaires_jour.note and notes:
            anomalies.append((f"h_{jour}", f"horaires non structurables : « {horaires_jour.note} »"))
        elif horaires_jour.corrige:
            anomalies.append((f"h_{jour}", "horaires mal formés, interprétés (à vérifier)"))
        elif horaires_jour.non_communique:
            anomalies.append((f"h_{jour}", "horaires non communiqués"))
    if format in FORMATS_SOUMIS_AUX_HORAIRES_DU_LABEL:
        heures, jours = semaine.heures_par_semaine(), semaine.jours_ouverts()
        if heures < settings.LABEL_HEURES_MINIMUM:
            anomalies.append(
                (
                    "horaires",
                    f"{heures:g} h d'ouverture par semaine (minimum du label : {settings.LABEL_HEURES_MINIMUM} h)",
                )
            )
        if jours < settings.LABEL_JOURS_MINIMUM:
            anomalies.append(
                (
                    "horaires",
                    f"ouvert {jours} jour(s) par semaine (minimum du label : {settings.LABEL_JOURS_MINIMUM})",
                )
            )
    return anomalies


def anomalies_de_contact(telephone: str, email: str) -> list[tuple[str, str]]:
    anomalies = []
    if telephone and not telephone_valide(telephone):
        anomalies.append(("telephone", f"numéro de téléphone invalide « {telephone} »"))
    elif not telephone:
        anomalies.append(("telephone", "numéro de téléphone absent"))
    if email and not email_valide(email):
        anomalies.append(("email", f"adresse électronique invalide « {email} »"))
    elif not email:
        anomalies.append(("email", "adresse électronique absente"))
    return anomalies


def anomalies_de(
    valeurs: dict, semaine: HorairesSemaine, commune: Commune | None, code_insee: str
) -> list[tuple[str, str]]:
    """Les anomalies d'une France services (le lieu est gardé, l'anomalie est signalée)."""
    anomalies = []
    if commune is None:
        anomalies.append(("insee_com", f"code commune inconnu « {code_insee} »"))
    lat, lon = valeurs["latitude"], valeurs["longitude"]
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        anomalies.append(("coordonnees", "coordonnées absentes ou invalides"))
    elif commune is not None and commune.position is not None:
        distance = haversine_km(lat, lon, *commune.position)
        if distance > settings.SEUIL_ANOMALIE_DISTANCE_KM:
            anomalies.append(
                (
                    "coordonnees",
                    f"à {distance:.0f} km du centre de la commune {commune.nom} ({commune.code_insee})",
                )
            )
    anomalies += anomalies_d_horaires(semaine, valeurs["format"])
    anomalies += anomalies_de_contact(valeurs["telephone"], valeurs["email"])
    return anomalies


CHAMPS_HORAIRES = {"horaires", "heures_par_semaine", "jours_ouverts"}


def champs_modifies_localement() -> dict[str, set[str]]:
    """{id_fs: champs de la fiche modifiés par son équipe (gestion des fiches)}.

    Un réimport ne les écrase pas : la fiche tenue par l'équipe est plus à jour que le fichier national
    (sauf `forcer`). Les modifications d'horaires (`horaires_<jour>`) protègent toute la semaine.
    """
    champs: dict[str, set[str]] = {}
    for id_fs, changements in ModificationStructure.objects.values_list("structure__id_fs", "changements"):
        for champ in changements:
            local = champs.setdefault(id_fs, set())
            if champ.startswith("horaires_") or champ in CHAMPS_HORAIRES:
                local |= CHAMPS_HORAIRES
            else:
                local.add(champ)
    return champs


def garder_les_modifications_locales(valeurs_par_id: dict, anomalies_par_id: dict, bilan: Bilan) -> None:
    """Retire des valeurs importées les champs modifiés localement, et les anomalies qui les concernent."""
    for id_fs, champs in champs_modifies_localement().items():
        valeurs = valeurs_par_id.get(id_fs)
        if valeurs is None:
            continue
        gardes = champs & valeurs.keys()
        for champ in gardes:
            del valeurs[champ]
        if gardes & {"adresse", "code_postal"}:
            del valeurs["texte_recherche"]  # recalculé par la fiche, depuis l'adresse gardée
        if gardes:
            bilan.compteurs["champs gardés (modifiés par l'équipe de la fiche)"] += len(gardes)
            anomalies_par_id[id_fs] = [
                (champ, anomalie)
                for champ, anomalie in anomalies_par_id.get(id_fs, [])
                if champ not in gardes and not (champ.startswith(("h_", "horaires")) and "horaires" in gardes)
            ]


@transaction.atomic
def importer_structures(
    chemin: Path, anomalies_csv: Path | None = None, forcer: bool = False
) -> tuple[Bilan, list[tuple[str, str, str]]]:
    """Importe un fichier de France services ; tout ou rien (une erreur de fichier n'écrit rien).

    Un lieu déjà connu par une source plus récente (CSV 2024) n'est pas écrasé par une source plus
    ancienne (GeoJSON 2020), sauf `forcer` : ses anomalies dans ce fichier sont tout de même listées.
    De même, les champs modifiés par l'équipe d'une fiche sont gardés, sauf `forcer`.
    """
    lignes = lire_fichier(chemin)
    bilan = Bilan("France services")
    sources = dict(Structure.objects.values_list("id_fs", "source"))
    departements = {d.code: d for d in Departement.objects.all()}
    communes = Commune.objects.par_codes({ligne.code_insee for ligne in lignes})
    valeurs_par_id, anomalies_par_id, vus = {}, {}, set()
    for ligne in lignes:
        v = dict(ligne.valeurs)
        id_fs = v.pop("id_fs")
        format_source = v.pop("format_source")
        if not id_fs:
            bilan.rejeter(ligne.numero, "identifiant (id_fs) absent")
            continue
        if id_fs in vus:
            bilan.rejeter(f"{ligne.numero} (id_fs {id_fs})", "identifiant en double dans le fichier")
            continue
        if not v["nom"]:
            bilan.rejeter(f"{ligne.numero} (id_fs {id_fs})", "nom absent")
            continue
        commune = communes.get(ligne.code_insee)
        departement = departements.get(ligne.code_departement) or (commune.departement if commune else None)
        if departement is None:
            bilan.rejeter(
                f"{ligne.numero} (id_fs {id_fs})", f"département inconnu « {ligne.code_departement} »"
            )
            continue
        if v["format"] is None:
            bilan.rejeter(f"{ligne.numero} (id_fs {id_fs})", f"format inconnu « {format_source} »")
            continue
        vus.add(id_fs)
        semaine = HorairesSemaine.depuis_textes(ligne.textes_horaires)
        v.update(
            code_insee=ligne.code_insee,
            commune_id=commune.pk if commune else None,
            departement_id=departement.pk,
            horaires=semaine.vers_json(),
            horaires_source={j: _texte(t) for j, t in ligne.textes_horaires.items()},
            heures_par_semaine=semaine.heures_par_semaine(),
            jours_ouverts=semaine.jours_ouverts(),
            texte_recherche=texte_recherche(
                v["nom"], v["adresse"], v["libelle_commune"], commune.nom if commune else "", v["code_postal"]
            ),
        )
        anomalies_par_id[id_fs] = anomalies_de(v, semaine, commune, ligne.code_insee)
        if not forcer and RANG_SOURCE.get(sources.get(id_fs), -1) > RANG_SOURCE[v["source"]]:
            bilan.compteurs["conservés (source plus récente en base)"] += 1
            continue
        valeurs_par_id[id_fs] = v
    if not forcer:
        garder_les_modifications_locales(valeurs_par_id, anomalies_par_id, bilan)
    pks = synchroniser(Structure, "id_fs", valeurs_par_id, bilan)
    Anomalie.objects.filter(structure_id__in=[pks[i] for i in valeurs_par_id]).delete()
    Anomalie.objects.bulk_create(
        [
            Anomalie(structure_id=pks[i], champ=c, anomalie=a)
            for i, liste in anomalies_par_id.items()
            if i in valeurs_par_id
            for c, a in liste
        ],
        batch_size=2000,
    )
    anomalies = [(i, c, a) for i, liste in anomalies_par_id.items() for c, a in liste]
    if anomalies_csv:
        with open(anomalies_csv, "w", encoding="utf-8", newline="") as sortie:
            ecrivain = csv.writer(sortie)
            ecrivain.writerow(["id_fs", "champ", "anomalie"])
            ecrivain.writerows(anomalies)
    from .proximite import invalider_index

    transaction.on_commit(invalider_index)
    return bilan, anomalies
