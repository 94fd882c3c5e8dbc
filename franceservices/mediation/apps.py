from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "franceservices.mediation"
    label = "mediation"
    verbose_name = "Médiation numérique"
