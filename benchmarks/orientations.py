"""Mesures des orientations (lancé par `uv run --frozen python benchmarks/orientations.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_orientations` (créée, migrée, référentiel importé si vide ;
lieux de médiation et orientations SYNTHÉTIQUES — identifiants `bench-orientations-*` — réutilisés d'une
exécution à l'autre) : N orientations (défaut 100 000) réparties sur toutes les France services et 300 lieux
de médiation, un lieu « chargé » recevant 5 % du total ; états, délais de réponse et sens tirés au hasard
(graine fixe).

- boîte d'un conseiller numérique du lieu chargé (`/orientations/`, première page et filtre « déclinées ») :
  p50 / p95 sur 50 requêtes, requêtes SQL ; comparée à une référence naïve (toutes les orientations lues,
  filtrées et triées en Python) ;
- statistiques nationales : `statistiques.statistiques` (deux requêtes groupées) contre la référence naïve
  (chaque orientation lue et comptée en Python), mêmes résultats vérifiés ; page `/orientations/statistiques/`
  de l'équipe nationale.

Options : --orientations N (défaut 100 000).
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
    utilisateur,
)

BASE = "franceservices_bench_orientations"
ENV = environnement(BASE)
DOMAINE = "bench-orientations.invalid"
LIEUX = 300


def lieux():
    from franceservices.mediation.models import LieuMediation
    from franceservices.territoires.models import Commune

    existants = list(
        LieuMediation.objects.filter(identifiant__startswith="bench-orientations-").order_by("pk")
    )
    if len(existants) >= LIEUX:
        return existants
    communes = list(
        Commune.objects.filter(latitude__isnull=False, population__gte=5000)
        .select_related("departement")
        .order_by("-population")[:LIEUX]
    )
    LieuMediation.objects.bulk_create(
        [
            LieuMediation(
                identifiant=f"bench-orientations-{i}",
                nom=f"Lieu de médiation {c.nom} (banc)",
                commune=c,
                departement=c.departement,
            )
            for i, c in enumerate(communes)
        ],
        ignore_conflicts=True,
    )
    return list(LieuMediation.objects.filter(identifiant__startswith="bench-orientations-").order_by("pk"))


def generer(nombre: int, tous_les_lieux):
    from django.db import connection
    from django.utils import timezone

    from franceservices.orientations.models import Besoin, Etat, Orientation, Sens
    from franceservices.structures.models import Structure

    deja = Orientation.objects.filter(lieu__in=tous_les_lieux).count()
    if deja >= nombre:
        return
    debut = time.perf_counter()
    alea = random.Random(2026 + deja)
    structures = list(Structure.objects.values_list("pk", "departement_id"))
    charge = tous_les_lieux[0]
    maintenant = timezone.now()
    etats = [Etat.ENVOYEE, Etat.ACCEPTEE, Etat.CRENEAU, Etat.DECLINEE, Etat.HONOREE, Etat.SANS_SUITE]
    poids = [15, 15, 15, 10, 35, 10]
    besoins = Besoin.values
    lots = []
    for i in range(deja, nombre):
        lieu = charge if i % 20 == 0 else alea.choice(tous_les_lieux)
        structure_id, departement_id = alea.choice(structures)
        envoyee = maintenant - timedelta(minutes=alea.randrange(0, 365 * 24 * 60))
        etat = alea.choices(etats, poids)[0]
        delai = None if etat == Etat.ENVOYEE else alea.randrange(0, 200)
        lots.append(
            Orientation(
                sens=Sens.VERS_FRANCE_SERVICES if alea.random() < 0.25 else Sens.VERS_MEDIATION,
                structure_id=structure_id,
                lieu=lieu,
                departement_id=departement_id,
                envoyee_le=envoyee,
                besoin=alea.choice(besoins),
                prenom="X",
                telephone="+33600000000",
                consentement_texte="(banc)",
                consentement_le=envoyee,
                etat=etat,
                repondue_le=None if delai is None else envoyee + timedelta(hours=delai),
                delai_reponse_heures=delai,
                motif_declin="Complet" if etat == Etat.DECLINEE else "",
            )
        )
        if len(lots) >= 5000:
            Orientation.objects.bulk_create(lots)
            lots = []
    Orientation.objects.bulk_create(lots)
    with connection.cursor() as curseur:
        curseur.execute("ANALYZE orientations_orientation")
    ligne(f"{nombre - deja} orientations synthétiques générées en {time.perf_counter() - debut:.1f} s")


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


def boite_naive(lieu_id, etat=None):
    """Référence : toutes les orientations lues, filtrées (lieu destinataire) et triées en Python."""
    from franceservices.orientations.models import Orientation, Sens

    toutes = Orientation.objects.order_by().values_list("pk", "lieu_id", "sens", "etat", "envoyee_le")
    retenues = [
        (envoyee, pk)
        for pk, lieu, sens, e, envoyee in toutes.iterator(chunk_size=5000)
        if lieu == lieu_id and sens == Sens.VERS_MEDIATION and (etat is None or e == etat)
    ]
    retenues.sort(reverse=True)
    return [pk for _, pk in retenues[:30]], len(retenues)


def boite_sql(user, etat=None):
    from franceservices.orientations.models import Orientation

    qs = Orientation.objects.visible_par(user).order_by("-envoyee_le", "-pk")
    if etat:
        qs = qs.filter(etat=etat)
    return list(qs.values_list("pk", flat=True)[:30]), qs.count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orientations", type=int, default=100_000)
    options = parser.parse_args()

    titre(f"Orientations — préparation (base {BASE})")
    preparer_base(BASE)
    from django.urls import reverse

    from franceservices.comptes.models import Role
    from franceservices.comptes.perimetre import perimetre_de
    from franceservices.orientations import statistiques
    from franceservices.orientations.models import Orientation

    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    tous = lieux()
    generer(options.orientations, tous)
    charge = tous[0]
    ligne(
        f"{Orientation.objects.count()} orientations, {len(tous)} lieux ; lieu chargé : "
        f"{Orientation.objects.filter(lieu=charge).count()} orientations"
    )

    titre("Boîte d'un conseiller numérique du lieu chargé")
    conseiller = utilisateur(f"conseiller@{DOMAINE}", Role.CONSEILLER_NUMERIQUE, lieu_mediation=charge)
    perimetre_de(conseiller)
    for etat in (None, "declinee"):
        (sql, n_sql), ms_sql, req_sql = chronometrer(lambda e=etat: boite_sql(conseiller, e), 20)
        (naif, n_naif), ms_naif, _ = chronometrer(lambda e=etat: boite_naive(charge.pk, e), 3)
        accord = "oui" if (sql, n_sql) == (naif, n_naif) else "NON"
        ligne(
            f"filtre {etat or 'aucun'} ({n_sql} orientations) : index {ms_sql:.1f} ms ({req_sql} requêtes), "
            f"naïf {ms_naif:.0f} ms ; mêmes résultats : {accord}"
        )
    client = client_de(conseiller)
    for url in (reverse("orientations:boite"), reverse("orientations:boite") + "?etat=declinee&boite=recues"):
        p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client, url)
        ligne(
            f"{url} : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms) ; {poids // 1024} Ko"
        )

    titre("Statistiques nationales : requêtes groupées contre référence naïve")
    for portee in ("region", "departement"):
        (lignes, total), ms_sql, req = chronometrer(
            lambda p=portee: statistiques.statistiques(Orientation.objects.all(), p), 5
        )
        (naives, total_naif), ms_naif, _ = chronometrer(
            lambda p=portee: statistiques.statistiques_naives(Orientation.objects.all(), p), 1
        )
        accord = [x.resume() for x in lignes] == [
            x.resume() for x in naives
        ] and total.resume() == total_naif.resume()
        ligne(
            f"par {portee} ({len(lignes)} lignes) : groupé {ms_sql:.0f} ms ({req} requêtes), naïf {ms_naif:.0f} ms ; "
            f"mêmes résultats : {'oui' if accord else 'NON'}"
        )
    national = utilisateur(f"national@{DOMAINE}", Role.EQUIPE_NATIONALE)
    url = reverse("orientations:statistiques")
    p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client_de(national), url, n=20)
    ligne(
        f"{url} (national) : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms)"
    )


if __name__ == "__main__":
    main()
