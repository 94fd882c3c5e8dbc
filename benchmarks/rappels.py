"""Mesures des rappels (lancé par `make bench` ou `uv run --frozen python benchmarks/rappels.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_rappels` (créée, migrée, référentiel importé si vide ;
demandes SYNTHÉTIQUES réutilisées d'une exécution à l'autre si le volume est déjà là) :
- file d'un animateur départemental (toutes les demandes du département) : page HTTP `/rappels/` (client de
  test, DEBUG désactivé), p50 / p95 sur 50 requêtes, nombre de requêtes SQL ; avec le filtre « en retard » et
  une page lointaine ;
- indicateurs nationaux (toutes les demandes, synthétiques comprises) : calcul agrégé en base (COUNT … FILTER
  et histogramme des délais à la minute), p50 / p95 sur 20, comparé dans la même exécution à la référence
  naïve (toutes les lignes chargées et comptées en Python) ; page HTTP `/rappels/indicateurs/`.

Options : --departement N (demandes du département, défaut 4 000), --national N (total, défaut 20 000),
--code (département, défaut 59).
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import (  # noqa: E402
    client_de,
    environnement,
    ligne,
    mesurer_page,
    percentile,
    preparer_base,
    titre,
    utilisateur,
)

BASE = "franceservices_bench_rappels"
ENV = environnement(BASE)


def generer(code: str, dans_departement: int, national: int):
    from django.db import connection

    from franceservices.rappels import synthetique
    from franceservices.rappels.models import DemandeRappel

    deja = DemandeRappel.objects.filter(departement__code=code).count()
    if deja < dans_departement:
        debut = time.perf_counter()
        n = synthetique.generer(dans_departement - deja, departement=code, graine=deja + 1)
        duree = time.perf_counter() - debut
        ligne(
            f"{n} demandes générées dans le {code} en {duree:.1f} s ({n / duree:.0f}/s, tentatives comprises)"
        )
    total = DemandeRappel.objects.count()
    if total < national:
        debut = time.perf_counter()
        n = synthetique.generer(national - total, graine=total + 7)
        duree = time.perf_counter() - debut
        ligne(f"{n} demandes générées dans tout le pays en {duree:.1f} s ({n / duree:.0f}/s)")
    with connection.cursor() as curseur:  # statistiques du planificateur à jour, comme après l'autovacuum
        curseur.execute("ANALYZE rappels_demanderappel")
        curseur.execute("ANALYZE rappels_tentativerappel")
    ligne(
        f"base : {DemandeRappel.objects.count()} demandes, dont "
        f"{DemandeRappel.objects.filter(departement__code=code).count()} dans le {code} "
        f"({DemandeRappel.objects.ouvertes().filter(departement__code=code).count()} ouvertes)"
    )


def chronometrer(fonction, n):
    durees, resultat = [], None
    for _ in range(n):
        t = time.perf_counter()
        resultat = fonction()
        durees.append((time.perf_counter() - t) * 1000)
    return statistics.median(durees), percentile(durees, 95), resultat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", type=int, default=4_000)
    parser.add_argument("--national", type=int, default=20_000)
    parser.add_argument("--code", default="59")
    options = parser.parse_args()

    titre(f"Rappels — préparation (base {BASE})")
    preparer_base(BASE)
    from django.urls import reverse
    from django.utils import timezone

    from franceservices.comptes.models import Role
    from franceservices.rappels.indicateurs import filtrer, indicateurs, indicateurs_naifs, par_groupe
    from franceservices.rappels.models import DemandeRappel
    from franceservices.territoires.models import Departement

    departement = Departement.objects.get(code=options.code)
    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    generer(options.code, options.departement, options.national)

    titre(f"File d'un animateur du {departement.code} (page HTTP /rappels/, 50 requêtes)")
    animateur = utilisateur(
        f"animateur.{departement.code}@bench-rappels.invalid", Role.ANIMATEUR, departement=departement
    )
    visibles = DemandeRappel.objects.visible_par(animateur).count()
    client = client_de(animateur)
    base = reverse("rappels:file")
    for libelle, url in (
        ("file (ouvertes, par échéance)", base),
        ("filtre « en retard »", f"{base}?en_retard=on"),
        ("toutes, page 40", f"{base}?statut=toutes&page=40"),
    ):
        p50, p95, requetes, poids, (_, lente) = mesurer_page(client, url)
        ligne(
            f"{libelle} : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL (la plus lente "
            f"{lente[0]:.1f} ms) ; {poids // 1024} Ko ; {visibles} demandes visibles"
        )

    titre("Indicateurs nationaux (toutes les demandes, synthétiques comprises)")
    qs = filtrer(DemandeRappel.objects.all(), avec_synthetiques=True)
    p50, p95, agrege = chronometrer(lambda: indicateurs(qs=qs, avec_synthetiques=True), 20)
    n50, n95, naif = chronometrer(lambda: indicateurs_naifs(qs), 5)
    ligne(f"agrégé en base (2 requêtes) : p50 {p50:.1f} ms, p95 {p95:.1f} ms sur 20")
    ligne(f"référence naïve (boucle Python) : p50 {n50:.0f} ms, p95 {n95:.0f} ms sur 5 ; ×{n50 / p50:.1f}")
    memes = agrege == naif
    ligne(f"mêmes résultats : {'oui' if memes else 'NON'}")
    ligne(
        f"total : {agrege.demandes} demandes, {agrege.closes} closes, {agrege.pourcentage_joints} % joints, "
        f"{agrege.pourcentage_dans_la_cible} % dans le délai, délai médian {agrege.delai_median_heures} h, "
        f"p90 {agrege.delai_p90_heures} h, {agrege.en_retard} en retard"
    )
    g50, g95, groupes = chronometrer(lambda: par_groupe(qs, "departement_id"), 10)
    ligne(
        f"par département ({len(groupes)} lignes, 2 requêtes groupées) : p50 {g50:.1f} ms, p95 {g95:.1f} ms"
    )

    national = utilisateur("national.rappels@bench-rappels.invalid", Role.EQUIPE_NATIONALE)
    du = (timezone.localdate() - timedelta(days=365)).isoformat()
    url = f"{reverse('rappels:indicateurs')}?du={du}"
    p50, p95, requetes, poids, _ = mesurer_page(client_de(national), url, n=20)
    ligne(
        f"page /rappels/indicateurs/ (équipe nationale, 12 mois, hors synthétiques : la page ne les compte pas) : "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, {requetes} requêtes SQL, {poids // 1024} Ko"
    )
    if not memes:
        sys.exit(1)


if __name__ == "__main__":
    main()
