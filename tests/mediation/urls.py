"""Les routes du projet plus les téléchargements de `mediation` (tant qu'ils ne sont pas dans config/urls.py)."""

from django.urls import include, path

from config.urls import urlpatterns as projet

urlpatterns = [*projet, path("", include("franceservices.mediation.urls"))]
