from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "franceservices.core"
    label = "core"
    verbose_name = "Socle"
