"""Mesure de la recherche dans la base de connaissances (`uv run --frozen python benchmarks/recherche_fiches.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_fiches` (créée, migrée, référentiel importé si vide) :
les fiches d'exemple du projet plus des fiches SYNTHÉTIQUES (`generer_fiches`, `synthetique=True`) jusqu'à
--fiches (défaut 2 500), gardées d'une exécution à l'autre. 200 recherches réalistes d'un agent (mots
d'usagers, une sur deux avec une faute de frappe, graine fixe) :
- `bouquet.recherche.chercher` (correction rapidfuzz + plein texte 'french' sur l'index GIN, classement) :
  p50 / p95, et la part des requêtes dont la fiche d'exemple attendue sort en premier, ou en première
  page (les fiches synthétiques reprennent les mêmes mots dans leur titre : elles la concurrencent) ;
- la page HTTP `/bouquet/fiches/?q=…` (client de test, DEBUG désactivé) : p50 / p95 sur 50 requêtes ;
- référence naïve mesurée dans la même exécution : ILIKE sur chaque mot (titre, résumé, contenu,
  mots-clés), sans classement ni correction : p50 / p95, et la part où la fiche attendue est trouvée.
Objectif : p95 ≤ 50 ms sur PostgreSQL.
"""

import argparse
import platform
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_fiches"
ENV = environnement(BASE)

# (requête d'agent, mot du titre de la fiche d'exemple attendue en premier)
REQUETES = [
    ("perte carte identité", "Carte d'identité"),
    ("cni perdue", "Carte d'identité"),
    ("passeport volé", "passeport"),
    ("surendettement dossier", "Surendettement"),
    ("dettes commission", "Surendettement"),
    ("droit au compte", "Droit au compte"),
    ("refus ouverture compte banque", "Droit au compte"),
    ("fichier ficp", "FICP"),
    ("interdit bancaire fcc", "FICP"),
    ("prime activité", "Prime d'activité"),
    ("declaration trimestrielle prime", "Prime d'activité"),
    ("apl logement", "Aides au logement"),
    ("complémentaire santé solidaire", "Complémentaire santé"),
    ("carte vitale perdue", "Carte Vitale"),
    ("demande de retraite", "retraite"),
    ("minimum vieillesse aspa", "Aspa"),
    ("déclaration de revenus", "Déclaration de revenus"),
    ("taux prélèvement à la source", "Prélèvement"),
    ("aide juridictionnelle avocat", "Aide juridictionnelle"),
    ("chèque énergie", "Chèque énergie"),
    ("carte grise déménagement", "Carte grise"),
    ("permis de conduire perdu", "Permis"),
]


def faute(mot: str, hasard: random.Random) -> str:
    """Une faute de frappe : lettre oubliée, doublée, inversée ou accent retiré."""
    if len(mot) < 5:
        return mot
    i = hasard.randrange(1, len(mot) - 1)
    genre = hasard.choice(["oubli", "double", "inversion"])
    if genre == "oubli":
        return mot[:i] + mot[i + 1 :]
    if genre == "double":
        return mot[:i] + mot[i] + mot[i:]
    return mot[:i] + mot[i + 1] + mot[i] + mot[i + 2 :]


def requetes_realistes(nombre: int, graine: int = 20261127) -> list[tuple[str, str]]:
    hasard = random.Random(graine)
    resultat = []
    for n in range(nombre):
        requete, attendu = REQUETES[n % len(REQUETES)]
        if n % 2:  # une sur deux avec une faute sur le mot le plus long
            mots = requete.split()
            long = max(range(len(mots)), key=lambda k: len(mots[k]))
            mots[long] = faute(mots[long], hasard)
            requete = " ".join(mots)
        resultat.append((requete, attendu))
    return resultat


def comptes():
    from franceservices.comptes.models import Habilitation, Role, Utilisateur
    from franceservices.partenaires.models import Partenaire, Pilote
    from franceservices.structures.models import Structure

    national, cree = Utilisateur.objects.get_or_create(
        email="national@bench.invalid", defaults={"username": "national@bench.invalid", "password": "!"}
    )
    if cree:
        Habilitation.objects.create(utilisateur=national, role=Role.EQUIPE_NATIONALE)
    agent, cree = Utilisateur.objects.get_or_create(
        email="agent-fiches@bench.invalid",
        defaults={"username": "agent-fiches@bench.invalid", "password": "!"},
    )
    structure = Structure.objects.filter(departement__code="16").order_by("id_fs").first()
    if cree:
        Habilitation.objects.create(utilisateur=agent, role=Role.AGENT, structure=structure)
    # L'agent est dans le périmètre d'un pilote Banque de France (ses fiches lui sont visibles).
    bdf = Partenaire.objects.get(code="bdf")
    pilote, _ = Pilote.objects.get_or_create(
        partenaire=bdf, nom="Pilote Banque de France (banc)", defaults={"debut": date(2022, 11, 1)}
    )
    pilote.structures.add(structure)
    return national, agent


