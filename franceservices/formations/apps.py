from django.apps import AppConfig


class FormationsConfig(AppConfig):
    name = "franceservices.formations"
    verbose_name = "Formation des agents"
