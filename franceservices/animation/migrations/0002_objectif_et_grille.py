"""Valeurs de départ : l'objectif 2023 du programme (« plus des deux tiers » des départements dotés d'un
animateur) et une grille de visite (modifiables ensuite par l'équipe nationale)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

OBJECTIF = {
    "libelle": "Plus des deux tiers des départements dotés d'un animateur",
    "part_cible": Decimal("66.67"),
    "strictement_superieure": True,
    "echeance": date(2023, 12, 31),
    "source": "Objectif 2023 du programme France services (73 départements dotés en juin 2023)",
}

GRILLE = [
    ("Les horaires affichés correspondent aux horaires publiés", ""),
    ("Au moins deux agents formés sont présents pendant les heures d'ouverture", ""),
    ("Un espace confidentiel permet de recevoir les usagers", ""),
    ("Les postes informatiques en libre accès fonctionnent", "Poste, imprimante, scanner"),
    ("La signalétique France services est visible depuis la rue", ""),
    ("Les agents connaissent leurs référents chez les partenaires", "Escalades, contacts"),
    ("L'activité est saisie au fil de l'eau", ""),
]


def creer(apps, schema_editor):
    ObjectifCouverture = apps.get_model("animation", "ObjectifCouverture")
    PointControle = apps.get_model("animation", "PointControle")
    if not ObjectifCouverture.objects.exists():
        ObjectifCouverture.objects.create(**OBJECTIF)
    if not PointControle.objects.exists():
        PointControle.objects.bulk_create(
            [PointControle(libelle=libelle, aide=aide, ordre=10 * (i + 1)) for i, (libelle, aide) in enumerate(GRILLE)]
        )


def retirer(apps, schema_editor):
    apps.get_model("animation", "ObjectifCouverture").objects.filter(libelle=OBJECTIF["libelle"]).delete()
    apps.get_model("animation", "PointControle").objects.filter(libelle__in=[g[0] for g in GRILLE]).delete()


class Migration(migrations.Migration):
    dependencies = [("animation", "0001_initial")]

    operations = [migrations.RunPython(creer, retirer)]
