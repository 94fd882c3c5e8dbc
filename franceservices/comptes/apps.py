from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "franceservices.comptes"
    label = "comptes"
    verbose_name = "Comptes et habilitations"

    def ready(self):
        from . import signals  # noqa: F401
