"""Mesures de performance du registre et de la recherche (lancé par `make bench`, jamais par les tests).

Affiche :
- le temps d'import complet du référentiel, sur SQLite et sur PostgreSQL (bases neuves) ;
- la médiane et le p95 d'une recherche de proximité (10 plus proches) sur 1 000 communes réelles,
  à côté de la référence naïve (haversine sur tous les lieux) mesurée dans la même exécution ;
- le débit de l'API `proximite` à côté d'une vue JSON triviale servie de la même façon ;
- le poids transféré de la page de résultats (HTML + CSS + JS + polices, compressés en brotli) ;
- le rendu des listes filtrées par périmètre (benchmarks/perimetre.py) ;
- l'activité à l'échelle du réseau (benchmarks/activite.py), la recherche dans la base de connaissances
  (benchmarks/recherche_fiches.py) la boîte d'un référent à 10 000 escalades (benchmarks/escalades.py) et les créneaux de rendez-vous sur 8
  semaines (benchmarks/creneaux.py) ;
- l'accès : agenda semaine à 300 rendez-vous (benchmarks/agenda.py), file et indicateurs de 20 000 rappels
  (benchmarks/rappels.py), latence du guichet unique (benchmarks/guichet.py), débit de réservation avec des
  clients concurrents (benchmarks/reservations.py) ;
- la formation : génération des attestations PDF et feuilles d'émargement (benchmarks/attestations.py), page
  d'un département à 1 000 agents (benchmarks/formations.py).
"""

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
PG_BENCH = "postgres://postgres@127.0.0.1:5432/franceservices_bench"


def titre(texte):
    print(f"\n## {texte}")


