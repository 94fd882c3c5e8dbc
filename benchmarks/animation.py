"""Mesures de l'accueil d'un département (animation) — `uv run --frozen python benchmarks/animation.py`.

Sur PostgreSQL, base dédiée `franceservices_bench_animation` (créée, migrée, référentiel importé si vide) :
- génération EN SQL (INSERT … SELECT generate_series, par paquets d'un million, une transaction chacun) de
  `--demandes` demandes SYNTHÉTIQUES (défaut 10 000 000) réparties sur les 13 derniers mois et toutes les
  France services du pays, puis des agrégats `Agregat` de la dimension « total » (la seule que lit l'accueil)
  par un INSERT … SELECT … GROUP BY ; réutilisées d'une exécution à l'autre (rien n'est refait si le volume
  est atteint) ;
- une équipe synthétique dans le département mesuré (3 agents par France services, un animateur), quelques
  escalades, anomalies, visites et actions ;
- page HTTP `/animation/departements/<code>/` de l'animateur (client de test Django, DEBUG faux) :
  p50 / p95 sur N requêtes et nombre de requêtes SQL ;
- dans la même exécution, la référence naïve : l'activité des 3 derniers mois complets comptée depuis les
  demandes brutes du département (un COUNT GROUP BY sur la table des demandes), comparée aux agrégats.

Options : --demandes N (défaut 10 000 000), --departement (défaut 59), --repetitions (défaut 30),
--generer-seulement.
"""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import (  # noqa: E402
    environnement,
    ligne,
    preparer_base,
    titre,
)

BASE = "franceservices_bench_animation"
ENV = environnement(BASE)
DOMAINE = "bench-animation.invalid"
PAQUET = 1_000_000
MOIS = 13


def _decaler(mois: date, n: int) -> date:
    total = mois.year * 12 + mois.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def generer_demandes(total: int):
    """Demandes synthétiques en SQL, par paquets : rien ne transite par Python."""
    from django.db import connection, transaction
    from django.utils import timezone

    from franceservices.activite.models import Demande, Origine, Theme

    synthetiques = Demande.objects.filter(origine=Origine.SYNTHETIQUE)
    deja = synthetiques.count()
    if deja >= total:
        ligne(f"{deja} demandes synthétiques déjà en base : pas de génération")
        return deja
    debut_mois = _decaler(timezone.localdate().replace(day=1), -MOIS)
    jours = (timezone.localdate().replace(day=1) - debut_mois).days
    themes = "ARRAY[" + ",".join(f"'{t}'" for t in Theme.values) + "]"
    t0 = time.perf_counter()
    fait = deja
    while fait < total:
        n = min(PAQUET, total - fait)
        with transaction.atomic(), connection.cursor() as curseur:
            curseur.execute(
                f"""
                WITH s AS (SELECT array_agg(id ORDER BY id) AS ids FROM structures_structure),
                g AS (SELECT i, (%s::date + ((i * 7919) %% %s)::int) AS j FROM generate_series(%s::bigint, %s::bigint) AS i)
                INSERT INTO activite_demande (cle_client, visite, structure_id, agent_id, date_heure, jour, mois,
                    canal, partenaire_id, partenaire_autre, theme, demarche_id, fiche_id, niveau, issue,
                    orientee_vers, duree, tranche_age, sexe, commune_id, premiere_visite, autonomie, origine,
                    lot_id, cree_le, modifie_le, annulee_le)
                SELECT gen_random_uuid(), gen_random_uuid(),
                    s.ids[1 + ((g.i * 2654435761) %% array_length(s.ids, 1))], NULL,
                    g.j + time '10:00', g.j, date_trunc('month', g.j)::date,
                    'accueil_physique', NULL, 'Autre (banc)', ({themes})[1 + g.i %% 10], NULL, NULL,
                    'accompagnement', 'finalisee', '', 10 + (g.i %% 6) * 5, '', '', NULL, NULL, '',
                    %s, NULL, now(), now(), NULL
                FROM g, s
                """,
                [debut_mois, jours, fait, fait + n - 1, Origine.SYNTHETIQUE],
            )
        fait += n
        ligne(f"{fait} demandes ({time.perf_counter() - t0:.0f} s)")
    with connection.cursor() as curseur:
        curseur.execute("ANALYZE activite_demande")
    ligne(f"{fait - deja} demandes générées en SQL en {time.perf_counter() - t0:.0f} s")
    return fait


def generer_agregats():
    """Agrégats « total » par France services et mois depuis les demandes synthétiques (recalculés en entier)."""
    from django.db import connection, transaction

    from franceservices.activite.models import Dimension

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as curseur:
        curseur.execute(
            "DELETE FROM activite_agregat WHERE synthetique AND dimension = %s", [Dimension.TOTAL]
        )
        curseur.execute(
            """
            INSERT INTO activite_agregat (mois, structure_id, synthetique, dimension, valeur, nombre, duree)
            SELECT mois, structure_id, true, %s, '', count(*), sum(duree)
            FROM activite_demande WHERE origine = 'synthetique' AND annulee_le IS NULL
            GROUP BY mois, structure_id
            """,
            [Dimension.TOTAL],
        )
        curseur.execute("ANALYZE activite_agregat")
    ligne(f"agrégats « total » recalculés en SQL en {time.perf_counter() - t0:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demandes", type=int, default=10_000_000)
    parser.add_argument("--departement", default="59")
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--generer-seulement", action="store_true")
    options = parser.parse_args()

    titre(f"Animation — préparation (base {BASE})")
    preparer_base(BASE)
    from franceservices.activite.models import Agregat, Demande, Dimension, Origine

    total = generer_demandes(options.demandes)
    agreges = sum(
        Agregat.objects.filter(synthetique=True, dimension=Dimension.TOTAL).values_list("nombre", flat=True)
    )
    if agreges != Demande.objects.filter(origine=Origine.SYNTHETIQUE, annulee_le__isnull=True).count():
        generer_agregats()
    if options.generer_seulement:
        return
    mesurer(options, total)


if __name__ == "__main__":
    main()
