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
- dans la même exécution, la référence naïve : l'activité des 3 derniers mois complets (et des 3 d'avant)
  comptée depuis les demandes brutes du département (un COUNT GROUP BY sur la table des demandes) ; résultats
  comparés à ceux des agrégats, puis la même page mesurée avec cette lecture naïve.

Options : --demandes N (défaut 10 000 000), --departement (défaut 59), --repetitions (défaut 30),
--generer-seulement.
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
    preparer_base,
    titre,
    utilisateur,
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


def preparer_departement(departement):
    """Équipe, escalades, visites et actions synthétiques du département (une fois)."""
    from django.utils import timezone

    from franceservices.animation.models import ActionSuivi, Visite
    from franceservices.comptes.models import Habilitation, Role, Utilisateur
    from franceservices.escalades.models import Escalade, Statut
    from franceservices.partenaires.models import Partenaire
    from franceservices.structures.models import Structure

    animateur = utilisateur(
        f"animateur@{departement.code}.{DOMAINE}", Role.ANIMATEUR, departement=departement
    )
    structures = list(Structure.objects.filter(departement=departement).order_by("pk"))
    if Visite.objects.filter(structure__departement=departement).exists():
        return animateur, structures
    t0 = time.perf_counter()
    agents = Utilisateur.objects.bulk_create(
        [
            Utilisateur(
                email=f"agent{i}@{departement.code}.{DOMAINE}",
                username=f"agent{i}@{departement.code}.{DOMAINE}",
                password="!",
            )
            for i in range(3 * len(structures))
        ]
    )
    aujourdhui = timezone.localdate()
    Habilitation.objects.bulk_create(
        [
            Habilitation(
                utilisateur=u,
                role=Role.RESPONSABLE if i % 3 == 0 else Role.AGENT,
                structure=structures[i // 3],
                debut=aujourdhui - timedelta(days=i * 11 % 700),
            )
            for i, u in enumerate(agents)
        ]
    )
    partenaires = list(Partenaire.objects.order_by("pk")[:5])
    escalades = []
    for k, s in enumerate(structures):
        for j in range(6):
            close = j % 2 == 0
            escalades.append(
                Escalade(
                    structure=s,
                    departement=departement,
                    partenaire=partenaires[j % len(partenaires)],
                    objet="Dossier bloqué (banc)",
                    description="Synthétique",
                    statut=Statut.RESOLUE if close else Statut.NOUVELLE,
                    ouverte_le=timezone.now() - timedelta(days=5 + 7 * j),
                    echeance=aujourdhui + timedelta(days=5 - 4 * j),
                    delai_jours_ouvres=10,
                    jours_ouvres_reponse=(3 + (k * j) % 7 + (25 if k == 1 else 0)) if close else None,
                    synthetique=True,
                )
            )
    Escalade.objects.bulk_create(escalades)
    visites = Visite.objects.bulk_create(
        [
            Visite(structure=s, date=aujourdhui - timedelta(days=20 + k), auteur=animateur)
            for k, s in enumerate(structures)
        ]
    )
    ActionSuivi.objects.bulk_create(
        [
            ActionSuivi(
                visite=v,
                libelle=f"Action {j}",
                porteur_texte="Mairie",
                echeance=aujourdhui + timedelta(days=10 * j - 15),
            )
            for v in visites
            for j in range(3)
        ]
    )
    ligne(
        f"département {departement.code} : {len(structures)} France services, {len(agents)} personnes, "
        f"{len(escalades)} escalades, {len(visites)} visites générées en {time.perf_counter() - t0:.1f} s"
    )
    return animateur, structures


def activite_naive(departement, avant, debut, fin):
    """Référence : compter depuis les demandes brutes du département (6 mois)."""
    from django.db.models import Count, Q

    from franceservices.activite.models import Demande

    return {
        a["structure_id"]: (a["c"], a["p"])
        for a in Demande.objects.filter(
            structure__departement=departement, annulee_le__isnull=True, mois__gte=avant, mois__lt=fin
        )
        .values("structure_id")
        .annotate(c=Count("pk", filter=Q(mois__gte=debut)), p=Count("pk", filter=Q(mois__lt=debut)))
        .order_by()
    }


def chronometrer(fonction, n):
    resultat = fonction()
    durees = []
    for _ in range(n):
        t = time.perf_counter()
        fonction()
        durees.append((time.perf_counter() - t) * 1000)
    return resultat, statistics.median(durees), max(durees)


def mesurer(options, total):
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from franceservices.activite.models import Demande
    from franceservices.animation import accueil
    from franceservices.territoires.models import Departement

    departement = Departement.objects.get(code=options.departement)
    animateur, structures = preparer_departement(departement)
    avant, debut, fin = accueil.periodes(timezone.localdate())
    dans_dep = Demande.objects.filter(structure__departement=departement)
    titre("Volume")
    charge = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    ligne(
        f"PostgreSQL {connection.pg_version // 10000}, {platform.machine()}, {os.cpu_count()} cœurs, "
        f"charge de la machine (1, 5, 15 min) : {charge}"
    )
    ligne(f"demandes en base : {total:,}".replace(",", " "))
    n_dep = dans_dep.filter(mois__gte=avant, mois__lt=fin).count()
    lus = f"{n_dep:,}".replace(",", " ")
    ligne(
        f"département {departement.code} : {len(structures)} France services, {lus} demandes sur les 6 mois lus"
    )

    titre(
        f"Page /animation/departements/{departement.code}/ (client de test Django, DEBUG faux, {options.repetitions} requêtes)"
    )
    client = client_de(animateur)
    url = reverse("animation:departement", args=[departement.code])
    p50, p95, nb_sql, taille, (sql_ms, lente) = mesurer_page(client, url, n=options.repetitions)
    ligne(
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {nb_sql} requêtes SQL ({sql_ms:.0f} ms de SQL), {taille // 1024} Kio"
    )
    ligne(f"requête la plus lente : {lente[0]:.1f} ms — {lente[1][:140]}")
    ligne("objectif : ≤ 200 ms → " + ("TENU" if p95 <= 200 else "NON TENU"))

    titre(
        "Activité des 3 derniers mois complets et des 3 d'avant : agrégats contre demandes brutes (même exécution)"
    )
    par_agregats, med_a, max_a = chronometrer(
        lambda: accueil.lire_activite(departement, avant, debut, fin), 10
    )
    naif, med_n, max_n = chronometrer(lambda: activite_naive(departement, avant, debut, fin), 5)
    identiques = par_agregats == naif
    ligne(f"agrégats : médiane {med_a:.1f} ms (max {max_a:.1f} ms)")
    ligne(f"référence naïve (COUNT sur les demandes brutes) : médiane {med_n:.0f} ms (max {max_n:.0f} ms)")
    ligne(
        f"résultats identiques : {'oui' if identiques else 'NON'} ; rapport {med_n / max(med_a, 0.01):.0f}×"
    )
    if not identiques:
        sys.exit(1)

    titre("Même page, activité comptée depuis les demandes brutes (référence naïve, même exécution)")
    accueil.lire_activite, d_origine = activite_naive, accueil.lire_activite
    try:
        p50_n, p95_n, nb_sql_n, _, _ = mesurer_page(client, url, n=max(5, options.repetitions // 5))
    finally:
        accueil.lire_activite = d_origine
    ligne(f"p50 {p50_n:.0f} ms, p95 {p95_n:.0f} ms, {nb_sql_n} requêtes SQL")


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
