"""Mesures de la vie du réseau (lancé par `uv run --frozen python benchmarks/reseau.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_reseau` (créée, migrée, référentiel importé si vide ;
données SYNTHÉTIQUES — adresses @bench-reseau.invalid, titres « (banc) » — créées une fois puis réutilisées) :
- 5 000 publications et 2 000 événements répartis sur plusieurs périmètres (10 % nationaux, 20 % régionaux,
  70 % départementaux, tous les départements) et des publics variés ; 3 000 agents (2 000 dans le Nord,
  le reste ailleurs) ; des lectures (environ un tiers des publications adressées à chaque agent du Nord) ;
- page HTTP `/vie-du-reseau/` d'un agent du Nord : p50 / p95 sur 50 requêtes, nombre de requêtes SQL ;
  comparée à une version naïve (chaque diffusion testée une à une : « l'agent en est-il destinataire ? »,
  « l'a-t-il lue ? ») qui doit trouver les mêmes événements et le même nombre de non lues ;
- « lue par X sur Y destinataires » d'une publication nationale : une requête agrégée, comparée à une
  version naïve (liste des destinataires puis une requête par personne), mêmes chiffres vérifiés.

Options : --departement (défaut 59).
"""

import argparse
import os
import platform
import random
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
)

BASE = "franceservices_bench_reseau"
ENV = environnement(BASE)
DOMAINE = "bench-reseau.invalid"
PUBLICATIONS, EVENEMENTS = 5000, 2000
AGENTS_DEPARTEMENT, AGENTS_AILLEURS = 2000, 1000


def _diffusion(alea, departements, regions):
    from franceservices.reseau.models import Portee

    tirage = alea.random()
    champs = {
        "pour_agents": alea.random() < 0.8,
        "pour_responsables": alea.random() < 0.7,
        "pour_animateurs": alea.random() < 0.3,
    }
    if not any(champs.values()):
        champs["pour_agents"] = True
    if tirage < 0.1:
        return {"portee": Portee.NATIONAL, **champs}
    if tirage < 0.3:
        return {"portee": Portee.REGION, "region_id": alea.choice(regions), **champs}
    return {"portee": Portee.DEPARTEMENT, "departement_id": alea.choice(departements), **champs}


def generer(departement):
    from django.db import transaction
    from django.utils import timezone

    from franceservices.comptes.models import Habilitation, Role, Utilisateur
    from franceservices.reseau.models import EvenementReseau, Lecture, Portee, Publication
    from franceservices.structures.models import Structure
    from franceservices.territoires.models import Departement, Region

    if Publication.objects.filter(titre__endswith="(banc)").count() >= PUBLICATIONS:
        ligne("données du banc déjà présentes : réutilisées")
        return
    debut = time.perf_counter()
    alea = random.Random(2026)
    departements = list(Departement.objects.values_list("pk", flat=True))
    regions = list(Region.objects.values_list("pk", flat=True))
    maintenant = timezone.now()
    with transaction.atomic():
        auteur, _ = Utilisateur.objects.get_or_create(
            email=f"national@{DOMAINE}", defaults={"username": f"national@{DOMAINE}", "password": "!"}
        )
        Habilitation.objects.get_or_create(utilisateur=auteur, role=Role.EQUIPE_NATIONALE)
        locales = list(Structure.objects.filter(departement=departement).values_list("pk", flat=True))
        autres = list(Structure.objects.exclude(departement=departement).values_list("pk", flat=True))
        personnes = Utilisateur.objects.bulk_create(
            [
                Utilisateur(email=f"agent{i}@{DOMAINE}", username=f"agent{i}@{DOMAINE}", password="!")
                for i in range(AGENTS_DEPARTEMENT + AGENTS_AILLEURS)
            ],
            batch_size=1000,
        )
        Habilitation.objects.bulk_create(
            [
                Habilitation(
                    utilisateur=p,
                    role=Role.AGENT,
                    structure_id=alea.choice(locales if i < AGENTS_DEPARTEMENT else autres),
                    debut=maintenant.date() - timedelta(days=400),
                )
                for i, p in enumerate(personnes)
            ],
            batch_size=1000,
        )
        publications = Publication.objects.bulk_create(
            [
                Publication(
                    titre=f"Actualité {i} (banc)",
                    texte="Texte de l'actualité.",
                    auteur=auteur,
                    publiee_le=maintenant - timedelta(hours=alea.randint(1, 24 * 365)),
                    retiree_le=maintenant if alea.random() < 0.05 else None,
                    **_diffusion(alea, departements, regions),
                )
                for i in range(PUBLICATIONS)
            ],
            batch_size=1000,
        )
        EvenementReseau.objects.bulk_create(
            [
                EvenementReseau(
                    titre=f"Réunion {i} (banc)",
                    debut=(d := maintenant + timedelta(hours=alea.randint(-24 * 365, 24 * 180))),
                    fin=d + timedelta(hours=2),
                    lieu="Salle",
                    organisateur=auteur,
                    **_diffusion(alea, departements, regions),
                )
                for i in range(EVENEMENTS)
            ],
            batch_size=1000,
        )
        # Lectures : chaque agent du département lit environ un tiers de ce qui lui est adressé.
        region = departement.region_id
        adressees = [
            p.pk
            for p in publications
            if p.pour_agents
            and (
                p.portee == Portee.NATIONAL
                or p.departement_id == departement.pk
                or (p.portee == Portee.REGION and p.region_id == region)
            )
        ]
        lectures = [
            Lecture(publication_id=pk, personne=p, lue_le=maintenant)
            for p in personnes[:AGENTS_DEPARTEMENT]
            for pk in adressees
            if alea.random() < 0.33
        ]
        Lecture.objects.bulk_create(lectures, batch_size=5000)
    ligne(
        f"généré : {len(personnes)} agents, {PUBLICATIONS} publications, {EVENEMENTS} événements, "
        f"{len(lectures)} lectures en {time.perf_counter() - debut:.1f} s"
    )


