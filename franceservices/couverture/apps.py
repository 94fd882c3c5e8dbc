from django.apps import AppConfig


class CouvertureConfig(AppConfig):
    name = "franceservices.couverture"
    verbose_name = "Couverture du territoire"
