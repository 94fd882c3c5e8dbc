from django.apps import AppConfig


class StatistiquesConfig(AppConfig):
    name = "franceservices.statistiques"
    verbose_name = "Statistiques (tableaux de bord, données ouvertes)"
