from django.urls import path

from . import views

app_name = "droits"

urlpatterns = [
    path("", views.accueil, name="accueil"),
]
