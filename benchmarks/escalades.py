"""Mesures des escalades (lancé par `make bench` ou `uv run --frozen python benchmarks/escalades.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_escalades` (créée, migrée, référentiel importé si vide ;
escalades SYNTHÉTIQUES réutilisées d'une exécution à l'autre si le volume est déjà là) :
- boîte d'un référent partenaire × département qui a 10 000 escalades : page HTTP `/escalades/` (client de
  test, DEBUG désactivé), p50 / p95 sur 50 requêtes, nombre de requêtes SQL ; avec le filtre « ouvertes » ;
- chiffres nationaux (statistiques.escalades, 12 mois) : calcul groupé en SQL, médiane de 5, comparé dans la
  même exécution à la référence naïve (toutes les escalades chargées en Python) ; page HTTP
  `/statistiques/escalades/`.
Toutes les escalades de cette base sont synthétiques : les chiffres sont donc mesurés « synthétiques
comprises » (option de la page).

Options : --boite N (défaut 10 000), --national N (escalades ailleurs dans le pays, défaut 40 000),
--departement (défaut 59), --partenaire (code, défaut : le premier partenaire actif).
"""

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import (  # noqa: E402
    client_de,
    environnement,
    ligne,
    mesurer_page,
    preparer_base,
    titre,
    utilisateur,
)

BASE = "franceservices_bench_escalades"
ENV = environnement(BASE)


def generer(partenaire, departement: str, boite: int, national: int):
    from franceservices.escalades import synthetique
    from franceservices.escalades.models import Escalade

    deja = Escalade.objects.filter(partenaire=partenaire, departement__code=departement).count()
    if deja < boite:
        debut = time.perf_counter()
        n = synthetique.generer(boite - deja, partenaire=partenaire, departement=departement, graine=deja + 1)
        duree = time.perf_counter() - debut
        ligne(
            f"{n} escalades générées pour {partenaire.nom_court} × {departement} en {duree:.1f} s "
            f"({n / duree:.0f}/s, messages compris)"
        )
    total = Escalade.objects.count()
    if total < boite + national:
        debut = time.perf_counter()
        n = synthetique.generer(boite + national - total, graine=total + 7)
        duree = time.perf_counter() - debut
        ligne(f"{n} escalades générées dans tout le pays en {duree:.1f} s ({n / duree:.0f}/s)")
    from django.db import connection

    with connection.cursor() as curseur:  # statistiques du planificateur à jour, comme après l'autovacuum
        curseur.execute("ANALYZE escalades_escalade")
        curseur.execute("ANALYZE escalades_message")
    ligne(
        f"base : {Escalade.objects.count()} escalades, dont "
        f"{Escalade.objects.filter(partenaire=partenaire, departement__code=departement).count()} pour "
        f"{partenaire.nom_court} × {departement}"
    )


