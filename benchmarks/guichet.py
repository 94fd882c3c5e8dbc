"""Guichet unique « J'ai besoin d'aide pour… » : latence du routage (lancé par
`uv run --frozen python benchmarks/guichet.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_guichet` (créée, migrée, référentiel importé si vide).
Échantillon : des communes réelles (les plus peuplées de départements tirés au sort, graine fixe, plus des
communes rurales) × des partenaires (aucun, trois du socle, un partenaire en pilote). Autour de chaque commune,
les 30 France services candidates reçoivent des types de rendez-vous SYNTHÉTIQUES (libellé « Banc … », un
général et un par partenaire du socle mesuré, recréés à chaque exécution), des disponibilités du lundi au
vendredi, et une sur trois est fermée la semaine qui vient (le prochain créneau est alors plus loin).

Mesures, p50 / p95 et requêtes SQL :
- `orienter` (le moteur : proximité, couverture du partenaire en 2 requêtes, prochain créneau des 3 retenues
  semaine par semaine) ;
- la page de résultat complète (`/aide/resultat/`, jeton de parcours valide : moteur + décision + rendu) ;
- la version naïve : pour chacune des 30 candidates, couverture vérifiée par `proposes_a_structure` (une
  requête par lieu) et prochain créneau calculé sur 8 semaines pour chaque type, puis les 3 premières.
On vérifie que les deux versions donnent les mêmes France services et les mêmes prochains créneaux.

Options : --communes N (défaut 25), --repetitions R (défaut 3 par couple commune × partenaire).
"""

import argparse
import os
import platform
import random
import sys
import time as chrono
from datetime import time, timedelta
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_guichet"
ENV = environnement(BASE)
# Le banc enchaîne des centaines de pages depuis la même adresse : pas de limitation de débit ici.
os.environ.update({"LIMITE_RECHERCHE_PAR_MINUTE": "1000000", "LIMITE_GUICHET_PAR_MINUTE": "1000000"})
PREFIXE = "Banc"


