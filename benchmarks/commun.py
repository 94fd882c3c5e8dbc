"""Ce que partagent les bancs qui travaillent sur une base PostgreSQL dédiée : réglages de production (DEBUG
faux), création et migration de la base, import du référentiel s'il manque, affichage et centiles."""

import os
import sys
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
