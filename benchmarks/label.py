"""Mesures de la conformité au label (lancé par `uv run --frozen python benchmarks/label.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_label` (créée, migrée, référentiel importé si vide ; équipes
SYNTHÉTIQUES — adresses @bench-label.invalid — réutilisées d'une exécution à l'autre : deux agents et un
responsable par France services, la moitié des agents formés au tronc commun, un constat sur deux critères
constatés pour une France services sur trois) :
- conformité des 2 845 France services par le calcul groupé (`conformite.calculer`, requêtes fixes) contre
  une référence naïve structure par structure (mêmes règles, un calcul — donc ses requêtes — par France
  services), dans la même exécution, mêmes verdicts vérifiés ;
- `conformite.resumes` sur un département (l'interface de l'accueil départemental) ;
- pages HTTP : conformité d'un département (animateur) et liste nationale par département (équipe nationale).

Options : --departement (défaut 59), --naif N (nombre de France services de la référence naïve ; défaut :
toutes).
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

BASE = "franceservices_bench_label"
ENV = environnement(BASE)
DOMAINE = "bench-label.invalid"


def generer():
    """Équipes, réussites et constats synthétiques (une fois : réutilisés aux exécutions suivantes)."""
    from django.db import connection
    from django.utils import timezone

    from franceservices.comptes.models import Habilitation, Role, Utilisateur
    from franceservices.formations.models import Categorie, Inscription, Module, Presence, Session, Statut
    from franceservices.label.models import Constat, Critere, Mode
    from franceservices.structures.models import Structure

    if Utilisateur.objects.filter(email__endswith=f"@{DOMAINE}").exists():
        return
    debut = time.perf_counter()
    structures = list(Structure.objects.order_by("pk"))
    aujourdhui = timezone.localdate()
    module, _ = Module.objects.get_or_create(
        code="bench-label-socle",
        defaults={
            "titre": "Tronc commun (banc)",
            "categorie": Categorie.SOCLE,
            "organisme": "CNFPT",
            "duree_heures": 7,
            "compte_pour_label": True,
        },
    )
    d = timezone.now() - timedelta(days=60)
    session = Session.objects.create(module=module, debut=d, fin=d + timedelta(hours=7), capacite=10_000)
    personnes, habilitations = [], []
    for s in structures:
        for rang, role in enumerate((Role.AGENT, Role.AGENT, Role.RESPONSABLE)):
            email = f"{role}{rang}.{s.pk}@{DOMAINE}"
            personnes.append(Utilisateur(email=email, username=email, password="!"))
    personnes = Utilisateur.objects.bulk_create(personnes, batch_size=2000)
    inscriptions = []
    for k, u in enumerate(personnes):
        s, rang = structures[k // 3], k % 3
        role = Role.RESPONSABLE if rang == 2 else Role.AGENT
        habilitations.append(
            Habilitation(utilisateur=u, role=role, structure=s, debut=aujourdhui - timedelta(days=400))
        )
        if rang == 0 or (rang == 1 and s.pk % 2):
            inscriptions.append(
                Inscription(
                    session=session,
                    agent=u,
                    statut=Statut.CONFIRMEE,
                    demandee_le=session.debut - timedelta(days=10),
                    presence=Presence.PRESENT,
                    reussie_le=session.fin,
                )
            )
    Habilitation.objects.bulk_create(habilitations, batch_size=2000)
    Inscription.objects.bulk_create(inscriptions, batch_size=2000)
    constates = list(Critere.objects.filter(mode=Mode.CONSTATE).order_by("ordre")[:2])
    Constat.objects.bulk_create(
        [
            Constat(structure=s, critere=c, conforme=bool(s.pk % 4), commentaire="", date=date(2025, 6, 1))
            for s in structures[::3]
            for c in constates
        ],
        batch_size=2000,
    )
    with connection.cursor() as curseur:
        for table in (
            "comptes_habilitation",
            "formations_inscription",
            "comptes_utilisateur",
            "label_constat",
        ):
            curseur.execute(f"ANALYZE {table}")
    ligne(
        f"{len(personnes)} personnes synthétiques, {len(inscriptions)} réussites, constats sur "
        f"{len(structures[::3])} France services, en {time.perf_counter() - debut:.1f} s"
    )


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


def signature(conformites):
    return {
        pk: [(v.critere.code, str(v.statut), v.explication) for v in c.verdicts]
        for pk, c in conformites.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="59")
    parser.add_argument("--naif", type=int, default=None)
    options = parser.parse_args()

    titre(f"Label — préparation (base {BASE})")
    preparer_base(BASE)
    from django.urls import reverse
    from django.utils import timezone

    from franceservices.comptes.models import Role
    from franceservices.label.conformite import calculer, resumes, structures_pour_calcul
    from franceservices.structures.models import Structure
    from franceservices.territoires.models import Departement

    ligne(
        f"machine : {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, le {date.today():%d/%m/%Y}"
    )
    generer()
    aujourdhui = timezone.localdate()

    titre("Conformité de toutes les France services : calcul groupé contre référence naïve")
    toutes = lambda: calculer(structures_pour_calcul(), aujourdhui=aujourdhui)  # noqa: E731
    groupe, ms_groupe, req_groupe = chronometrer(toutes, 5)
    n = len(groupe)
    ids = sorted(groupe)[: options.naif] if options.naif else sorted(groupe)

    def naif():
        resultat = {}
        for pk in ids:
            s = structures_pour_calcul(Structure.objects.filter(pk=pk)).get()
            resultat.update(calculer([s], aujourdhui=aujourdhui))
        return resultat

    reference, ms_naif, req_naif = chronometrer(naif, 1)
    attendu = signature({pk: groupe[pk] for pk in ids})
    accord = signature(reference) == attendu
    conformes = sum(1 for c in groupe.values() if c.conforme)
    ligne(f"{n} France services, {conformes} conformes à tous les critères")
    ligne(f"groupé : médiane {ms_groupe:.0f} ms sur 5, {req_groupe} requêtes SQL")
    ligne(
        f"naïf ({len(ids)} France services, une par une) : {ms_naif:.0f} ms, {req_naif} requêtes SQL ;"
        f" mêmes verdicts : {'oui' if accord else 'NON'}"
    )
    if len(ids) < n:
        ligne(f"naïf extrapolé à {n} : ~{ms_naif * n / len(ids):.0f} ms")

    departement = Departement.objects.get(code=options.departement)
    ids_dep = list(Structure.objects.filter(departement=departement).values_list("pk", flat=True))
    _, ms_resumes, req_resumes = chronometrer(lambda: resumes(ids_dep, aujourdhui=aujourdhui), 10)
    ligne(
        f"resumes({len(ids_dep)} France services du {departement.code}) : médiane {ms_resumes:.1f} ms, {req_resumes} requêtes"
    )

    titre("Pages HTTP (20 requêtes)")
    animateur = utilisateur(
        f"animateur.{departement.code}@{DOMAINE}", Role.ANIMATEUR, departement=departement
    )
    national = utilisateur(f"national@{DOMAINE}", Role.EQUIPE_NATIONALE)
    for qui, url in (
        (animateur, reverse("label:departement", args=[departement.code])),
        (national, reverse("label:index")),
        (national, reverse("label:structure", args=[ids_dep[0]])),
    ):
        p50, p95, requetes, poids, (sql_ms, _) = mesurer_page(client_de(qui), url, n=20)
        ligne(
            f"{url} : p50 {p50:.1f} ms, p95 {p95:.1f} ms ; {requetes} requêtes SQL ({sql_ms:.0f} ms) ;"
            f" {poids // 1024} Ko"
        )


if __name__ == "__main__":
    main()
