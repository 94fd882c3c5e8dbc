"""Mesures de la couverture du territoire (lancé par `uv run --frozen python benchmarks/couverture.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_couverture` (créée, migrée, référentiel réel importé si
vide) :
- distance de chaque commune pleine (34 969) à la France services la plus proche : calcul par grille
  (`couverture.calcul.calculer`, cible ≤ 2 s), à côté d'un calcul naïf toutes paires (haversine pour chaque
  couple commune × site, ~10⁸ distances, ≈ 70 s en Python pur) dans la même exécution, sur toutes les
  communes ; `--naif-echantillon` le mesure sur une commune sur 20 et l'extrapole (plus rapide, c'est dit
  dans la sortie). Les résultats sont comparés commune par commune ;
- mise en table (`calculer_couverture`) : premier calcul, puis relance sans changement (idempotente) ;
  agrégats SQL par département, région et national ;
- placement glouton de k = 10 points d'accès dans un grand département rural (Aisne, 02 ; cible ≤ 5 s)
  et quelques autres, à côté d'un glouton naïf (ensembles recalculés par haversine à chaque tour) ;
- écart glouton / optimum exact (énumération) : petits cas réels (k = 1 à 3) et cas construits au hasard ;
- pages HTTP `/couverture/` et placement (p50 / p95, requêtes SQL).
"""

import argparse
import platform
import random
import statistics
import sys
import time
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

BASE = "franceservices_bench_couverture"
ENV = environnement(BASE)


def chrono(fonction, n=5):
    durees, resultat = [], None
    for _ in range(n):
        debut = time.perf_counter()
        resultat = fonction()
        durees.append(time.perf_counter() - debut)
    return statistics.median(durees), min(durees), resultat


def naif(communes, sites):
    from franceservices.territoires.geo import haversine_km

    return [min(haversine_km(lat, lon, sla, slo) for _, sla, slo in sites) for _, _, _, lat, lon in communes]


def banc_distances(naif_complet: bool):
    from franceservices.couverture import calcul

    titre("Distance de chaque commune au site le plus proche")
    debut = time.perf_counter()
    communes = calcul.communes_du_calcul()
    sites = calcul.lieux_sites()
    lecture = time.perf_counter() - debut
    ligne(
        f"{len(communes)} communes pleines, {len(sites)} France services ; lecture en base : {lecture:.2f} s"
    )
    origines = [calcul.Lieu.creer(pk, lat, lon) for pk, _, _, lat, lon in communes]
    p50, meilleur, resultats = chrono(lambda: calcul.plus_proches(origines, sites), n=5)
    ligne(
        f"calcul par grille (toutes les communes) : médiane {p50:.2f} s, meilleur {meilleur:.2f} s (cible ≤ 2 s)"
    )
    p50_complet, _, _ = chrono(lambda: calcul.calculer(), n=3)
    ligne(f"`calculer()` complet (lecture en base + calcul, sites et arrêts) : médiane {p50_complet:.2f} s")

    points = [(s.pk, s.latitude, s.longitude) for s in sites]
    echantillon = communes if naif_complet else communes[::20]
    debut = time.perf_counter()
    distances_naives = naif(echantillon, points)
    duree_naive = time.perf_counter() - debut
    indices = range(len(communes)) if naif_complet else range(0, len(communes), 20)
    ecarts = max(abs(resultats[i][0] - d) for i, d in zip(indices, distances_naives, strict=True))
    if naif_complet:
        ligne(
            f"naïf toutes paires (toutes les communes) : {duree_naive:.1f} s ; écart maximal {ecarts:.2e} km"
        )
        estimation = duree_naive
    else:
        estimation = duree_naive * len(communes) / len(echantillon)
        ligne(
            f"naïf toutes paires, mesuré sur {len(echantillon)} communes (une sur 20, déterministe) : "
            f"{duree_naive:.1f} s → extrapolé à toutes les communes : ≈ {estimation:.0f} s ; "
            f"écart maximal avec la grille sur l'échantillon : {ecarts:.2e} km"
        )
    ligne(f"gain : ×{estimation / p50:.0f}")


