"""Génération des PDF de la formation (lancé par `uv run --frozen python benchmarks/attestations.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_attestations` (créée, migrée, référentiel importé si vide).
Données SYNTHÉTIQUES (module « banc-attestations », recréé à chaque exécution) : une session passée, N inscrits
confirmés (comptes `banc.attestation.*@exemple.fr`), la réussite notée pour chacun.

Mesures (WeasyPrint, PDF/UA-1, police Marianne embarquée) :
- attestation de réussite (`attestation_pdf`, lecture en base comprise) : p50 / p95 sur 50, taille ;
- feuille d'émargement de 30 inscrits (`emargement_pdf`) : p50 / p95 sur 10, taille, requêtes SQL.
La première génération (chargement des polices) est mesurée à part.

Options : --repetitions (50), --inscrits (30).
"""

import argparse
import platform
import sys
import time as chrono
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_attestations"
ENV = environnement(BASE)
CODE_MODULE = "banc-attestations"


def preparer(inscrits: int):
    from django.utils import timezone

    from franceservices.comptes.models import Utilisateur
    from franceservices.formations.models import (
        Categorie,
        Inscription,
        Module,
        Presence,
        Session,
        Source,
        Statut,
        nouveau_code,
    )

    Inscription.objects.filter(session__module__code=CODE_MODULE).delete()
    Session.objects.filter(module__code=CODE_MODULE).delete()
    Module.objects.filter(code=CODE_MODULE).delete()
    Utilisateur.objects.filter(email__startswith="banc.attestation.").delete()
    module = Module.objects.create(
        code=CODE_MODULE,
        titre="Accueil et accompagnement des usagers (banc)",
        categorie=Categorie.SOCLE,
        organisme="CNFPT",
        duree_heures=Decimal("14"),
    )
    debut = timezone.now() - timedelta(days=3)
    session = Session.objects.create(
        module=module, debut=debut, fin=debut + timedelta(days=1, hours=8), capacite=inscrits, lieu="Banc"
    )
    maintenant = timezone.now()
    agents = Utilisateur.objects.bulk_create(
        Utilisateur(
            username=f"banc.attestation.{n}@exemple.fr",
            email=f"banc.attestation.{n}@exemple.fr",
            first_name=f"Prénom{n}",
            last_name=f"Nom-Synthétique-{n:02d}",
        )
        for n in range(inscrits)
    )
    Inscription.objects.bulk_create(
        Inscription(
            session=session,
            agent=agent,
            statut=Statut.CONFIRMEE,
            demandee_le=maintenant,
            presence=Presence.PRESENT,
            reussie_le=maintenant,
            source_reussite=Source.IMPORT,
            code_attestation=nouveau_code(),
        )
        for agent in agents
    )
    return session


def mesurer(fonction, repetitions):
    durees, resultat = [], None
    for _ in range(repetitions):
        debut = chrono.perf_counter()
        resultat = fonction()
        durees.append((chrono.perf_counter() - debut) * 1000)
    return durees, resultat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--inscrits", type=int, default=30)
    options = parser.parse_args()
    preparer_base(BASE)

    import weasyprint
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from franceservices.formations.attestations import attestation_pdf
    from franceservices.formations.emargement import emargement_pdf
    from franceservices.formations.models import Inscription

    session = preparer(options.inscrits)
    pks = list(session.inscriptions.values_list("pk", flat=True))
    titre("PDF de la formation (WeasyPrint, PDF/UA-1)")
    ligne(f"WeasyPrint {weasyprint.__version__}, Python {platform.python_version()}, PostgreSQL")

    def une_attestation(rang=[0]):  # noqa: B006 — compteur : une inscription différente à chaque appel
        rang[0] += 1
        inscription = Inscription.objects.select_related("agent", "session__module").get(
            pk=pks[rang[0] % len(pks)]
        )
        return attestation_pdf(inscription)

    premiere, pdf = mesurer(une_attestation, 1)
    ligne(f"première attestation (polices chargées) : {premiere[0]:.0f} ms")
    durees, pdf = mesurer(une_attestation, options.repetitions)
    ligne(
        f"attestation : p50 {percentile(durees, 50):.0f} ms, p95 {percentile(durees, 95):.0f} ms "
        f"sur {options.repetitions}, {len(pdf) / 1024:.0f} Kio"
    )
    with CaptureQueriesContext(connection) as requetes:
        pdf = emargement_pdf(session)
    durees, pdf = mesurer(lambda: emargement_pdf(session), 10)
    ligne(
        f"feuille d'émargement, {options.inscrits} inscrits : p50 {percentile(durees, 50):.0f} ms, "
        f"p95 {percentile(durees, 95):.0f} ms sur 10, {len(pdf) / 1024:.0f} Kio, {len(requetes)} requête(s) SQL"
    )
    if not pdf.startswith(b"%PDF"):
        sys.exit("La feuille d'émargement n'est pas un PDF.")


if __name__ == "__main__":
    main()
