from django.apps import AppConfig


class ReseauConfig(AppConfig):
    name = "franceservices.reseau"
    verbose_name = "Vie du réseau (événements, actualités)"
