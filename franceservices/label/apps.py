from django.apps import AppConfig


class LabelConfig(AppConfig):
    name = "franceservices.label"
    verbose_name = "Labellisation et conformité"
