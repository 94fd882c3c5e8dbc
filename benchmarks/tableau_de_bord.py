"""Mesure du seul tableau de bord sur la base `franceservices_bench_activite` (déjà générée, lue seulement).

`uv run --frozen python benchmarks/tableau_de_bord.py` : `lecture.tableau_de_bord` (médiane de 5) pour la
France entière (1 et 10 mois), le Nord et une France services, puis la page HTTP complète (client de test,
`DEBUG=false`) avec le nombre de requêtes SQL. Rien n'est écrit dans la base : session en cookie signé, pas
de mise à jour de `last_login` ni de journal de connexion (l'utilisateur national du banc doit exister :
`benchmarks/activite.py` le crée).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import activite  # (réglages de la base de banc : DATABASE_URL, DEBUG=false…)


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.signals import user_logged_in
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from franceservices.comptes.models import Utilisateur
    from franceservices.statistiques.lecture import Periode, Portee, tableau_de_bord
    from franceservices.structures.models import Structure
    from franceservices.territoires.models import Departement

    du, au = activite.DU, activite.AU
    nord = Departement.objects.get(code=activite.DEPARTEMENT)
    structure = Structure.objects.filter(departement=nord).order_by("pk").first()
    cas = [
        ("national, 1 mois", Portee("national", None), Periode(au, au)),
        ("national, 10 mois", Portee("national", None), Periode(du, au)),
        (f"département {nord}, 1 mois", Portee("departement", nord.pk), Periode(au, au)),
        (f"département {nord}, 10 mois", Portee("departement", nord.pk), Periode(du, au)),
        (f"France services {structure.pk}, 1 mois", Portee("structure", structure.pk), Periode(au, au)),
        (f"France services {structure.pk}, 10 mois", Portee("structure", structure.pk), Periode(du, au)),
    ]
    activite.titre("lecture.tableau_de_bord (médiane de 5)")
    for nom, portee, periode in cas:
        with CaptureQueriesContext(connection) as requetes:
            tableau_de_bord(portee, periode)
        duree, _ = activite._mediane(lambda portee=portee, periode=periode: tableau_de_bord(portee, periode))
        activite.ligne(f"{nom} : {duree:.0f} ms, {len(requetes)} requêtes")

    activite.titre("Page /statistiques/ complète (client de test, médiane de 5)")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    user_logged_in.receivers.clear()  # ni last_login ni journal de connexion : la base n'est pas écrite
    user_logged_in.sender_receivers_cache.clear()
    # Comme les tests : la connexion n'est pas refermée à chaque requête (requêtes SQL comptées).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.disconnect(reset_queries)
    national = Utilisateur.objects.get(email="national@bench.invalid")
    client = Client()
    client.force_login(national)
    for nom, parametres in (
        ("national, 1 mois", f"niveau=national&du={au:%Y-%m}&au={au:%Y-%m}"),
        ("national, 10 mois", f"niveau=national&du={du:%Y-%m}&au={au:%Y-%m}"),
        (f"département {nord.code}, 1 mois", f"niveau=departement&id={nord.pk}&du={au:%Y-%m}&au={au:%Y-%m}"),
        (
            f"France services {structure.pk}, 1 mois",
            f"niveau=structure&id={structure.pk}&du={au:%Y-%m}&au={au:%Y-%m}",
        ),
    ):
        url = f"/statistiques/?{parametres}"
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(url)
        if reponse.status_code != 200:
            activite.ligne(f"{nom} : réponse {reponse.status_code}")
            continue
        duree, _ = activite._mediane(lambda url=url: client.get(url))
        activite.ligne(
            f"{nom} : {duree:.0f} ms, {len(requetes)} requêtes, {len(reponse.content) / 1024:.0f} Ko de HTML"
        )


if __name__ == "__main__":
    main()
