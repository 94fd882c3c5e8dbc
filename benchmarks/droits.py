"""Mesures de l'estimation des droits (lancé par `uv run --frozen python benchmarks/droits.py`).

Démarre le simulateur (`simulateur/.venv`, installé par `uv sync --project simulateur --frozen`) sur un port
libre de la boucle locale, puis mesure :
- le chargement du modèle (démarrage du processus → `/sante` prêt, préchauffage compris) ;
- la latence d'une estimation à chaud d'un ménage (questionnaire → situation → HTTP → montants) :
  p50 / p95 sur 50 ménages variés, cible p95 ≤ 2 s ;
- le débit en lot : N ménages (défaut 200) en un appel vectorisé (`estimer_lot`) comparé, dans la même
  exécution, à la référence naïve (les mêmes ménages un par un, résultats identiques vérifiés).

Aucune base : seul le client HTTP et la construction de la situation sont en jeu.
Options : --lot N (défaut 200), --repetitions R (défaut 50).
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import ligne, percentile, titre  # noqa: E402

CIBLE_P95 = 2.0


def menages(n: int, graine: int = 9):
    from franceservices.droits.situation import STATUTS_LOCATAIRE, Questionnaire

    hasard = random.Random(graine)
    logements = ["locataire_vide", "locataire_meuble", "locataire_hlm", "proprietaire", "loge_gratuitement"]
    sortie = []
    for _ in range(n):
        couple = hasard.random() < 0.4
        logement = hasard.choice(logements)
        sortie.append(
            Questionnaire(
                age=hasard.randint(18, 80),
                salaire_brut=hasard.choice([0, 0, 900, 1801.8, 2500, 4000]),
                en_couple=couple,
                age_conjoint=hasard.randint(18, 80) if couple else None,
                salaire_brut_conjoint=hasard.choice([0, 1200, 2200]) if couple else 0,
                ages_enfants=tuple(hasard.randint(0, 19) for _ in range(hasard.choice([0, 0, 1, 2, 3]))),
                logement=logement,
                loyer=hasard.choice([350, 500, 750, 1100]) if logement in STATUTS_LOCATAIRE else 0,
                zone=hasard.choice(["zone_1", "zone_2", "zone_3"]),
            )
        )
    return sortie


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lot", type=int, default=200)
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()

    from tests.droits.outils import PYTHON, arreter, demarrer, port_libre

    if not PYTHON.exists():
        sys.exit("Environnement du simulateur absent : `uv sync --project simulateur --frozen`.")
    from django.conf import settings

    port = port_libre()
    settings.configure(
        SIMULATEUR_URL=f"http://127.0.0.1:{port}", SIMULATEUR_DELAI=120, USE_TZ=True, TIME_ZONE="Europe/Paris"
    )
    from franceservices.droits import client, estimation

    titre(f"Estimation des droits (machine : {platform.machine()}, {os.cpu_count()} processeurs)")
    debut = time.perf_counter()
    processus, _ = demarrer(port)
    try:
        chargement = time.perf_counter() - debut
        sante = client.sante()
        ligne(
            f"chargement du modèle (démarrage → /sante, préchauffage compris) : {chargement:.1f} s "
            f"(modèle seul : {sante['chargement_s']} s, openfisca-france {sante['version']})"
        )

        mois = date.today().replace(day=1)
        echantillon = menages(args.repetitions)
        durees = []
        for q in echantillon:
            t = time.perf_counter()
            estimation.estimer_montants(q, mois)
            durees.append(time.perf_counter() - t)
        p95 = percentile(durees, 95)
        ligne(
            f"estimation à chaud d'un ménage ({len(durees)} ménages variés) : p50 {statistics.median(durees):.2f} s, "
            f"p95 {p95:.2f} s, max {max(durees):.2f} s — cible p95 ≤ {CIBLE_P95} s : "
            f"{'atteinte' if p95 <= CIBLE_P95 else 'NON atteinte'}"
        )

        lot = menages(args.lot, graine=11)
        t = time.perf_counter()
        resultats_lot = estimation.estimer_lot(lot, mois)
        duree_lot = time.perf_counter() - t
        ligne(
            f"lot de {len(lot)} ménages (appels groupés par {estimation.TAILLE_LOT}) : {duree_lot:.2f} s, soit {len(lot) / duree_lot:.1f} ménages/s"
        )

        naifs = min(len(lot), 40)
        t = time.perf_counter()
        resultats_naifs = [estimation.estimer_montants(q, mois) for q in lot[:naifs]]
        duree_naive = time.perf_counter() - t
        ecarts = sum(
            1
            for a, b in zip(resultats_lot[:naifs], resultats_naifs, strict=True)
            for v in a
            if abs(a[v][0] - b[v][0]) > 0.02
        )
        ligne(
            f"référence naïve (un appel par ménage, {naifs} ménages) : {duree_naive:.2f} s, soit "
            f"{naifs / duree_naive:.1f} ménages/s ; gain du lot ×{(len(lot) / duree_lot) / (naifs / duree_naive):.1f} ; "
            f"écarts de montants lot / unitaire : {ecarts}"
        )
    finally:
        arreter(processus)
    _ = client
    return 0


if __name__ == "__main__":
    sys.exit(main())
