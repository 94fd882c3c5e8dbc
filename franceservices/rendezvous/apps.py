from django.apps import AppConfig


class RendezvousConfig(AppConfig):
    name = "franceservices.rendezvous"
    label = "rendezvous"
    verbose_name = "Rendez-vous"
