from django.apps import AppConfig


class RappelsConfig(AppConfig):
    name = "franceservices.rappels"
    label = "rappels"
    verbose_name = "Rappels téléphoniques et guichet unique"
