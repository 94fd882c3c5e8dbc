from django.urls import path

from . import views

app_name = "activite"

urlpatterns = [
    path("saisie/", views.saisie, name="saisie"),
    path("favoris/", views.favori, name="favori"),
    path("demandes/", views.demandes, name="demandes"),
    path("demandes/<int:pk>/", views.demande, name="demande"),
    path("demandes/<int:pk>/corriger/", views.corriger, name="corriger"),
    path("demandes/<int:pk>/annuler/", views.annuler, name="annuler"),
]
