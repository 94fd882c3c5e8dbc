"""Mesures de l'activité à l'échelle du réseau (lancé par `make bench` ou `uv run --frozen python benchmarks/activite.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_activite` (réutilisée si elle contient déjà le volume voulu) :
- génération de 10 millions de demandes SYNTHÉTIQUES (≈ 10 mois du réseau, toutes les France services
  réelles) par COPY + agrégats calculés en SQL : durée et débit ;
- tableau de bord national (1 mois, 10 mois) et départemental lus dans les agrégats (médiane de 5), comparés
  dans la même exécution au calcul depuis les lignes brutes ; rendu HTTP complet de la page ;
- réconciliation agrégats / lignes brutes sur les 10 M : durée et nombre d'écarts ;
- débit d'écriture : vrai serveur gunicorn, 50 agents concurrents qui envoient la page de saisie (JSON)
  pendant 20 s ; écritures/s, p50/p95, puis réconciliation.

Options : --volume N (défaut 10 000 000), --regenerer, --brut-10-mois (calcul brut national sur 10 mois, long),
--sans-ecriture, --agents N, --duree S.
"""

import argparse
import http.client
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_activite"
URL_BASE = f"postgres://postgres@127.0.0.1:5432/{BASE}"
ENV = environnement(BASE)

DU, AU = date(2026, 1, 1), date(2026, 10, 1)  # 10 mois
DEPARTEMENT = "59"  # le Nord : l'un des plus gros départements


def generer(volume: int, regenerer: bool):
    from django.db import connection

    from franceservices.activite import synthetique
    from franceservices.activite.models import Demande, Origine
    from franceservices.structures.models import Structure

    titre(f"Génération de {volume} demandes synthétiques (COPY + agrégats en SQL)")
    existantes = Demande.objects.filter(origine=Origine.SYNTHETIQUE, mois__gte=DU, mois__lte=AU).count()
    if existantes == volume and not regenerer:
        ligne(
            f"base {BASE} réutilisée : {existantes} demandes synthétiques déjà présentes ({DU:%Y-%m} → {AU:%Y-%m})"
        )
        return
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE activite_demande, activite_agregat, activite_agregatdepartement, "
            "activite_lotimport, activite_modificationdemande CASCADE"
        )
    structures = Structure.objects.all()
    bilan = synthetique.generer(structures, DU, AU, volume=volume, graine=1, copy=True)
    ligne(
        f"{structures.count()} France services réelles, {DU:%Y-%m} → {AU:%Y-%m} : {bilan.demandes} demandes en "
        f"{bilan.secondes:.0f} s, soit {bilan.debit:.0f} demandes/s (dont agrégats {bilan.agregats_secondes:.0f} s)"
    )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE activite_demande")
        c.execute("ANALYZE activite_agregat")
        c.execute("ANALYZE activite_agregatdepartement")


def _mediane(fonction, n=5):
    fonction()  # échauffement
    durees = []
    for _ in range(n):
        debut = time.perf_counter()
        resultat = fonction()
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees), resultat


def _une_fois(fonction):
    debut = time.perf_counter()
    resultat = fonction()
    return (time.perf_counter() - debut) * 1000, resultat


def tableaux(brut_10_mois: bool):
    from franceservices.statistiques.lecture import (
        Periode,
        Portee,
        tableau_de_bord,
        tableau_de_bord_depuis_les_demandes,
    )
    from franceservices.territoires.models import Departement

    titre("Tableaux de bord (agrégats, médiane de 5 ; lignes brutes, une exécution)")
    nord = Departement.objects.get(code=DEPARTEMENT)
    cas = [
        ("national, 1 mois (cible ≤ 200 ms)", Portee("national", None), Periode(AU, AU), True),
        ("national, 10 mois (cible ≤ 200 ms)", Portee("national", None), Periode(DU, AU), brut_10_mois),
        (
            f"département {nord}, 1 mois (cible ≤ 100 ms)",
            Portee("departement", nord.pk),
            Periode(AU, AU),
            True,
        ),
        (
            f"département {nord}, 10 mois (cible ≤ 100 ms)",
            Portee("departement", nord.pk),
            Periode(DU, AU),
            True,
        ),
    ]
    for nom, portee, periode, avec_brut in cas:
        agg, tableau = _mediane(lambda portee=portee, periode=periode: tableau_de_bord(portee, periode))
        texte = f"{nom} : agrégats {agg:.0f} ms"
        if avec_brut:
            brut, reference = _une_fois(
                lambda portee=portee, periode=periode: tableau_de_bord_depuis_les_demandes(portee, periode)
            )
            egal = "mêmes chiffres" if tableau.chiffres() == reference.chiffres() else "CHIFFRES DIFFÉRENTS"
            texte += f" ; lignes brutes {brut / 1000:.1f} s, soit {brut / agg:.0f}× plus lent ({egal})"
        else:
            texte += " ; lignes brutes non mesurées (--brut-10-mois : plusieurs minutes)"
        ligne(texte)


