from django.apps import AppConfig


class TerritoiresConfig(AppConfig):
    name = "franceservices.territoires"
    label = "territoires"
    verbose_name = "Territoires"
