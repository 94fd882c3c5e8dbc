from django.apps import AppConfig


class PartenairesConfig(AppConfig):
    name = "franceservices.partenaires"
    label = "partenaires"
    verbose_name = "Partenaires"
