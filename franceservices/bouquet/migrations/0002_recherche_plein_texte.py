"""Recherche plein texte des fiches sur PostgreSQL : colonne générée `vecteur` (tsvector 'french') et index GIN.

La colonne dérive de `texte_recherche` (texte normalisé, sans accents) : 1re ligne (titre + mots-clés)
au poids A, 2e ligne (résumé + contenu) au poids C. Inconnue du modèle Django (jamais écrite par lui),
elle est tenue à jour par PostgreSQL à chaque écriture. Rien à faire sur SQLite (repli dans `recherche.py`).
"""

from django.db import migrations

CREER = """
ALTER TABLE bouquet_fiche ADD COLUMN vecteur tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('french'::regconfig, split_part(texte_recherche, E'\\n', 1)), 'A')
    || setweight(to_tsvector('french'::regconfig, split_part(texte_recherche, E'\\n', 2)), 'C')
) STORED;
CREATE INDEX fiche_vecteur_gin ON bouquet_fiche USING gin (vecteur);
"""

SUPPRIMER = """
DROP INDEX IF EXISTS fiche_vecteur_gin;
ALTER TABLE bouquet_fiche DROP COLUMN IF EXISTS vecteur;
"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREER)


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SUPPRIMER)


class Migration(migrations.Migration):
    dependencies = [("bouquet", "0001_fiches")]

    operations = [migrations.RunPython(creer, supprimer, elidable=False)]
