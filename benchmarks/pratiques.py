"""Banc du rapport « évolution des pratiques d'accès » (`uv run --frozen python benchmarks/pratiques.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_pratiques` (réutilisée si elle contient déjà le volume
voulu) : N demandes SYNTHÉTIQUES sur les 13 mois lus par le rapport (octobre 2025 → octobre 2026, toutes les
France services réelles), agrégats calculés en SQL (`activite.synthetique.generer`, COPY). Puis, dans la même
exécution :
- `pratiques.rapport` (agrégats) national et départemental (le Nord) : médiane de 5, nombre de requêtes ;
- `pratiques.rapport_depuis_les_demandes` (référence naïve, lignes brutes) : une mesure, et vérification que
  les chiffres sont identiques ;
- page HTML et PDF complets (client de test, équipe nationale) : médiane, requêtes, taille.

Options : --volume N (défaut 1 000 000), --regenerer, --sans-naif-national (la référence nationale relit
toutes les lignes : longue au-delà de quelques millions).
"""

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import (  # noqa: E402
    Compteur,
    client_de,
    environnement,
    ligne,
    preparer_base,
    titre,
    utilisateur,
)

BASE = "franceservices_bench_pratiques"
ENV = environnement(BASE)
MOIS = date(2026, 10, 1)  # mois de référence
DU = date(2025, 10, 1)  # un an avant : le rapport lit 13 mois
DEPARTEMENT = "59"


def generer(volume: int, regenerer: bool):
    from django.db import connection

    from franceservices.activite import synthetique
    from franceservices.activite.models import Demande, Origine
    from franceservices.structures.models import Structure

    titre(f"Volume : {volume} demandes synthétiques, {DU:%Y-%m} → {MOIS:%Y-%m}")
    existantes = Demande.objects.filter(origine=Origine.SYNTHETIQUE, mois__gte=DU, mois__lte=MOIS).count()
    if existantes == volume and not regenerer:
        ligne(f"base {BASE} réutilisée : {existantes} demandes déjà présentes")
        return
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE activite_demande, activite_agregat, activite_agregatdepartement, "
            "activite_lotimport, activite_modificationdemande CASCADE"
        )
    bilan = synthetique.generer(Structure.objects.all(), DU, MOIS, volume=volume, graine=3, copy=True)
    ligne(
        f"{bilan.demandes} demandes en {bilan.secondes:.0f} s ({bilan.debit:.0f} demandes/s, agrégats compris)"
    )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE activite_demande")
        c.execute("ANALYZE activite_agregat")
        c.execute("ANALYZE activite_agregatdepartement")


def mediane(fonction, n=5) -> float:
    fonction()  # échauffement
    durees = []
    for _ in range(n):
        debut = time.perf_counter()
        fonction()
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees)


def une_fois(fonction):
    debut = time.perf_counter()
    resultat = fonction()
    return (time.perf_counter() - debut) * 1000, resultat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", type=int, default=1_000_000)
    parser.add_argument("--regenerer", action="store_true")
    parser.add_argument("--sans-naif-national", action="store_true")
    options = parser.parse_args()

    preparer_base(BASE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from franceservices.comptes.models import Role
    from franceservices.statistiques.lecture import Portee
    from franceservices.statistiques.pratiques import rapport, rapport_depuis_les_demandes
    from franceservices.territoires.models import Departement

    generer(options.volume, options.regenerer)
    nord = Departement.objects.get(code=DEPARTEMENT)
    cas = [
        ("national", Portee("national", None, "France entière"), "national"),
        (f"département {nord.code}", Portee("departement", nord.pk, str(nord)), f"departement:{nord.code}"),
    ]

    titre(
        f"Rapport lu dans les agrégats (médiane de 5) contre la référence naïve (lignes brutes), {MOIS:%Y-%m}"
    )
    for nom, portee, _ in cas:
        with CaptureQueriesContext(connection) as requetes:
            agregats = rapport(portee, MOIS)
        duree = mediane(lambda portee=portee: rapport(portee, MOIS))
        texte = f"{nom} : agrégats {duree:.0f} ms, {len(requetes)} requêtes ({agregats.total} demandes sur 12 mois)"
        if nom == "national" and options.sans_naif_national:
            ligne(texte + " ; référence naïve non mesurée (--sans-naif-national)")
            continue
        duree_naif, naif = une_fois(lambda portee=portee: rapport_depuis_les_demandes(portee, MOIS))
        egal = "identiques" if naif.chiffres() == agregats.chiffres() else "DIFFÉRENTS"
        ligne(f"{texte} ; naïf {duree_naif:.0f} ms (×{duree_naif / max(duree, 0.01):.0f}) ; chiffres {egal}")

    titre("Page HTML et PDF complets (client de test, équipe nationale, médiane de 3)")
    national = utilisateur("national@bench-pratiques.invalid", Role.EQUIPE_NATIONALE)
    client = client_de(national)
    for nom, _, valeur in cas:
        for format_, url in (
            ("HTML", f"/statistiques/pratiques/?portee={valeur}&mois={MOIS:%Y-%m}"),
            ("PDF", f"/statistiques/pratiques/rapport.pdf?portee={valeur}&mois={MOIS:%Y-%m}"),
        ):
            requetes = Compteur()  # (le client referme la connexion : CaptureQueriesContext ne verrait rien)
            with connection.execute_wrapper(requetes):
                reponse = client.get(url)
            if reponse.status_code != 200:
                ligne(f"{nom}, {format_} : réponse {reponse.status_code}")
                continue
            duree = mediane(lambda url=url: client.get(url), n=3)
            ligne(
                f"{nom}, {format_} : {duree:.0f} ms, {len(requetes.requetes)} requêtes, "
                f"{len(reponse.content) / 1024:.0f} Ko"
            )


if __name__ == "__main__":
    main()
