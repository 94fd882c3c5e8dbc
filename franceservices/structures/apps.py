from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "franceservices.structures"
    label = "structures"
    verbose_name = "Structures France services"
