"""Débit de la réservation de rendez-vous (lancé par `uv run --frozen python benchmarks/reservations.py`).

Sur PostgreSQL, base dédiée `franceservices_bench_reservations` (créée, migrée, référentiel importé si vide).
Des France services réelles reçoivent sur rendez-vous (lundi – vendredi, 9 h – 12 h et 14 h – 17 h, types de
20 min SYNTHÉTIQUES « Banc réservations ») ; on prend leurs créneaux libres des 8 semaines à venir.

`actions.reserver` complet est mesuré : validation, verrou de la structure (SELECT … FOR UPDATE), calcul du
créneau, écriture, journal d'audit, mise en file du message de confirmation après validation (moteur de
tâches en base). Deux répartitions :
- « même structure » : N clients (fils, chacun sa connexion) réservent dans UNE France services — le pire
  cas, le verrou sérialise tout ;
- « structures réparties » : les mêmes N clients sur K France services.
Chaque créneau est demandé par DEUX clients (concurrence réelle : l'un obtient le créneau, l'autre reçoit
« Ce créneau vient d'être pris ») ; en comparaison, le même nombre de réservations en série (un client).
À la fin de chaque scénario : aucune double réservation (aucun chevauchement de rendez-vous prévus dans une
structure, une réservation par créneau), puis tout ce que le banc a écrit est effacé (rendez-vous, tâches,
journal d'audit, types, disponibilités).

Options : --clients N (8), --reservations R (créneaux par scénario, 300), --structures K (8), --departement (16).
"""

import argparse
import platform
import queue
import random
import sys
import threading
import time as chrono
from datetime import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
from benchmarks.commun import environnement, ligne, percentile, preparer_base, titre  # noqa: E402

BASE = "franceservices_bench_reservations"
ENV = environnement(BASE)
LIBELLE = "Banc réservations"


def preparer(departement: str, nombre: int):
    from franceservices.rendezvous.models import Disponibilite, TypeRendezVous
    from franceservices.structures.models import Structure

    structures = list(
        Structure.objects.select_related("departement")
        .filter(departement__code=departement)
        .order_by("pk")[:nombre]
    )
    if len(structures) < nombre:
        sys.exit(f"Seulement {len(structures)} France services dans le département {departement}.")
    nettoyer(structures, set(), 0)
    types = []
    for structure in structures:
        for jour in range(5):
            for debut, fin in ((time(9), time(12)), (time(14), time(17))):
                Disponibilite.objects.create(
                    structure=structure, jour_semaine=jour, heure_debut=debut, heure_fin=fin
                )
        types.append(TypeRendezVous.objects.create(structure=structure, libelle=LIBELLE, duree=20))
    return structures, types


def nettoyer(structures, taches_avant: set, audit_avant: int):
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from franceservices.core.models import EvenementAudit
    from franceservices.rendezvous.models import Disponibilite, RendezVous, TypeRendezVous

    types = TypeRendezVous.objects.filter(structure__in=structures, libelle=LIBELLE)
    RendezVous.objects.filter(type__in=types).delete()
    types.delete()
    Disponibilite.objects.filter(structure__in=structures).delete()
    if taches_avant is not None:
        DBTaskResult.objects.filter(task_path__endswith="envoyer_message_tache").exclude(
            pk__in=taches_avant
        ).delete()
    if audit_avant:
        # Journal en ajout seul (déclencheur) : effacement des seules lignes du banc, déclencheurs suspendus.
        with transaction.atomic(), connection.cursor() as curseur:
            curseur.execute("SET LOCAL session_replication_role = replica")
            curseur.execute(
                f"DELETE FROM {EvenementAudit._meta.db_table} WHERE id > %s AND evenement = 'rdv_reserve'",
                [audit_avant],
            )


def creneaux_de(structures, types, total: int):
    """`total` créneaux libres (structure, type, début), répartis en tourniquet entre les structures."""
    from franceservices.rendezvous.creneaux import creneaux_structure

    par_structure = [
        [(s, t, debut) for debut in creneaux_structure(s, t)] for s, t in zip(structures, types, strict=True)
    ]
    resultat = []
    while len(resultat) < total and any(par_structure):
        for liste in par_structure:
            if liste and len(resultat) < total:
                resultat.append(liste.pop(0))
    if len(resultat) < total:
        sys.exit(f"Seulement {len(resultat)} créneaux libres pour {total} demandés.")
    return resultat


def reserver_un(structure, type_, debut, n):
    from django.core.exceptions import ValidationError

    from franceservices.rendezvous import actions

    t0 = chrono.perf_counter()
    try:
        actions.reserver(
            structure=structure,
            type_=type_,
            debut=debut,
            nom=f"Client banc {n}",
            telephone="0612345678",
        )
        ok = True
    except ValidationError:
        ok = False
    return ok, (chrono.perf_counter() - t0) * 1000