def mesurer_import(nom, database_url):
    # Comme en production : DEBUG désactivé (sinon Django journalise et formate chaque requête SQL).
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "SECRET_KEY": "bench-seulement"}
    manage = [sys.executable, str(RACINE / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    mesures = []
    for _ in range(2):
        debut = time.perf_counter()
        sortie = subprocess.run(
            [*manage, "importer_referentiel"], env=env, check=True, capture_output=True, text=True
        )
        interne = re.search(r"importé en ([\d.]+) s", sortie.stdout)
        mesures.append((time.perf_counter() - debut, float(interne[1]) if interne else float("nan")))
    (total1, import1), (total2, import2) = mesures
    print(
        f"- {nom}, base neuve : import {import1:.1f} s ({total1:.1f} s avec le démarrage du processus) ; "
        f"second import, rien ne change : {import2:.1f} s ({total2:.1f} s)"
    )


def bench_import():
    titre("Import du référentiel (cible ≤ 15 s)")
    with tempfile.TemporaryDirectory() as dossier:
        mesurer_import("SQLite", f"sqlite:///{dossier}/bench.sqlite3")
    try:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as cnx:
            cnx.execute("DROP DATABASE IF EXISTS franceservices_bench")
            cnx.execute("CREATE DATABASE franceservices_bench")
        mesurer_import("PostgreSQL", PG_BENCH)
    except Exception as exc:
        print(f"- PostgreSQL indisponible : {exc}")


def percentile(valeurs, p):
    valeurs = sorted(valeurs)
    return valeurs[min(len(valeurs) - 1, round(p / 100 * (len(valeurs) - 1)))]


def bench_proximite():
    import django

    django.setup()
    from franceservices.structures.proximite import index
    from franceservices.territoires.geo import haversine_km
    from franceservices.territoires.models import Commune

    titre("Recherche de proximité en mémoire (cible ≤ 2 ms en médiane)")
    communes = list(
        Commune.objects.filter(type="commune-actuelle", latitude__isnull=False)
        .order_by("code_insee")
        .values_list("latitude", "longitude")
    )
    pas = max(1, len(communes) // 1000)
    echantillon = communes[::pas][:1000]
    idx = index()
    durees, naives = [], []
    for lat, lon in echantillon:
        debut = time.perf_counter()
        idx.plus_proches(lat, lon, 10)
        durees.append((time.perf_counter() - debut) * 1000)
    for lat, lon in echantillon:
        debut = time.perf_counter()
        sorted((haversine_km(lat, lon, p.latitude, p.longitude), p.pk) for p in idx.points)[:10]
        naives.append((time.perf_counter() - debut) * 1000)
    print(f"- {len(echantillon)} communes réelles, {len(idx.points)} lieux indexés")
    print(
        f"- index en grille : médiane {statistics.median(durees):.3f} ms, p95 {percentile(durees, 95):.3f} ms"
    )
    print(
        f"- référence naïve (haversine sur tous les lieux) : médiane {statistics.median(naives):.3f} ms, p95 {percentile(naives, 95):.3f} ms"
    )


class Silencieux(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def debit(url, duree=5.0):
    n, debut = 0, time.perf_counter()
    while time.perf_counter() - debut < duree:
        with urllib.request.urlopen(url) as reponse:
            reponse.read()
        n += 1
    return n / (time.perf_counter() - debut)


def bench_api():
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = "benchmarks.urls_bench"
    # La limitation de débit (par IP) compte chaque requête, mais ne doit pas couper la mesure.
    settings.LIMITES_DEBIT = {**settings.LIMITES_DEBIT, "api": 10**9}

    titre("Débit de l'API proximite (objectif ≥ 50 % d'une vue JSON triviale servie pareil)")
    serveur = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Silencieux)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{serveur.server_port}"
    proximite_url = f"{base}/api/v1/structures/proximite?commune=53130&limit=10"
    lyon_url = f"{base}/api/v1/structures/proximite?lat=45.76&lon=4.84&limit=10&ouvert_le=2026-12-01T10:00"
    for url in (f"{base}/bench/triviale/", f"{base}/sante/", proximite_url, lyon_url):
        debit(url, 0.5)  # échauffement (index, caches)
    triviale = debit(f"{base}/bench/triviale/")
    sante = debit(f"{base}/sante/")
    proximite = debit(proximite_url)
    lyon = debit(lyon_url)
    serveur.shutdown()
    print("- même serveur WSGI (wsgiref, un client séquentiel, sans keep-alive), même pile Django")
    print(f"- vue JSON triviale (plafond, sans base) : {triviale:.0f} req/s")
    print(f"- /sante/ (une requête SQL) : {sante:.0f} req/s")
    for nom, valeur in (("10 plus proches de Laval", proximite), ("Lyon, position + ouvert_le", lyon)):
        print(
            f"- API proximite ({nom}) : {valeur:.0f} req/s, soit {100 * valeur / triviale:.0f} % du plafond"
        )


def bench_poids():
    import brotli
    from django.contrib.staticfiles import finders
    from django.test import Client

    titre("Poids de la page de résultats (cible ≤ 300 Ko, tuiles exclues)")
    html = Client().get("/recherche/?q=laval").content
    total = len(brotli.compress(html))
    lignes = [f"- HTML : {total / 1024:.1f} Ko"]
    for chemin in re.findall(rb'(?:href|src)="/static/([^"]+)"', html):
        chemin = chemin.decode()
        if chemin.endswith((".svg", ".png", ".ico")):
            continue
        taille = len(brotli.compress(Path(finders.find(chemin)).read_bytes()))
        total += taille
        lignes.append(f"- {chemin} : {taille / 1024:.1f} Ko")
    # Polices : le CSS du DSFR ne charge que celles utilisées (Marianne normal, gras, moyen).
    for police in ("Marianne-Regular.woff2", "Marianne-Bold.woff2", "Marianne-Medium.woff2"):
        taille = Path(finders.find(f"dsfr/dist/fonts/{police}")).stat().st_size
        total += taille
        lignes.append(f"- police {police} : {taille / 1024:.1f} Ko")
    print("\n".join(lignes))
    print(f"- total : {total / 1024:.1f} Ko (brotli ; les woff2 sont déjà compressées)")


if __name__ == "__main__":
    print(
        f"# Benchmarks franceservices — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cœurs, Python {platform.python_version()}, {platform.platform()}"
    )
    bench_import()
    bench_proximite()
    bench_api()
    bench_poids()
    from perimetre import bench_perimetre

    bench_perimetre()
    # Activité à l'échelle du réseau : base PostgreSQL dédiée, processus à part (autres réglages).
    subprocess.run([sys.executable, str(RACINE / "benchmarks" / "activite.py")], check=False)
    # Bouquet de services : recherche dans 2 000+ fiches, boîte d'un référent à 10 000 escalades.
    # Accès : agenda, rappels, guichet unique, réservations concurrentes. Formation. Pilotage du réseau.
    for banc in (
        "recherche_fiches.py",
        "escalades.py",
        "creneaux.py",
        "agenda.py",
        "rappels.py",
        "guichet.py",
        "reservations.py",
        "attestations.py",
        "formations.py",
        # Pilotage du réseau (issue 8).
        "label.py",
        "animation.py",
        "reseau.py",
        "couverture.py",
        "pratiques.py",
        # Conseillers numériques et accès aux droits (issue 9).
        "droits.py",
        "mediation.py",
        "orientations.py",
    ):
        subprocess.run([sys.executable, str(RACINE / "benchmarks" / banc)], check=False)
