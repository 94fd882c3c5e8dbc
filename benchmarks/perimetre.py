"""Pages filtrées par périmètre : un animateur sur un département de 50 France services et 300 personnes.

Données d'activité SYNTHÉTIQUES (comptes @bench.invalid) sur les vraies France services du
Pas-de-Calais (50 lieux en août 2024), créées dans une transaction annulée à la fin : la base
n'en garde rien. Mesure le temps de rendu des listes « Équipe » et « France services » et leur nombre
de requêtes pour 30 puis 300 personnes (il ne doit pas grandir), à côté d'une référence naïve
(habilitations lues personne par personne, N+1) mesurée dans la même exécution.
"""

import statistics
import time

DEPARTEMENT = "62"


class Annulation(Exception):
    pass


def _rendu(client, url, repetitions=15):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # Le client de test vide le journal des requêtes au début de chaque requête HTTP (request_started) :
    # on le vide avant, sinon la capture compterait à partir d'un index devenu faux.
    reset_queries()
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.status_code)
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        client.get(url)
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees), len(requetes), len(reponse.content)


def _peupler(structures, debut, fin):
    from franceservices.comptes.models import Habilitation, Role, Utilisateur

    utilisateurs = Utilisateur.objects.bulk_create(
        [
            Utilisateur(
                email=f"synthetique{n}@bench.invalid",
                username=f"synthetique{n}@bench.invalid",
                first_name="Personne",
                last_name=f"Synthétique {n:03d}",
                password="!",
            )
            for n in range(debut, fin)
        ]
    )
    Habilitation.objects.bulk_create(
        [
            Habilitation(
                utilisateur=u,
                role=Role.RESPONSABLE if n % 6 == 0 else Role.AGENT,
                structure=structures[n % len(structures)],
            )
            for n, u in enumerate(utilisateurs, start=debut)
        ]
    )


def _naif(animateur):
    """Référence : pour chaque personne, ses habilitations lues une à une (ce qu'évite le prefetch)."""
    from franceservices.comptes.models import Utilisateur

    debut = time.perf_counter()
    lignes = []
    for u in Utilisateur.objects.visible_par(animateur).order_by("last_name"):
        lignes.append((str(u), [str(h) for h in u.habilitations.actives()]))
    return (time.perf_counter() - debut) * 1000, len(lignes)


def bench_perimetre():
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from franceservices.comptes.models import Role, Utilisateur
    from franceservices.comptes.perimetre import perimetre_de
    from franceservices.structures.models import Structure
    from franceservices.territoires.models import Departement

    print("\n## Listes filtrées par périmètre (animateur, 50 France services, 30 puis 300 personnes)")
    departement = Departement.objects.get(code=DEPARTEMENT)
    structures = list(Structure.objects.filter(departement=departement).order_by("pk"))
    print(f"- département {departement} : {len(structures)} France services réelles ; personnes synthétiques")
    try:
        with transaction.atomic():
            animateur = Utilisateur.objects.create_user(email="animateur@bench.invalid", password=None)
            animateur.habilitations.create(role=Role.ANIMATEUR, departement=departement)
            client = Client()
            client.force_login(animateur)
            equipe = reverse("comptes:equipe")
            gestion = reverse("structures:gestion")
            _peupler(structures, 0, 30)
            e30 = _rendu(client, equipe)
            g30 = _rendu(client, gestion)
            _peupler(structures, 30, 300)
            e300 = _rendu(client, equipe)
            g300 = _rendu(client, gestion)
            perimetre_de(animateur)  # calculé, gardé sur l'objet
            with CaptureQueriesContext(connection) as naives:
                duree_naif, lignes = _naif(animateur)
            print(
                f"- page Équipe (50 par page) : 30 personnes {e30[0]:.1f} ms, {e30[1]} requêtes ; "
                f"300 personnes {e300[0]:.1f} ms, {e300[1]} requêtes ({e300[2] / 1024:.0f} Ko de HTML)"
            )
            print(
                f"- page France services : 30 personnes {g30[0]:.1f} ms, {g30[1]} requêtes ; "
                f"300 personnes {g300[0]:.1f} ms, {g300[1]} requêtes"
            )
            print(
                f"- référence naïve (habilitations lues personne par personne, {lignes} personnes) : "
                f"{duree_naif:.1f} ms, {len(naives)} requêtes"
            )
            verdict = "constant" if e30[1] == e300[1] and g30[1] == g300[1] else "EN HAUSSE"
            print(f"- nombre de requêtes selon le nombre de personnes : {verdict}")
            raise Annulation
    except Annulation:
        pass
