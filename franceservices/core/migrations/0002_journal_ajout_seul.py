"""Sur PostgreSQL, la base elle-même refuse UPDATE et DELETE sur le journal d'audit."""

from django.db import migrations

CREER = """
CREATE OR REPLACE FUNCTION core_evenementaudit_ajout_seul() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Le journal d''audit est en ajout seul (%).', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_evenementaudit_ajout_seul
    BEFORE UPDATE OR DELETE ON core_evenementaudit
    FOR EACH ROW EXECUTE FUNCTION core_evenementaudit_ajout_seul();
"""
SUPPRIMER = """
DROP TRIGGER IF EXISTS core_evenementaudit_ajout_seul ON core_evenementaudit;
DROP FUNCTION IF EXISTS core_evenementaudit_ajout_seul();
"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREER, params=None)


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SUPPRIMER, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_journal_audit")]

    operations = [migrations.RunPython(creer, supprimer)]