def rendu_http():
    from django.test import Client

    from franceservices.comptes.models import Role, Utilisateur

    titre("Rendu HTTP complet de la page du tableau de bord (client de test, sans réseau)")
    national, _ = Utilisateur.objects.get_or_create(
        email="national@bench.invalid", defaults={"username": "national@bench.invalid"}
    )
    if not national.habilitations.filter(role=Role.EQUIPE_NATIONALE).exists():
        national.habilitations.create(role=Role.EQUIPE_NATIONALE)
    client = Client()
    client.force_login(national)
    for nom, url in (
        ("national, 1 mois", f"/statistiques/?niveau=national&du={AU:%Y-%m}&au={AU:%Y-%m}"),
        ("national, 10 mois", f"/statistiques/?niveau=national&du={DU:%Y-%m}&au={AU:%Y-%m}"),
    ):
        reponse = client.get(url)
        if reponse.status_code != 200:
            ligne(f"{nom} : réponse {reponse.status_code} (page indisponible ?)")
            continue
        duree, _ = _mediane(lambda url=url: client.get(url))
        ligne(f"{nom} : {duree:.0f} ms (médiane de 5), {len(reponse.content) / 1024:.0f} Ko de HTML")


def reconciliation():
    from franceservices.activite import agregats
    from franceservices.activite.models import Demande

    titre("Réconciliation agrégats / lignes brutes")
    n = Demande.objects.filter(mois__gte=DU, mois__lte=AU).count()
    debut = time.perf_counter()
    ecarts = agregats.reconcilier(DU, AU)
    ligne(
        f"{n} demandes, {DU:%Y-%m} → {AU:%Y-%m} : {len(ecarts)} écart(s), en {time.perf_counter() - debut:.0f} s"
    )


# — Débit d'écriture : gunicorn + 50 agents —


def _port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _agents(n):
    from django.test import Client

    from franceservices.activite.models import Demarche
    from franceservices.comptes.models import Role, Utilisateur
    from franceservices.structures.models import Structure

    structures = list(Structure.objects.order_by("pk")[:n])
    demarches = list(Demarche.objects.filter(actif=True).order_by("pk").values_list("pk", flat=True))
    sessions = []
    for i, structure in enumerate(structures):
        email = f"agent{i}@bench.invalid"
        agent, _ = Utilisateur.objects.get_or_create(email=email, defaults={"username": email})
        if not agent.habilitations.filter(role=Role.AGENT, structure=structure).exists():
            agent.habilitations.create(role=Role.AGENT, structure=structure)
        client = Client()
        client.force_login(agent)
        sessions.append((client.cookies["sessionid"].value, structure.pk))
    return sessions, demarches


def _corps(structure, demarche, nombre=1):
    d = {
        "structure": str(structure),
        "canal": "accueil_physique",
        "demandes-TOTAL_FORMS": str(nombre),
        "demandes-INITIAL_FORMS": "0",
    }
    for i in range(nombre):
        d |= {
            f"demandes-{i}-cle_client": str(uuid.uuid4()),
            f"demandes-{i}-demarche": str(demarche),
            f"demandes-{i}-niveau": "accompagnement",
            f"demandes-{i}-issue": "finalisee",
            f"demandes-{i}-duree": "15",
        }
    return urlencode(d)


