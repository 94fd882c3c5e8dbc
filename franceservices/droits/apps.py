from django.apps import AppConfig


class DroitsConfig(AppConfig):
    name = "franceservices.droits"
    verbose_name = "Estimation des droits (OpenFisca)"
