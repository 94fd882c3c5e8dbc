"""Mesures des lieux de médiation numérique (lancé par `uv run --frozen python benchmarks/mediation.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_mediation` (créée, migrée, référentiel importé si vide) :
- import de l'échantillon réel (1 623 lignes) : base vide (création), puis réimport (rien ne change), comparés
  dans la même exécution à une version naïve (`update_or_create` ligne à ligne, mêmes lignes validées) ;
- exports complets du registre (2 845 France services) aux schémas « lieux de médiation numérique » (CSV) et
  data·inclusion (structures + services, JSON), avec validation de chaque ligne ; référence naïve : même
  export sans `select_related` (une requête par commune et par département) ;
- page publique de recherche avec les lieux proches (`/recherche/?q=…`) : p50 / p95, requêtes SQL.

Options : --repetitions N (défaut 5), --commune (défaut « Annecy », riche en lieux de l'échantillon).
"""

import argparse
import csv
import io
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, mesurer_page, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_mediation"
ENV = environnement(BASE)


def vider_lieux():
    from django.db import connection

    from franceservices.mediation.models import LieuMediation

    with connection.cursor() as curseur:
        curseur.execute(f"DELETE FROM {LieuMediation._meta.db_table}")


def chrono(fonction, repetitions=1):
    durees = []
    resultat = None
    for _ in range(repetitions):
        debut = time.perf_counter()
        resultat = fonction()
        durees.append(time.perf_counter() - debut)
    return statistics.median(durees), resultat


def import_naif():
    """Référence : mêmes lignes validées, écrites une à une par `update_or_create`."""
    from django.conf import settings
    from django.db import transaction

    from franceservices.core.importation import lire_csv
    from franceservices.mediation.importation import (
        COLONNES_REQUISES,
        FICHIER,
        Resolveur,
        erreurs_de,
        ligne_au_schema,
        valeurs_du_lieu,
    )
    from franceservices.mediation.models import LieuMediation
    from franceservices.mediation.schemas import referentiels

    dossier = Path(settings.REFERENCE_DATA_DIR)
    refs = referentiels(dossier)
    lignes = [ligne_au_schema(b) for b in lire_csv(dossier / FICHIER, COLONNES_REQUISES)]
    resolveur = Resolveur({x["code_insee"] for x in lignes if x["code_insee"]})
    ecrits = 0
    vus = set()
    with transaction.atomic():
        for x in lignes:
            cle = f"{x['source']}:{x['id']}" if x["source"] else x["id"]
            if erreurs_de(x, refs) or cle in vus:
                continue
            commune_id, departement_id, _ = resolveur.resoudre(x)
            if departement_id is None:
                continue
            vus.add(cle)
            LieuMediation.objects.update_or_create(
                identifiant=cle, defaults=valeurs_du_lieu(x, commune_id, departement_id)
            )
            ecrits += 1
    return ecrits


def export_complet(structures=None):
    from franceservices.mediation.schemas import (
        CHAMPS_DI_SERVICES,
        CHAMPS_DI_STRUCTURES,
        CHAMPS_LIEUX,
        COLONNES_LIEUX,
    )
    from franceservices.structures import exports_schemas as e

    if structures is None:
        structures = list(e.structures_exportees())
    tampon = io.StringIO()
    ecrivain = csv.DictWriter(tampon, fieldnames=COLONNES_LIEUX)
    ecrivain.writeheader()
    lieux = list(e.lignes_lieux_mediation(structures))
    ecrivain.writerows(lieux)
    di_structures = list(e.structures_data_inclusion("https://exemple.gouv.fr", structures))
    di_services = list(e.services_data_inclusion(structures))
    octets = len(tampon.getvalue()) + len(json.dumps(di_structures)) + len(json.dumps(di_services))
    erreurs = (
        e.verifier(lieux, CHAMPS_LIEUX)
        + e.verifier(di_structures, CHAMPS_DI_STRUCTURES)
        + e.verifier(di_services, CHAMPS_DI_SERVICES)
    )
    return len(lieux), octets, erreurs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--commune", default="Annecy")
    options = parser.parse_args()

    titre(f"Médiation numérique — préparation (base {BASE})")
    preparer_base(BASE)
    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from franceservices.mediation.importation import importer_lieux
    from franceservices.mediation.models import LieuMediation
    from franceservices.structures import exports_schemas as e
    from franceservices.structures.models import Structure

    titre("Import de l'échantillon (1 623 lignes)")
    vider_lieux()
    duree, (bilan, _) = chrono(importer_lieux)
    ligne(f"base vide : {duree:.2f} s — {bilan.resume().splitlines()[0]}")
    duree, (bilan, _) = chrono(importer_lieux, options.repetitions)
    ligne(
        f"réimport (inchangé), médiane sur {options.repetitions} : {duree:.2f} s — {bilan.compteurs['inchangés']} inchangés"
    )
    vider_lieux()
    duree_naif, ecrits = chrono(import_naif)
    ligne(f"naïf (update_or_create ligne à ligne), base vide : {duree_naif:.2f} s — {ecrits} lieux écrits")
    duree_naif, _ = chrono(import_naif)
    ligne(f"naïf, réimport : {duree_naif:.2f} s")
    assert LieuMediation.objects.count() == bilan.compteurs["inchangés"]

    titre(f"Exports complets du registre ({Structure.objects.count()} France services), validation comprise")
    chrono(export_complet)  # échauffement (résolution des URL, imports)
    with CaptureQueriesContext(connection) as requetes:
        duree, (n, octets, erreurs) = chrono(export_complet, options.repetitions)
    ligne(
        f"lieux de médiation (CSV) + data·inclusion structures et services (JSON) : {duree:.2f} s (médiane), "
        f"{n} lignes par export, {octets / 1e6:.1f} Mo, {len(requetes) // options.repetitions} requêtes, "
        f"{len(erreurs)} écart au schéma"
    )
    with CaptureQueriesContext(connection) as requetes:
        duree_naif, _ = chrono(lambda: export_complet(list(Structure.objects.order_by("id_fs"))), 1)
    ligne(f"naïf (sans select_related) : {duree_naif:.2f} s, {len(requetes)} requêtes")
    debut = time.perf_counter()
    list(e.lignes_lieux_mediation())
    ligne(f"export CSV seul (sans validation) : {time.perf_counter() - debut:.2f} s")

    titre(f"Recherche publique avec les lieux de médiation (« {options.commune} »)")
    client = Client()
    p50, p95, n_sql, taille, _ = mesurer_page(client, f"/recherche/?q={options.commune}", n=30)
    html = client.get(f"/recherche/?q={options.commune}").content.decode()
    ligne(
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {n_sql} requêtes SQL, {taille / 1000:.0f} ko ; "
        f"lieux de médiation affichés : {html.count('id="lieu-mediation-')}"
    )


if __name__ == "__main__":
    main()
