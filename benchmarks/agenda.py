"""Rendu de l'agenda semaine d'une France services (lancé par `uv run --frozen python benchmarks/agenda.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_agenda` (créée, migrée, référentiel importé si vide).
Une France services réelle a ~300 rendez-vous SYNTHÉTIQUES (nom « Synthétique banc agenda », recréés à
chaque exécution) dans la semaine mesurée, un tiers à un arrêt itinérant ; un agent de la structure
(compte de banc) ouvre `/agenda/semaine/` par le client de test de Django (intergiciels, session, gabarits,
journal d'accès compris).

Mesures, dans la même exécution :
- la vue telle quelle (une requête pour tous les rendez-vous, avec type, arrêt et commune) : p50 / p95 du
  temps de rendu, nombre de requêtes SQL ;
- une version naïve de la lecture (les rendez-vous sans jointures : type, arrêt et commune lus un par un au
  rendu), même gabarit : p50 / p95 et nombre de requêtes.

Options : --departement (défaut 16), --rendez-vous N (défaut 300), --repetitions (défaut 30).
"""

import argparse
import platform
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from unittest import mock

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_agenda"
ENV = environnement(BASE)
NOM_SYNTHETIQUE = "Synthétique banc agenda"
COURRIEL_AGENT = "agent.banc.agenda@exemple.invalid"


def preparer(departement: str, nombre: int):
    from django.utils import timezone

    from franceservices.comptes.models import Habilitation, Role, Utilisateur
    from franceservices.rendezvous.models import Arret, RendezVous, TypeRendezVous
    from franceservices.structures.models import Structure
    from franceservices.territoires.models import Commune

    structure = Structure.objects.select_related("departement").filter(departement__code=departement).first()
    RendezVous.objects.filter(structure=structure, nom=NOM_SYNTHETIQUE).delete()
    TypeRendezVous.objects.filter(structure=structure, libelle__startswith="Banc agenda").delete()
    Arret.objects.filter(structure=structure, libelle__startswith="Banc agenda").delete()
    types = [
        TypeRendezVous.objects.create(structure=structure, libelle=f"Banc agenda {d} min", duree=d)
        for d in (15, 30, 45)
    ]
    communes = list(Commune.objects.filter(departement=structure.departement).order_by("code_insee")[:3])
    arrets = [
        Arret.objects.create(
            structure=structure,
            libelle=f"Banc agenda arrêt {i}",
            commune=commune,
            jour_semaine=i,
            heure_debut=time(9),
            heure_fin=time(17),
        )
        for i, commune in enumerate(communes)
    ]
    fuseau = structure.fuseau
    lundi = timezone.localdate(timezone=fuseau)
    lundi -= timedelta(days=lundi.weekday())
    rdvs = []
    for n in range(nombre):
        jour = lundi + timedelta(days=n % 5)
        minutes = 8 * 60 + (n // 5) * 8 % (9 * 60)
        debut = datetime.combine(jour, time(minutes // 60, minutes % 60), tzinfo=fuseau)
        type_ = types[n % 3]
        rdvs.append(
            RendezVous(
                structure=structure,
                type=type_,
                arret=arrets[n % len(arrets)] if arrets and n % 3 == 0 else None,
                debut=debut,
                fin=debut + timedelta(minutes=type_.duree),
                nom=NOM_SYNTHETIQUE,
                telephone=f"+331990{n:05d}",
            )
        )
    RendezVous.objects.bulk_create(rdvs)
    agent, _ = Utilisateur.objects.get_or_create(email=COURRIEL_AGENT, defaults={"username": COURRIEL_AGENT})
    if (
        not Habilitation.objects.actives()
        .filter(utilisateur=agent, structure=structure, role=Role.AGENT)
        .exists()
    ):
        Habilitation.objects.create(utilisateur=agent, role=Role.AGENT, structure=structure)
    return structure, agent, lundi


def lecture_naive(structure, du, au):
    """Les rendez-vous de la période sans jointure : type, arrêt et commune sont lus un par un au rendu."""
    from franceservices.rendezvous.models import RendezVous

    fuseau = structure.fuseau
    return list(
        RendezVous.objects.filter(
            structure=structure,
            debut__gte=datetime.combine(du, time(0), tzinfo=fuseau),
            debut__lt=datetime.combine(au + timedelta(days=1), time(0), tzinfo=fuseau),
        ).order_by("debut", "pk")
    )


def mesurer(client, url, repetitions):
    import time as chrono

    from django.db import connection

    client.get(url)  # connexion ouverte, gabarits en cache
    requetes = []

    def compter(execute, sql, params, many, context):
        requetes.append(sql)
        return execute(sql, params, many, context)

    # (CaptureQueriesContext ne voit rien ici : le début de chaque requête HTTP vide le journal des requêtes.)
    with connection.execute_wrapper(compter):
        reponse = client.get(url)
    assert reponse.status_code == 200, reponse.status_code
    durees = []
    for _ in range(repetitions):
        debut = chrono.perf_counter()
        client.get(url)
        durees.append((chrono.perf_counter() - debut) * 1000)
    return durees, len(requetes), reponse.content.decode().count("data-rdv=")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="16")
    parser.add_argument("--rendez-vous", type=int, default=300)
    parser.add_argument("--repetitions", type=int, default=30)
    options = parser.parse_args()

    preparer_base(BASE)
    from django.test import Client

    from franceservices.rendezvous import views

    structure, agent, lundi = preparer(options.departement, options.rendez_vous)
    client = Client()
    client.force_login(agent)
    url = f"/agenda/semaine/?structure={structure.pk}&jour={lundi.isoformat()}"
    titre(f"Agenda semaine d'une France services ({options.rendez_vous} rendez-vous)")
    ligne(f"{structure.nom} ({structure.departement.code}) ; Python {platform.python_version()}, PostgreSQL")
    durees, requetes, lignes = mesurer(client, url, options.repetitions)
    ligne(
        f"vue (une requête, jointures) : p50 {percentile(durees, 50):.1f} ms, p95 {percentile(durees, 95):.1f} ms, "
        f"{requetes} requêtes SQL, {lignes} rendez-vous affichés"
    )
    with mock.patch.object(views, "_rendez_vous", lecture_naive):
        naifs, requetes_naives, lignes_naives = mesurer(client, url, max(5, options.repetitions // 3))
    ligne(
        f"version naïve (type, arrêt, commune lus un par un) : p50 {percentile(naifs, 50):.1f} ms, "
        f"p95 {percentile(naifs, 95):.1f} ms, {requetes_naives} requêtes SQL, {lignes_naives} rendez-vous ; "
        f"×{percentile(naifs, 50) / max(percentile(durees, 50), 1e-6):.1f} plus lente"
    )
    if lignes != lignes_naives:
        sys.exit("Les deux versions n'affichent pas les mêmes rendez-vous.")


if __name__ == "__main__":
    main()
