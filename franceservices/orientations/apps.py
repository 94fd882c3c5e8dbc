from django.apps import AppConfig


class OrientationsConfig(AppConfig):
    name = "franceservices.orientations"
    verbose_name = "Orientations entre France services et conseillers numériques"