def naif(debut, fin, aujourdhui):
    """Référence : toutes les escalades chargées en Python, regroupées et triées à la main."""
    from franceservices.escalades.models import STATUTS_CLOS, Escalade, Statut

    groupes = defaultdict(
        lambda: {
            "ouvertes": 0,
            "closes": 0,
            "delais": [],
            "temps": [],
            "rejets": Counter(),
            "cours": 0,
            "retard": 0,
        }
    )
    for e in Escalade.objects.all().iterator(chunk_size=5000):
        for cle in (("p", e.partenaire_id), ("d", e.departement_id), ("total",)):
            g = groupes[cle]
            g["ouvertes"] += debut <= e.ouverte_le < fin
            if e.statut in STATUTS_CLOS and debut <= e.close_le < fin:
                g["closes"] += 1
                if e.jours_ouvres_reponse is not None:
                    g["delais"].append(e.jours_ouvres_reponse)
                if e.dans_les_temps is not None:
                    g["temps"].append(e.dans_les_temps)
                if e.statut == Statut.REJETEE:
                    g["rejets"][e.motif_rejet] += 1
            if e.statut not in STATUTS_CLOS:
                g["cours"] += 1
                g["retard"] += e.echeance < aujourdhui
    for g in groupes.values():
        d = sorted(g["delais"])
        g["mediane"] = statistics.median(d) if d else None
        g["p90"] = d[-(-9 * len(d) // 10) - 1] if d else None
    return groupes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boite", type=int, default=10_000)
    parser.add_argument("--national", type=int, default=40_000)
    parser.add_argument("--departement", default="59")
    parser.add_argument("--partenaire", default="")
    options = parser.parse_args()

    titre("Escalades — préparation (base franceservices_bench_escalades)")
    preparer_base(BASE)
    from django.db.models import Q
    from django.urls import reverse
    from django.utils import timezone

    from franceservices.comptes.models import Role
    from franceservices.escalades.models import Escalade
    from franceservices.partenaires.models import Partenaire
    from franceservices.statistiques import escalades as chiffres
    from franceservices.statistiques.lecture import Periode
    from franceservices.territoires.models import Departement

    partenaires = Partenaire.objects.filter(actif=True).order_by("pk")
    partenaire = partenaires.get(code=options.partenaire) if options.partenaire else partenaires.first()
    departement = Departement.objects.get(code=options.departement)
    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    generer(partenaire, options.departement, options.boite, options.national)

    titre(
        f"Boîte d'un référent {partenaire.nom_court} × {departement.code} (page HTTP /escalades/, 50 requêtes)"
    )
    referent = utilisateur(
        f"referent.{partenaire.code}.{departement.code}@bench.invalid",
        Role.REFERENT_PARTENAIRE,
        partenaire=partenaire,
        departement=departement,
    )
    visibles = Escalade.objects.visible_par(referent).count()
    client = client_de(referent)
    base = reverse("escalades:liste")
    for libelle, url in (
        ("boîte (défaut)", base),
        ("filtre « ouvertes »", f"{base}?statut=ouvertes"),
        ("page 50", f"{base}?page=50"),
    ):
        p50, p95, requetes, poids, (sql_ms, lente) = mesurer_page(client, url)
        ligne(
            f"{libelle} : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms, la plus "
            f"lente {lente[0]:.0f} ms : {lente[1][:100]}…) ; {poids // 1024} Ko ; {visibles} escalades visibles"
        )

    titre("Chiffres nationaux des escalades (12 mois, synthétiques comprises)")
    aujourdhui = timezone.localdate()
    m = aujourdhui.replace(day=1)
    periode = Periode(date(m.year - 1, m.month, 1) if m.month == 12 else date(m.year - 1, m.month + 1, 1), m)
    debut, fin = chiffres.bornes(periode)
    durees, resultat = [], None
    for _ in range(5):
        t = time.perf_counter()
        resultat = chiffres.calculer(Q(), periode, avec_synthetiques=True, aujourdhui=aujourdhui)
        durees.append((time.perf_counter() - t) * 1000)
    durees_naif, reference = [], None
    for _ in range(3):
        t = time.perf_counter()
        reference = naif(debut, fin, aujourdhui)
        durees_naif.append((time.perf_counter() - t) * 1000)
    total = reference[("total",)]
    accord = (
        resultat.total.ouvertes == total["ouvertes"]
        and resultat.total.closes == total["closes"]
        and resultat.total.mediane == total["mediane"]
        and resultat.total.p90 == total["p90"]
        and all(
            li.mediane == reference[("p", int(li.cle))]["mediane"]
            and li.p90 == reference[("p", int(li.cle))]["p90"]
            for li in resultat.partenaires
        )
    )
    ligne(
        f"calcul groupé (4 requêtes + libellés) : médiane {statistics.median(durees):.1f} ms sur 5 ; "
        f"{Escalade.objects.count()} escalades, {len(resultat.partenaires)} partenaires, "
        f"{len(resultat.departements)} départements"
    )
    ligne(
        f"référence naïve (tout charger en Python) : médiane {statistics.median(durees_naif):.0f} ms sur 3 ; "
        f"mêmes résultats : {'oui' if accord else 'NON'}"
    )
    ligne(
        f"total : {resultat.total.ouvertes} ouvertes, {resultat.total.closes} closes, délai médian "
        f"{resultat.total.mediane} j, p90 {resultat.total.p90} j, {resultat.total.part_dans_les_temps} % dans le "
        f"délai, {resultat.total.en_retard} en retard"
    )
    national = utilisateur("national.escalades@bench.invalid", Role.EQUIPE_NATIONALE)
    url = f"{reverse('statistiques:escalades')}?synthetiques=oui"
    p50, p95, requetes, poids, _ = mesurer_page(client_de(national), url, n=20)
    ligne(
        f"page /statistiques/escalades/ (équipe nationale) : p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"{requetes} requêtes SQL, {poids // 1024} Ko"
    )


if __name__ == "__main__":
    main()