def banc_table():
    from franceservices.couverture import calcul
    from franceservices.couverture.models import CalculCouverture, DistanceCommune

    titre("Mise en table et agrégats")
    DistanceCommune.objects.all().delete()
    CalculCouverture.objects.all().delete()
    debut = time.perf_counter()
    calcul.enregistrer_couverture()
    ligne(f"premier calcul mis en table (table vide) : {time.perf_counter() - debut:.2f} s")
    debut = time.perf_counter()
    _, recalcule = calcul.enregistrer_couverture(forcer=True)
    ligne(f"recalcul forcé, registre inchangé (aucune ligne réécrite) : {time.perf_counter() - debut:.2f} s")
    debut = time.perf_counter()
    _, recalcule = calcul.enregistrer_couverture()
    ligne(
        f"relance sans changement (idempotente, recalculé : {recalcule}) : {(time.perf_counter() - debut) * 1000:.0f} ms"
    )
    seuils = calcul.seuils_km()
    for mesure in (calcul.Mesure(), calcul.Mesure(route=True, facteur=calcul.facteur_detour())):
        p50, _, (_deps, national) = chrono(
            lambda m=mesure: (d := calcul.par_departement(m, seuils), calcul.national(d, seuils)), n=10
        )
        parts = ", ".join(f"≤ {s} km : {national.part(s):.2f} %" for s in seuils)
        ligne(
            f"agrégats par département + région + national ({mesure.libelle}) : {p50 * 1000:.0f} ms — {parts}"
        )


def glouton_naif(departement, k, rayon_km, mesure):
    """Référence : à chaque tour, recalcule par haversine les habitants non couverts autour de chaque candidat."""
    from franceservices.couverture import placement
    from franceservices.territoires.geo import haversine_km

    communes = placement.donnees_departement(departement, mesure)
    restantes = [c for c in communes if c.distance_km > rayon_km and c.population > 0]
    limite = mesure.limite_vol(rayon_km)
    choix = []
    for _ in range(k):
        meilleur, gain_max = None, 0
        for c in communes:
            gain = sum(
                d.population
                for d in restantes
                if haversine_km(c.latitude, c.longitude, d.latitude, d.longitude) <= limite
            )
            if gain > gain_max:
                meilleur, gain_max = c, gain
        if meilleur is None:
            break
        choix.append(gain_max)
        restantes = [
            d
            for d in restantes
            if haversine_km(meilleur.latitude, meilleur.longitude, d.latitude, d.longitude) > limite
        ]
    return choix


def banc_placement():
    from franceservices.couverture import calcul, placement
    from franceservices.territoires.models import Departement

    titre("Placement glouton (k = 10, rayon 10 km)")
    route = calcul.Mesure(route=True, facteur=calcul.facteur_detour())
    for code in ("02", "62", "24", "12", "48", "23", "973"):
        departement = Departement.objects.get(code=code)
        for mesure in (calcul.Mesure(), route):
            p50, _, resultat = chrono(
                lambda d=departement, m=mesure: placement.placer(d, k=10, rayon_km=10, mesure=m), n=5
            )
            ligne(
                f"{departement} ({mesure.libelle}) : {p50 * 1000:.0f} ms (cible ≤ 5 s) — "
                f"{len(resultat.communes_non_couvertes)} communes non couvertes ({resultat.non_couverte} hab.), "
                f"{len(resultat.propositions)} propositions, {resultat.gagnee} hab. rapprochés"
            )
    aisne = Departement.objects.get(code="02")
    debut = time.perf_counter()
    gains_naifs = glouton_naif(aisne, 10, 10, route)
    duree_naive = time.perf_counter() - debut
    resultat = placement.placer(aisne, k=10, rayon_km=10, mesure=route)
    identique = gains_naifs == [p.gain for p in resultat.propositions]
    ligne(
        f"référence naïve (Aisne, route estimée) : {duree_naive:.2f} s contre {resultat.duree_s * 1000:.0f} ms ; "
        f"mêmes gains : {identique}"
    )