def echantillon_communes(n: int):
    from django.db.models import Max

    from franceservices.territoires.models import Commune, TypeCommune

    hasard = random.Random(20261127)
    actuelles = Commune.objects.filter(type=TypeCommune.ACTUELLE, latitude__isnull=False)
    par_dep = actuelles.values("departement_id").annotate(p=Max("population")).order_by("departement_id")
    departements = [r["departement_id"] for r in par_dep]
    choisis = hasard.sample(departements, min(len(departements), n - n // 3))
    communes = [
        actuelles.filter(departement_id=d).order_by("-population", "pk").select_related("departement").first()
        for d in choisis
    ]
    rurales = list(actuelles.filter(population__lt=500).order_by("pk").values_list("pk", flat=True))
    communes += list(actuelles.select_related("departement").filter(pk__in=hasard.sample(rurales, n // 3)))
    return communes


def echantillon_partenaires():
    from franceservices.partenaires.models import Partenaire, Presence

    socle = list(Partenaire.objects.filter(presence=Presence.SOCLE, actif=True).order_by("pk")[:3])
    pilote = Partenaire.objects.filter(presence=Presence.PILOTE).order_by("pk").first()
    return socle, [None, *socle, *([pilote] if pilote else [])]


def preparer_rendez_vous(communes, socle):
    """Types « Banc … » et disponibilités des candidates ; une sur trois fermée la semaine qui vient."""
    from django.utils import timezone

    from franceservices.rappels.orientation import NB_CANDIDATES
    from franceservices.rendezvous.models import Disponibilite, Fermeture, TypeRendezVous
    from franceservices.structures.proximite import index

    anciens = TypeRendezVous.objects.filter(libelle__startswith=PREFIXE)
    Disponibilite.objects.filter(structure__in=anciens.values("structure")).delete()
    Fermeture.objects.filter(motif=PREFIXE).delete()
    anciens.delete()
    candidates = set()
    for c in communes:
        candidates |= {pk for _, pk in index().plus_proches(c.latitude, c.longitude, NB_CANDIDATES)}
    aujourd_hui = timezone.localdate()
    types, dispos, fermetures = [], [], []
    for i, pk in enumerate(sorted(candidates)):
        types.append(TypeRendezVous(structure_id=pk, libelle=f"{PREFIXE} accompagnement", duree=30))
        types += [
            TypeRendezVous(structure_id=pk, partenaire=p, libelle=f"{PREFIXE} {p.code}", duree=20 + 5 * j)
            for j, p in enumerate(socle)
        ]
        for jour in range(5):
            for debut, fin in ((time(9), time(12)), (time(13, 30), time(17))):
                dispos.append(
                    Disponibilite(structure_id=pk, jour_semaine=jour, heure_debut=debut, heure_fin=fin)
                )
        if i % 3 == 0:
            fermetures.append(
                Fermeture(structure_id=pk, du=aujourd_hui, au=aujourd_hui + timedelta(days=7), motif=PREFIXE)
            )
    TypeRendezVous.objects.bulk_create(types)
    Disponibilite.objects.bulk_create(dispos)
    Fermeture.objects.bulk_create(fermetures)
    return len(candidates)


def orienter_naif(reponses, maintenant):
    """Référence : couverture lieu par lieu, prochain créneau sur 8 semaines pour chaque candidate."""
    from franceservices.partenaires.models import Partenaire
    from franceservices.rappels.models import Orientation
    from franceservices.rappels.orientation import NB_CANDIDATES, NB_FRANCE_SERVICES, types_rendez_vous
    from franceservices.rendezvous.creneaux import creneaux_structure
    from franceservices.structures.proximite import structures_proches

    commune, partenaire = reponses.commune, reponses.partenaire
    resultat = []
    for structure, _distance in structures_proches(commune.latitude, commune.longitude, NB_CANDIDATES):
        types = types_rendez_vous([structure], partenaire).get(structure.pk, [])
        prochains = [c[0] for t in types if (c := creneaux_structure(structure, t, maintenant=maintenant))]
        couverte = partenaire is None or (
            Partenaire.objects.proposes_a_structure(structure).filter(pk=partenaire.pk).exists()
        )
        if couverte:
            resultat.append((Orientation.FRANCE_SERVICES, structure.pk, min(prochains, default=None)))
    return resultat[:NB_FRANCE_SERVICES]


def mesurer(fonction, couples, repetitions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durees, requetes = [], []
    for couple in couples:
        fonction(*couple)  # chauffe (index, fériés en cache)
        for _ in range(repetitions):
            connection.queries_log.clear()  # journal borné à 9 000 requêtes : on repart de zéro à chaque mesure
            with CaptureQueriesContext(connection) as capture:
                debut = chrono.perf_counter()
                fonction(*couple)
                durees.append((chrono.perf_counter() - debut) * 1000)
            requetes.append(len(capture))
    return durees, requetes


def resume(nom, durees, requetes):
    ligne(
        f"{nom} : p50 {percentile(durees, 50):.1f} ms, p95 {percentile(durees, 95):.1f} ms, "
        f"requêtes SQL p50 {percentile(requetes, 50)} / max {max(requetes)} ({len(durees)} mesures)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=25)
    parser.add_argument("--repetitions", type=int, default=3)
    options = parser.parse_args()

    preparer_base(BASE)
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.http import urlencode

    from franceservices.rappels.models import DecisionOrientation, Orientation
    from franceservices.rappels.orientation import Reponses, orienter
    from franceservices.rappels.views_guichet import _jeton_parcours

    communes = echantillon_communes(options.communes)
    socle, partenaires = echantillon_partenaires()
    nb = preparer_rendez_vous(communes, socle)
    maintenant = timezone.now()
    couples = [(Reponses(commune=c, partenaire=p),) for c in communes for p in partenaires]

    titre("Guichet unique : routage d'une demande (orienter + page de résultat)")
    ligne(
        f"{len(communes)} communes réelles × {len(partenaires)} partenaires "
        f"({', '.join(p.code if p else 'aucun' for p in partenaires)}) ; {nb} France services candidates avec "
        f"types de rendez-vous synthétiques ; Python {platform.python_version()}, PostgreSQL"
    )

    # Mêmes résultats : France services retenues et prochain créneau.
    ecarts = 0
    for (reponses,) in couples:
        rapides = [
            (p.orientation, p.structure.pk, p.prochain_creneau)
            for p in orienter(reponses, maintenant=maintenant)
            if p.orientation == Orientation.FRANCE_SERVICES
        ]
        ecarts += rapides != orienter_naif(reponses, maintenant)
    ligne(
        f"mêmes France services et mêmes prochains créneaux que la version naïve : {len(couples) - ecarts}/{len(couples)}"
    )

    durees, requetes = mesurer(lambda r: orienter(r, maintenant=maintenant), couples, options.repetitions)
    resume("`orienter` (moteur)", durees, requetes)
    p50_rapide = percentile(durees, 50)

    client = Client()
    avant = DecisionOrientation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def page(reponses):
        parametres = {
            "partenaire": reponses.partenaire.code if reponses.partenaire else "",
            "insee": reponses.commune.code_insee,
            "en_ligne": "non",
            "aide_ordinateur": "non",
            "p": _jeton_parcours(),
        }
        r = client.get(f"{reverse('guichet:resultat')}?{urlencode(parametres)}")
        assert r.status_code == 200, r.status_code

    durees, requetes = mesurer(page, couples, options.repetitions)
    resume("page `/aide/resultat/` (moteur + décision + rendu)", durees, requetes)
    DecisionOrientation.objects.filter(pk__gt=avant).delete()

    durees, requetes = mesurer(lambda r: orienter_naif(r, maintenant), couples, 1)
    resume("version naïve (8 semaines × 30 candidates, couverture lieu par lieu)", durees, requetes)
    ligne(f"rapport des médianes naïve / moteur : ×{percentile(durees, 50) / max(p50_rapide, 1e-6):.0f}")
    if ecarts:
        sys.exit(f"{ecarts} couple(s) où le moteur et la version naïve diffèrent.")


if __name__ == "__main__":
    main()
