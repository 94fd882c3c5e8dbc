from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "franceservices.comptes"
    label = "comptes"
    verbose_name = "Comptes"