def banc_ecarts():
    from franceservices.couverture import calcul, placement
    from franceservices.couverture.placement import Poids, glouton, optimum_exact
    from franceservices.territoires.models import Departement

    titre("Écart glouton / optimum exact (énumération)")
    for code in ("48", "23", "15", "12", "973"):
        departement = Departement.objects.get(code=code)
        communes = placement.donnees_departement(departement, calcul.Mesure())
        demandes = [c for c in communes if c.distance_km > 10 and c.population > 0]
        masques = placement.masques_couverture(
            [(c.latitude, c.longitude) for c in communes], [(c.latitude, c.longitude) for c in demandes], 10
        )
        poids = Poids([c.population for c in demandes])
        morceaux = []
        for k in (1, 2, 3):
            gain = sum(g for _, g in glouton(masques, poids, k))
            debut = time.perf_counter()
            exact = optimum_exact(masques, poids, k)
            duree = time.perf_counter() - debut
            if exact is None:
                morceaux.append(f"k={k} : énumération trop longue")
            else:
                ratio = gain / exact[0] if exact[0] else 1.0
                morceaux.append(f"k={k} : {100 * ratio:.1f} % de l'optimum ({duree:.2f} s d'énumération)")
        ligne(f"{departement}, 10 km : " + " ; ".join(morceaux))
    hasard = random.Random(20261127)
    ratios = {k: [] for k in (2, 3, 4)}
    for _ in range(2000):
        demandes = hasard.randint(6, 20)
        poids = Poids([hasard.randint(1, 1000) for _ in range(demandes)])
        masques = [
            hasard.getrandbits(demandes) & hasard.getrandbits(demandes) for _ in range(hasard.randint(4, 12))
        ]
        for k in ratios:
            optimum, _ = optimum_exact(masques, poids, k)
            if optimum:
                ratios[k].append(sum(g for _, g in glouton(masques, poids, k)) / optimum)
    for k, valeurs in ratios.items():
        ligne(
            f"2 000 cas construits au hasard, k={k} : moyenne {100 * statistics.mean(valeurs):.2f} %, "
            f"pire {100 * min(valeurs):.1f} % (garantie {100 * placement.garantie(k):.1f} %), "
            f"optimum atteint dans {100 * sum(v == 1 for v in valeurs) / len(valeurs):.0f} % des cas"
        )


def banc_pages():
    from franceservices.comptes.models import Role
    from franceservices.territoires.models import Departement

    titre("Pages HTTP (équipe nationale)")
    national = utilisateur("national@bench-couverture.invalid", Role.EQUIPE_NATIONALE)
    client = client_de(national)
    Departement.objects.get(code="02")
    for url in (
        "/couverture/",
        "/couverture/?seuil=10&mesure=route&tri=part&ordre=asc",
        "/couverture/zones-blanches/",
        "/couverture/departements/02/",
        "/couverture/departements/02/placement/?k=10&rayon=10&mesure=route&type=sites",
    ):
        p50, p95, requetes, taille, _ = mesurer_page(client, url, n=20)
        ligne(
            f"`{url}` : p50 {p50:.0f} ms, p95 {p95:.0f} ms, {requetes} requêtes SQL, {taille / 1024:.0f} Kio"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--naif-echantillon",
        action="store_true",
        help="Calcul naïf sur une commune sur 20, extrapolé (au lieu de toutes les communes, ≈ 70 s)",
    )
    options = parser.parse_args()
    preparer_base(BASE)
    print(
        f"# Couverture du territoire — {time.strftime('%Y-%m-%d %H:%M')} — {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    banc_distances(not options.naif_echantillon)
    banc_table()
    banc_placement()
    banc_ecarts()
    banc_pages()


if __name__ == "__main__":
    main()