def accueil_naif(agent, maintenant):
    """Référence : chaque diffusion testée une à une (une requête par événement, deux par publication)."""
    from franceservices.reseau.diffusion import destinataires
    from franceservices.reseau.models import EvenementReseau, Lecture, Publication

    prochains = [
        e.pk
        for e in EvenementReseau.objects.filter(fin__gt=maintenant, annule_le__isnull=True).order_by(
            "debut", "pk"
        )
        if destinataires(e).filter(pk=agent.pk).exists()
    ][:5]
    non_lues = sum(
        1
        for p in Publication.objects.filter(publiee_le__lte=maintenant, retiree_le__isnull=True)
        if destinataires(p).filter(pk=agent.pk).exists()
        and not Lecture.objects.filter(publication=p, personne=agent).exists()
    )
    return prochains, non_lues


def accueil_groupe(agent, maintenant):
    from django.db.models import Exists, OuterRef

    from franceservices.reseau.models import EvenementReseau, Lecture, Publication

    prochains = list(
        EvenementReseau.objects.visible_par(agent)
        .a_venir(maintenant)
        .order_by("debut", "pk")
        .values_list("pk", flat=True)[:5]
    )
    non_lues = (
        Publication.objects.visible_par(agent)
        .en_ligne(maintenant)
        .filter(~Exists(Lecture.objects.filter(publication=OuterRef("pk"), personne=agent)))
        .count()
    )
    return prochains, non_lues


def lecture_naive(publication):
    from franceservices.reseau.diffusion import destinataires
    from franceservices.reseau.models import Lecture

    personnes = list(destinataires(publication).values_list("pk", flat=True))
    lus = sum(1 for p in personnes if Lecture.objects.filter(publication=publication, personne_id=p).exists())
    return lus, len(personnes)


def chronometrer(fonction, n):
    from django.db import connection

    durees, compteur = [], Compteur()
    with connection.execute_wrapper(compteur):
        resultat = fonction()
    for _ in range(n):
        t = time.perf_counter()
        fonction()
        durees.append((time.perf_counter() - t) * 1000)
    return resultat, statistics.median(durees), len(compteur.requetes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="59")
    options = parser.parse_args()

    titre(f"Vie du réseau — préparation (base {BASE})")
    preparer_base(BASE)
    from django.utils import timezone

    from franceservices.comptes.models import Utilisateur
    from franceservices.reseau.models import Portee, Publication
    from franceservices.reseau.views import statistiques_lecture
    from franceservices.territoires.models import Departement

    departement = Departement.objects.get(code=options.departement)
    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    generer(departement)
    agent = Utilisateur.objects.get(email=f"agent0@{DOMAINE}")
    maintenant = timezone.now()

    titre(f"Accueil d'un agent du {departement.code} : requêtes groupées contre version naïve")
    groupe, ms_groupe, req_groupe = chronometrer(lambda: accueil_groupe(agent, maintenant), 20)
    agent = Utilisateur.objects.get(pk=agent.pk)  # sans le périmètre gardé en cache
    naif, ms_naif, req_naif = chronometrer(lambda: accueil_naif(agent, maintenant), 1)
    ligne(f"groupé : médiane {ms_groupe:.1f} ms sur 20, {req_groupe} requêtes SQL ; {groupe[1]} non lues")
    ligne(
        f"naïf : {ms_naif:.0f} ms, {req_naif} requêtes SQL ; mêmes résultats : {'oui' if groupe == naif else 'NON'}"
    )
    client = client_de(agent)
    p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client, "/vie-du-reseau/")
    ligne(
        f"/vie-du-reseau/ : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms) ; "
        f"{poids // 1024} Ko"
    )
    for url in ("/vie-du-reseau/evenements/", "/vie-du-reseau/actualites/"):
        p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client, url)
        ligne(f"{url} : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms)")

    titre("« Lue par X sur Y destinataires » d'une publication nationale")
    publication = (
        Publication.objects.filter(titre__endswith="(banc)", portee=Portee.NATIONAL, pour_agents=True)
        .order_by("pk")
        .first()
    )
    (x, y), ms_groupe, req_groupe = chronometrer(lambda: statistiques_lecture(publication), 20)
    reference, ms_naif, req_naif = chronometrer(lambda: lecture_naive(publication), 1)
    ligne(f"agrégé : lue par {x} sur {y} ; médiane {ms_groupe:.1f} ms sur 20, {req_groupe} requête(s) SQL")
    ligne(
        f"naïf : {ms_naif:.0f} ms, {req_naif} requêtes SQL ; mêmes chiffres : {'oui' if reference == (x, y) else 'NON'}"
    )


if __name__ == "__main__":
    main()
