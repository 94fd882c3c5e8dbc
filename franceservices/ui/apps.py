from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "franceservices.ui"
    label = "ui"
    verbose_name = "Interface"