def en_parallele(demandes, clients: int):
    from django.db import connections

    file = queue.Queue()
    for i, demande in enumerate(demandes):
        file.put((i, demande))
    resultats = []
    verrou = threading.Lock()
    depart = threading.Barrier(clients + 1)

    def client():
        locaux = []
        try:
            depart.wait()
            while True:
                try:
                    i, (s, t, debut) = file.get_nowait()
                except queue.Empty:
                    break
                locaux.append(reserver_un(s, t, debut, i))
        finally:
            connections.close_all()
            with verrou:
                resultats.extend(locaux)

    fils = [threading.Thread(target=client) for _ in range(clients)]
    for fil in fils:
        fil.start()
    depart.wait()
    t0 = chrono.perf_counter()
    for fil in fils:
        fil.join()
    return resultats, chrono.perf_counter() - t0


def en_serie(demandes):
    t0 = chrono.perf_counter()
    resultats = [reserver_un(s, t, debut, i) for i, (s, t, debut) in enumerate(demandes)]
    return resultats, chrono.perf_counter() - t0


def verifier(structures, creneaux_attendus: int):
    """Aucune double réservation : ni chevauchement de rendez-vous prévus dans une structure, ni plus d'une
    réservation par créneau demandé."""
    from django.db import connection

    from franceservices.rendezvous.models import RendezVous, Statut

    table = RendezVous._meta.db_table
    with connection.cursor() as curseur:
        curseur.execute(
            f"""SELECT count(*) FROM {table} a JOIN {table} b
                ON a.structure_id = b.structure_id AND a.id < b.id
               AND a.debut < b.fin AND b.debut < a.fin
             WHERE a.statut = %s AND b.statut = %s AND a.structure_id = ANY(%s)""",
            [Statut.PREVU, Statut.PREVU, [s.pk for s in structures]],
        )
        chevauchements = curseur.fetchone()[0]
    reservees = RendezVous.objects.filter(structure__in=structures, nom__startswith="Client banc").count()
    return chevauchements, reservees


def rapport(nom, resultats, duree, creneaux):
    reussies = [d for ok, d in resultats if ok]
    refusees = len(resultats) - len(reussies)
    toutes = [d for _, d in resultats]
    ligne(
        f"{nom} : {len(reussies)} réservations en {duree:.2f} s, soit {len(reussies) / duree:.0f} réservations/s "
        f"({len(resultats) / duree:.0f} demandes/s, {refusees} refusées « vient d'être pris ») ; latence d'une "
        f"demande p50 {percentile(toutes, 50):.1f} ms, p95 {percentile(toutes, 95):.1f} ms"
    )


def scenario(nom, structures, types, options, demandes_par_creneau=2):
    from django_tasks_db.models import DBTaskResult

    from franceservices.core.models import EvenementAudit
    from franceservices.rendezvous.models import RendezVous

    titre(nom)
    for mode in ("parallele", "serie"):
        taches = set(DBTaskResult.objects.values_list("pk", flat=True))
        audit = EvenementAudit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        creneaux = creneaux_de(structures, types, options.reservations)
        if mode == "parallele":
            demandes = [c for c in creneaux for _ in range(demandes_par_creneau)]
            random.Random(1).shuffle(demandes)
            resultats, duree = en_parallele(demandes, options.clients)
            rapport(
                f"{options.clients} clients en parallèle ({demandes_par_creneau} demandes par créneau)",
                resultats,
                duree,
                creneaux,
            )
        else:
            resultats, duree = en_serie(creneaux)
            rapport("1 client, en série", resultats, duree, creneaux)
        chevauchements, reservees = verifier(structures, len(creneaux))
        double = chevauchements or reservees != len(creneaux)
        ligne(
            f"vérification : {reservees} rendez-vous pour {len(creneaux)} créneaux, {chevauchements} "
            f"chevauchement(s) — {'DOUBLE RÉSERVATION' if double else 'aucune double réservation'}"
        )
        RendezVous.objects.filter(type__in=types).delete()
        nettoyer_taches_et_audit(taches, audit)
        if double:
            sys.exit("Double réservation détectée.")


def nettoyer_taches_et_audit(taches, audit):
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from franceservices.core.models import EvenementAudit

    DBTaskResult.objects.filter(task_path__endswith="envoyer_message_tache").exclude(pk__in=taches).delete()
    with transaction.atomic(), connection.cursor() as curseur:
        curseur.execute("SET LOCAL session_replication_role = replica")
        curseur.execute(
            f"DELETE FROM {EvenementAudit._meta.db_table} WHERE id > %s AND evenement = 'rdv_reserve'",
            [audit],
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reservations", type=int, default=300)
    parser.add_argument("--structures", type=int, default=8)
    parser.add_argument("--departement", default="16")
    options = parser.parse_args()

    preparer_base(BASE)
    structures, types = preparer(options.departement, options.structures)
    try:
        titre(
            f"Réservation de rendez-vous : {options.reservations} créneaux par scénario, "
            f"{options.clients} clients (Python {platform.python_version()}, PostgreSQL)"
        )
        scenario("Même structure (verrou unique : pire cas)", structures[:1], types[:1], options)
        scenario(f"Structures réparties ({options.structures})", structures, types, options)
    finally:
        nettoyer(structures, None, 0)
        from franceservices.rendezvous.models import RendezVous

        restants = RendezVous.objects.filter(nom__startswith="Client banc").count()
        ligne(f"nettoyage : {restants} rendez-vous synthétique(s) restant(s)")


if __name__ == "__main__":
    main()
