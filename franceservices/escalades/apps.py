from django.apps import AppConfig


class EscaladesConfig(AppConfig):
    name = "franceservices.escalades"
    label = "escalades"
    verbose_name = "Escalades aux back-offices des partenaires"
