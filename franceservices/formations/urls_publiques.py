from django.urls import path

from . import views_publiques

app_name = "attestations"

urlpatterns = [
    path("", views_publiques.formulaire, name="formulaire"),
    path("<str:code>/", views_publiques.verifier, name="verifier"),
]
