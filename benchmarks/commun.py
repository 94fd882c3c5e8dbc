"""Ce que partagent les bancs qui travaillent sur une base PostgreSQL dédiée : réglages de production (DEBUG
faux), création et migration de la base, import du référentiel s'il manque, affichage et centiles."""

import os
import statistics
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))


def url_base(base: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{base}"


def environnement(base: str) -> dict:
    """Réglages du banc (à poser avant `django.setup()`), aussi passés aux processus qu'il lance."""
    env = {
        "DATABASE_URL": url_base(base),
        "DEBUG": "false",
        "SECRET_KEY": "bench-seulement-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "DOUBLE_FACTEUR_EQUIPE_NATIONALE": "false",
        "STATIC_MANIFEST": "false",  # pas de collectstatic : les fichiers statiques ne sont pas mesurés ici
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def titre(texte):
    print(f"\n## {texte}", flush=True)


def ligne(texte):
    print(f"- {texte}", flush=True)


def percentile(valeurs, p):
    valeurs = sorted(valeurs)
    return valeurs[min(len(valeurs) - 1, round(p / 100 * (len(valeurs) - 1)))]


def preparer_base(base: str):
    """Crée la base si elle manque, puis Django : migrations et référentiel (s'il est vide)."""
    import psycopg

    with psycopg.connect(url_base("postgres"), autocommit=True) as cnx:
        if not cnx.execute("SELECT 1 FROM pg_database WHERE datname = %s", [base]).fetchone():
            cnx.execute(f"CREATE DATABASE {base}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("importer_referentiel", "--si-vide", verbosity=0)


# — Pages connectées (bancs HTTP internes) —


def client_de(utilisateur):
    from django.conf import settings
    from django.test import Client

    from franceservices.comptes.middleware import CLE_SESSION

    client = Client()
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def utilisateur(email, role, **perimetre):
    from franceservices.comptes.models import Habilitation, Utilisateur

    u, _ = Utilisateur.objects.get_or_create(email=email, defaults={"username": email, "password": "!"})
    if not Habilitation.objects.filter(utilisateur=u, role=role).exists():
        Habilitation.objects.create(utilisateur=u, role=role, **perimetre)
    return u


class Compteur:
    """Compte (et chronomètre) les requêtes SQL, DEBUG désactivé compris."""

    def __init__(self):
        self.requetes = []

    def __call__(self, execute, sql, params, many, context):
        debut = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.requetes.append(((time.perf_counter() - debut) * 1000, sql))


def mesurer_page(client, url, n=50):
    from django.db import connection

    compteur = Compteur()
    with connection.execute_wrapper(compteur):
        reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.status_code)
    durees = []
    for _ in range(n):
        debut = time.perf_counter()
        r = client.get(url)
        if hasattr(r, "streaming_content"):
            b"".join(r.streaming_content)
        durees.append((time.perf_counter() - debut) * 1000)
    sql_ms = sum(d for d, _ in compteur.requetes)
    lente = max(compteur.requetes, default=(0, ""))
    return (
        statistics.median(durees),
        percentile(durees, 95),
        len(compteur.requetes),
        len(reponse.content),
        (
            sql_ms,
            lente,
        ),
    )