def peupler(national, cible: int):
    import io

    from django.core.management import call_command

    from franceservices.bouquet.models import Fiche

    call_command("charger_fiches_exemple", responsable=national.email, stdout=io.StringIO())
    manque = cible - Fiche.objects.count()
    if manque > 0:
        debut = time.perf_counter()
        call_command(
            "generer_fiches", nombre=manque, responsable=national.email, graine=manque, stdout=io.StringIO()
        )
        ligne(f"{manque} fiches synthétiques générées en {time.perf_counter() - debut:.1f} s")
    with __import__("django.db").db.connection.cursor() as c:
        c.execute("ANALYZE bouquet_fiche")
    return Fiche.objects.count(), Fiche.objects.filter(synthetique=True).count()


def naif(fiches, texte: str) -> list[int]:
    """Référence : chaque mot tapé (au moins 3 lettres) cherché tel quel par ILIKE, en OU, sans classement."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    for mot in texte.split():
        if len(mot) >= 3:
            condition |= (
                Q(titre__icontains=mot)
                | Q(resume__icontains=mot)
                | Q(contenu__icontains=mot)
                | Q(mots_cles__icontains=mot)
            )
    return list(fiches.filter(condition).values_list("pk", flat=True)[:500])


def mesurer(fonction, requetes):
    durees = []
    for texte, _ in requetes:
        debut = time.perf_counter()
        fonction(texte)
        durees.append((time.perf_counter() - debut) * 1000)
    return durees


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=2500)
    parser.add_argument("--requetes", type=int, default=200)
    options = parser.parse_args()

    titre(f"Recherche dans la base de connaissances — {date.today():%d/%m/%Y}")
    ligne(
        f"Machine : {platform.node()} · {platform.processor() or platform.machine()} · Python {platform.python_version()}"
    )
    preparer_base(BASE)
    from django.db import connection
    from django.test import Client

    from franceservices.bouquet.models import Fiche
    from franceservices.bouquet.recherche import chercher, invalider_vocabulaire

    ligne(f"PostgreSQL {connection.cursor().connection.info.server_version}")
    national, agent = comptes()
    total, synthetiques = peupler(national, options.fiches)
    ligne(f"{total} fiches dont {synthetiques} synthétiques")
    requetes = requetes_realistes(options.requetes)
    visibles = Fiche.objects.visible_par(agent)
    titres = dict(Fiche.objects.filter(synthetique=False).values_list("pk", "titre"))

    invalider_vocabulaire()
    debut = time.perf_counter()
    chercher(visibles, "chauffe")
    ligne(
        f"Premier appel (lecture du vocabulaire de correction) : {(time.perf_counter() - debut) * 1000:.0f} ms"
    )

    titre(f"{len(requetes)} recherches d'un agent (une sur deux avec une faute de frappe)")
    bons = premiere_page = 0
    for texte, attendu in requetes:
        ids = chercher(visibles, texte).ids
        rangs = [i for i, pk in enumerate(ids[:20]) if attendu.lower() in titres.get(pk, "").lower()]
        bons += bool(rangs) and rangs[0] == 0
        premiere_page += bool(rangs)
    durees = mesurer(lambda t: chercher(visibles, t), requetes)
    ligne(
        f"chercher() : p50 {statistics.median(durees):.1f} ms · p95 {percentile(durees, 95):.1f} ms · "
        f"max {max(durees):.1f} ms · fiche d'exemple attendue en premier : {bons}/{len(requetes)}, "
        f"en première page (20) : {premiere_page}/{len(requetes)}"
    )
    trouves = sum(
        any(attendu.lower() in titres.get(pk, "").lower() for pk in naif(visibles, texte))
        for texte, attendu in requetes
    )
    durees_naif = mesurer(lambda t: naif(visibles, t), requetes)
    ligne(
        f"Référence naïve (ILIKE sur chaque mot, sans classement) : p50 {statistics.median(durees_naif):.1f} ms · "
        f"p95 {percentile(durees_naif, 95):.1f} ms · fiche attendue parmi les résultats : {trouves}/{len(requetes)}"
    )

    titre("Page HTTP /bouquet/fiches/?q=… (agent, 50 requêtes)")
    client = Client()
    client.force_login(agent)
    durees_http = []
    for texte, _ in requetes[:50]:
        debut = time.perf_counter()
        reponse = client.get("/bouquet/fiches/", {"q": texte})
        durees_http.append((time.perf_counter() - debut) * 1000)
        assert reponse.status_code == 200, reponse.status_code
    ligne(f"p50 {statistics.median(durees_http):.1f} ms · p95 {percentile(durees_http, 95):.1f} ms")
    objectif = percentile(durees, 95) <= 50
    titre("Objectif p95 ≤ 50 ms (chercher) : " + ("atteint" if objectif else "NON atteint"))


if __name__ == "__main__":
    main()