def ecriture(n_agents: int, duree: float, workers: int, threads: int, cadence: float = 0):
    """`cadence` = 0 : chaque agent renvoie dès la réponse reçue (débit maximal, boucle fermée) ;
    sinon, arrivées régulières à `cadence` écritures/s au total (latence à charge donnée, boucle ouverte)."""
    from franceservices.activite import agregats

    mode = f"cadence imposée {cadence:.0f} écritures/s" if cadence else "débit maximal"
    titre(
        f"Débit d'écriture : gunicorn ({workers} workers × {threads} threads), {n_agents} agents, "
        f"{duree:.0f} s, {mode}"
    )
    sessions, demarches = _agents(n_agents)
    port = _port_libre()
    env = {**os.environ, **ENV, "CONN_MAX_AGE": "600"}
    serveur = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=RACINE,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        durees, erreurs, ecrites = [], [], [0]
        verrou = threading.Lock()
        fin = [0.0]

        def agent(sessionid, structure, k):
            csrf = secrets.token_hex(16)  # 32 caractères : accepté tel quel par CsrfViewMiddleware
            entetes = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Cookie": f"sessionid={sessionid}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
            }
            cnx = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mesures, fautes, n = [], [], 0
            i = 0
            intervalle = n_agents / cadence if cadence else 0
            prochain = time.perf_counter() + (k / cadence if cadence else 0)
            while time.perf_counter() < fin[0]:
                corps = _corps(structure, demarches[(k + i) % len(demarches)])
                i += 1
                if intervalle:
                    attente = prochain - time.perf_counter()
                    if attente > 0:
                        time.sleep(attente)
                    prochain += intervalle
                debut = time.perf_counter()
                try:
                    cnx.request("POST", "/activite/saisie/", body=corps, headers=entetes)
                    reponse = cnx.getresponse()
                    contenu = reponse.read()
                except (OSError, http.client.HTTPException) as exc:
                    fautes.append(str(exc))
                    cnx.close()
                    cnx = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    continue
                mesures.append((time.perf_counter() - debut) * 1000)
                if reponse.status == 201:
                    n += 1
                else:
                    fautes.append(f"{reponse.status} {contenu[:200]!r}")
            with verrou:
                durees.extend(mesures)
                erreurs.extend(fautes)
                ecrites[0] += n

        # Échauffement (connexions, imports paresseux des workers).
        fin[0] = time.perf_counter() + 2
        echauffement = [
            threading.Thread(target=agent, args=(s, st, k))
            for k, (s, st) in enumerate(sessions[: workers * 2])
        ]
        for t in echauffement:
            t.start()
        for t in echauffement:
            t.join()
        durees.clear()
        erreurs.clear()
        ecrites[0] = 0
        debut = time.perf_counter()
        fin[0] = debut + duree
        fils = [threading.Thread(target=agent, args=(s, st, k)) for k, (s, st) in enumerate(sessions)]
        for t in fils:
            t.start()
        for t in fils:
            t.join()
        ecoule = time.perf_counter() - debut
    finally:
        serveur.terminate()
        serveur.wait(timeout=30)
    if erreurs:
        ligne(f"{len(erreurs)} erreur(s), par exemple : {erreurs[0]}")
    if durees:
        ligne(
            f"{ecrites[0]} visites enregistrées (une demande chacune) en {ecoule:.1f} s : "
            f"{ecrites[0] / ecoule:.0f} écritures/s ; latence p50 {statistics.median(durees):.0f} ms, "
            f"p95 {percentile(durees, 95):.0f} ms, max {max(durees):.0f} ms"
        )
    aujourdhui = date.today().replace(day=1)
    ecarts = agregats.reconcilier(aujourdhui, aujourdhui)
    ligne(f"réconciliation du mois des écritures ({aujourdhui:%Y-%m}) : {len(ecarts)} écart(s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", type=int, default=10_000_000)
    parser.add_argument("--regenerer", action="store_true")
    parser.add_argument("--brut-10-mois", action="store_true")
    parser.add_argument("--sans-ecriture", action="store_true")
    parser.add_argument("--seulement-ecriture", action="store_true")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--duree", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--cadences",
        default="0,100,200",
        help="Cadences à mesurer (écritures/s, 0 = débit maximal), séparées par des virgules",
    )
    args = parser.parse_args()
    print(
        f"# Benchmarks activité — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cœurs, Python {platform.python_version()}, base {BASE}",
        flush=True,
    )
    preparer_base(BASE)
    if not args.seulement_ecriture:
        generer(args.volume, args.regenerer)
        tableaux(args.brut_10_mois)
        rendu_http()
        reconciliation()
    if not args.sans_ecriture:
        for cadence in (float(c) for c in args.cadences.split(",") if c.strip()):
            ecriture(args.agents, args.duree, args.workers, args.threads, cadence)


if __name__ == "__main__":
    main()
