"""Données : la liste de départ des critères du label (voir `franceservices.label.depart`)."""

from django.db import migrations

from franceservices.label.depart import charger

ORIGINE = "Liste de départ du projet, à compléter par l'équipe nationale"


def creer(apps, schema_editor):
    charger(apps.get_model("label", "Critere"), ORIGINE)


def effacer(apps, schema_editor):
    apps.get_model("label", "Critere").objects.filter(origine=ORIGINE, constats__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("label", "0001_initial")]

    operations = [migrations.RunPython(creer, effacer)]
