"""Calcul des créneaux de rendez-vous (lancé par `uv run --frozen python benchmarks/creneaux.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_creneaux` (créée, migrée, référentiel importé si vide).
Une France services réelle reçoit sur rendez-vous du lundi au vendredi (9 h – 12 h, 13 h 30 – 17 h 30) et
a déjà des rendez-vous prévus SYNTHÉTIQUES (nom « Synthétique banc », recréés à chaque exécution) sur
les 8 semaines à venir ; une fermeture d'une semaine ; les fériés réels de sa zone.

Mesures (cible ≤ 50 ms pour 8 semaines) :
- `creneaux_structure` complet (lecture en base comprise) : p50 / p95 sur 50 appels, nombre de requêtes SQL ;
- le calcul pur (`creneaux_libres`) sur le même contexte ;
- la référence naïve (`creneaux_naifs` : chaque pas de 5 minutes testé contre toutes les contraintes),
  sur le même contexte, dans la même exécution ; on vérifie que la grille rapide est incluse dans ses résultats.

Options : --departement (défaut 16), --rendez-vous N (prévus sur la période, défaut 300), --repetitions (50).
"""

import argparse
import platform
import statistics
import sys
import time as chrono
from datetime import time, timedelta
from functools import partial
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_creneaux"
ENV = environnement(BASE)
NOM_SYNTHETIQUE = "Synthétique banc"


def preparer_structure(departement: str, nombre_rdv: int):
    from django.utils import timezone

    from franceservices.rendezvous.creneaux import creneaux_structure
    from franceservices.rendezvous.models import Disponibilite, Fermeture, RendezVous, TypeRendezVous
    from franceservices.structures.models import Structure

    structure = Structure.objects.select_related("departement").filter(departement__code=departement).first()
    RendezVous.objects.filter(structure=structure, nom=NOM_SYNTHETIQUE).delete()
    TypeRendezVous.objects.filter(structure=structure, libelle__startswith="Banc").delete()
    Disponibilite.objects.filter(structure=structure).delete()
    Fermeture.objects.filter(structure=structure, motif="Banc").delete()
    for jour in range(5):
        for debut, fin in ((time(9), time(12)), (time(13, 30), time(17, 30))):
            Disponibilite.objects.create(
                structure=structure, jour_semaine=jour, heure_debut=debut, heure_fin=fin
            )
    aujourd_hui = timezone.localdate()
    Fermeture.objects.create(
        structure=structure,
        du=aujourd_hui + timedelta(weeks=3),
        au=aujourd_hui + timedelta(weeks=4),
        motif="Banc",
    )
    court = TypeRendezVous.objects.create(structure=structure, libelle="Banc 20 min", duree=20)
    long_ = TypeRendezVous.objects.create(structure=structure, libelle="Banc 45 min", duree=45)
    # Rendez-vous prévus : un créneau de 20 min sur quatre, en alternant les durées (la grille se décale).
    libres = creneaux_structure(structure, court)
    pris = 0
    for i, debut in enumerate(libres[::4]):
        if pris >= nombre_rdv:
            break
        type_ = long_ if i % 2 else court
        fin = debut + timedelta(minutes=type_.duree)
        if RendezVous.objects.filter(structure=structure, debut__lt=fin, fin__gt=debut).exists():
            continue
        RendezVous.objects.create(
            structure=structure,
            type=type_,
            debut=debut,
            fin=fin,
            nom=NOM_SYNTHETIQUE,
            courriel="banc@exemple.fr",
        )
        pris += 1
    return structure, court, long_, pris


def mesurer(fonction, repetitions):
    durees = []
    for _ in range(repetitions):
        debut = chrono.perf_counter()
        resultat = fonction()
        durees.append((chrono.perf_counter() - debut) * 1000)
    return durees, resultat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="16")
    parser.add_argument("--rendez-vous", type=int, default=300)
    parser.add_argument("--repetitions", type=int, default=50)
    options = parser.parse_args()

    preparer_base(BASE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from franceservices.rendezvous.creneaux import (
        SEMAINES_PAR_DEFAUT,
        contexte_de,
        creneaux_libres,
        creneaux_naifs,
        creneaux_structure,
    )

    structure, court, long_, pris = preparer_structure(options.departement, options.rendez_vous)
    titre(f"Créneaux de rendez-vous sur {SEMAINES_PAR_DEFAUT} semaines (cible ≤ 50 ms)")
    ligne(
        f"{structure.nom} ({structure.departement.code}) ; {pris} rendez-vous prévus synthétiques ; "
        f"Python {platform.python_version()}, PostgreSQL"
    )
    for type_ in (court, long_):
        creneaux_structure(structure, type_)  # fériés en cache, connexion ouverte
        with CaptureQueriesContext(connection) as requetes:
            creneaux = creneaux_structure(structure, type_)
        durees, _ = mesurer(lambda type_=type_: creneaux_structure(structure, type_), options.repetitions)
        ligne(
            f"type {type_.duree} min, `creneaux_structure` (base comprise) : p50 {percentile(durees, 50):.1f} ms, "
            f"p95 {percentile(durees, 95):.1f} ms, {len(requetes)} requêtes SQL, {len(creneaux)} créneaux libres"
        )
        maintenant = timezone.now()
        du = timezone.localdate()
        au = du + timedelta(weeks=SEMAINES_PAR_DEFAUT) - timedelta(days=1)
        contexte = contexte_de(structure, type_, du, au)
        arguments = (contexte, du, au, maintenant)
        purs, rapides = mesurer(partial(creneaux_libres, *arguments), options.repetitions)
        naifs_durees, naifs = mesurer(partial(creneaux_naifs, *arguments), 5)
        inclus = set(rapides) <= set(naifs)
        ligne(
            f"type {type_.duree} min, calcul pur : p50 {percentile(purs, 50):.2f} ms ; référence naïve (pas de "
            f"5 min) : médiane {statistics.median(naifs_durees):.0f} ms sur 5, soit "
            f"×{statistics.median(naifs_durees) / max(percentile(purs, 50), 1e-6):.0f} ; "
            f"grille incluse dans la référence : {'oui' if inclus else 'NON'}"
        )
        if not inclus:
            sys.exit("La grille rapide propose un créneau que la référence naïve refuse.")


if __name__ == "__main__":
    main()
