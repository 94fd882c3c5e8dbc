from django.apps import AppConfig


class ActiviteConfig(AppConfig):
    name = "franceservices.activite"
    verbose_name = "Activité (demandes des usagers)"
