from django.apps import AppConfig


class AnimationConfig(AppConfig):
    name = "franceservices.animation"
    verbose_name = "Animation du réseau départemental"
