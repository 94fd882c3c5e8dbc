from django.apps import AppConfig


class BouquetConfig(AppConfig):
    name = "franceservices.bouquet"
    label = "bouquet"
    verbose_name = "Bouquet de services : catalogue et base de connaissances"
