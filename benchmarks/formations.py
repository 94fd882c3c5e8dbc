"""Mesures du suivi de la formation (lancé par `uv run --frozen python benchmarks/formations.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_formations` (créée, migrée, référentiel importé si vide ;
agents SYNTHÉTIQUES — adresses @bench-formations.invalid — réutilisés d'une exécution à l'autre) :
- page HTTP `/formations/dossiers/departement/<code>/` d'un animateur dont le département compte N agents
  (défaut 1 000, répartis sur ses France services ; un tiers formés, un tiers en cours, le reste sans
  formation, habilitations étalées sur deux ans) : p50 / p95 sur 50 requêtes, nombre de requêtes SQL ;
- calcul de l'état du département (`suivi.etat_departement`) comparé, dans la même exécution, à une version
  naïve qui interroge la base structure par structure et agent par agent (mêmes résultats vérifiés) ;
- page HTTP de la France services qui a le plus d'agents.

Options : --agents N (défaut 1 000), --departement (défaut 59).
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
    Compteur,
    client_de,
    environnement,
    ligne,
    mesurer_page,
    preparer_base,
    titre,
    utilisateur,
)

BASE = "franceservices_bench_formations"
ENV = environnement(BASE)
DOMAINE = "bench-formations.invalid"


def modules():
    from franceservices.formations.models import Categorie, Module

    resultat = []
    for code, titre_ in (("bench-accueil", "Accueil (banc)"), ("bench-numerique", "Numérique (banc)")):
        m, _ = Module.objects.get_or_create(
            code=code,
            defaults={
                "titre": titre_,
                "categorie": Categorie.SOCLE,
                "organisme": "CNFPT",
                "duree_heures": 7,
                "compte_pour_label": True,
            },
        )
        resultat.append(m)
    return resultat


def generer(departement, nombre: int):
    from django.utils import timezone

    from franceservices.comptes.models import Habilitation, Role, Utilisateur
    from franceservices.formations.models import Inscription, Presence, Session, Statut
    from franceservices.structures.models import Structure

    structures = list(Structure.objects.filter(departement=departement).order_by("pk"))
    deja = Utilisateur.objects.filter(email__endswith=f"@{departement.code}.{DOMAINE}").count()
    if deja >= nombre:
        return
    debut = time.perf_counter()
    requis = modules()
    maintenant = timezone.now()
    sessions = []
    for m in requis:
        s = Session.objects.filter(module=m, departement=departement).first()
        if s is None:
            d = maintenant - timedelta(days=30)
            s = Session.objects.create(
                module=m, debut=d, fin=d + timedelta(hours=7), capacite=500, departement=departement
            )
        sessions.append(s)
    aujourdhui = timezone.localdate()
    nouveaux = Utilisateur.objects.bulk_create(
        [
            Utilisateur(
                email=f"agent{i}@{departement.code}.{DOMAINE}",
                username=f"agent{i}@{departement.code}.{DOMAINE}",
                password="!",
                first_name=f"Agent{i}",
                last_name=f"Synthétique{i % 97}",
            )
            for i in range(deja, nombre)
        ],
        batch_size=1000,
    )
    Habilitation.objects.bulk_create(
        [
            Habilitation(
                utilisateur=u,
                role=Role.AGENT,
                structure=structures[(deja + k) % len(structures)],
                debut=aujourdhui - timedelta(days=(deja + k) * 7 % 730),
            )
            for k, u in enumerate(nouveaux)
        ],
        batch_size=1000,
    )
    inscriptions = []
    for k, u in enumerate(nouveaux):
        cas = (deja + k) % 3
        for rang, s in enumerate(sessions):
            if cas == 0 or (cas == 1 and rang == 0):
                inscriptions.append(
                    Inscription(
                        session=s,
                        agent=u,
                        statut=Statut.CONFIRMEE,
                        demandee_le=s.debut - timedelta(days=10),
                        presence=Presence.PRESENT,
                        reussie_le=s.fin,
                    )
                )
    Inscription.objects.bulk_create(inscriptions, batch_size=1000)
    from django.db import connection

    with connection.cursor() as curseur:
        for table in ("comptes_habilitation", "formations_inscription", "comptes_utilisateur"):
            curseur.execute(f"ANALYZE {table}")
    ligne(
        f"{len(nouveaux)} agents synthétiques générés sur {len(structures)} France services "
        f"({len(inscriptions)} réussites) en {time.perf_counter() - debut:.1f} s"
    )


def naif(departement, aujourdhui):
    """Référence : structure par structure, agent par agent (une requête par agent)."""
    from django.conf import settings
    from django.db.models import Min

    from franceservices.comptes.models import Habilitation
    from franceservices.formations import suivi
    from franceservices.formations.models import Inscription
    from franceservices.structures.models import Structure

    requis = list(suivi.modules_requis().values_list("pk", flat=True))
    lignes = []
    for s in Structure.objects.filter(departement=departement).order_by("nom", "pk"):
        habilitations = (
            Habilitation.objects.actives()
            .filter(role__in=suivi.ROLES_AGENTS, structure=s)
            .values("utilisateur_id")
            .annotate(debut=Min("debut"))
        )
        actifs = formes = retard = 0
        for h in habilitations:
            actifs += 1
            reussis = (
                Inscription.objects.filter(
                    agent_id=h["utilisateur_id"], reussie_le__isnull=False, session__module_id__in=requis
                )
                .values("session__module_id")
                .distinct()
                .count()
            )
            forme = bool(requis) and reussis >= len(requis)
            formes += forme
            retard += not forme and suivi.echeance(h["debut"]) < aujourdhui
        lignes.append((s.pk, actifs, formes, retard, formes >= settings.FORMATION_AGENTS_FORMES_MINIMUM))
    return lignes


def chronometrer(fonction, n):
    from django.db import connection

    durees, resultat, compteur = [], None, Compteur()
    with connection.execute_wrapper(compteur):
        resultat = fonction()
    for _ in range(n):
        t = time.perf_counter()
        fonction()
        durees.append((time.perf_counter() - t) * 1000)
    return resultat, statistics.median(durees), len(compteur.requetes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--departement", default="59")
    options = parser.parse_args()

    titre(f"Formation — préparation (base {BASE})")
    preparer_base(BASE)
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from franceservices.comptes.models import Habilitation, Role
    from franceservices.formations import suivi
    from franceservices.territoires.models import Departement

    departement = Departement.objects.get(code=options.departement)
    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    generer(departement, options.agents)
    aujourdhui = timezone.localdate()
    lignes = suivi.etat_departement(departement)
    ligne(
        f"département {departement.code} : {len(lignes)} France services, {sum(e.actifs for e in lignes)} agents "
        f"actifs, {sum(e.formes for e in lignes)} formés, {sum(e.en_retard for e in lignes)} en retard, "
        f"{sum(e.conforme for e in lignes)} conformes"
    )

    titre("État du département : requêtes agrégées contre version naïve (agent par agent)")
    groupe, ms_groupe, req_groupe = chronometrer(lambda: suivi.etat_departement(departement), 10)
    reference, ms_naif, req_naif = chronometrer(lambda: naif(departement, aujourdhui), 3)
    accord = [(e.structure.pk, e.actifs, e.formes, e.en_retard, e.conforme) for e in groupe] == reference
    ligne(f"agrégé : médiane {ms_groupe:.1f} ms sur 10, {req_groupe} requêtes SQL")
    ligne(
        f"naïf : médiane {ms_naif:.1f} ms sur 3, {req_naif} requêtes SQL ; mêmes résultats : {'oui' if accord else 'NON'}"
    )

    titre(f"Pages HTTP (50 requêtes, animateur du {departement.code})")
    animateur = utilisateur(
        f"animateur.{departement.code}@{DOMAINE}", Role.ANIMATEUR, departement=departement
    )
    client = client_de(animateur)
    url = reverse("formations_dossiers:departement", args=[departement.code])
    p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client, url)
    ligne(
        f"{url} : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms) ; {poids // 1024} Ko"
    )
    plus_grande = (
        Habilitation.objects.filter(structure__departement=departement, role=Role.AGENT)
        .values("structure_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    url = reverse("formations_dossiers:structure", args=[plus_grande["structure_id"]])
    p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client, url)
    ligne(
        f"{url} ({plus_grande['n']} agents) : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL "
        f"({sql_ms:.0f} ms) ; {poids // 1024} Ko"
    )


if __name__ == "__main__":
    main()
