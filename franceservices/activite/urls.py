from django.urls import path

from . import views, views_appel, views_import

app_name = "activite"

urlpatterns = [
    path("saisie/", views.saisie, name="saisie"),
    path("appel/", views_appel.appel, name="appel"),
    path("favoris/", views.favori, name="favori"),
    path("demandes/", views.demandes, name="demandes"),
    path("demandes/<int:pk>/", views.demande, name="demande"),
    path("demandes/<int:pk>/corriger/", views.corriger, name="corriger"),
    path("demandes/<int:pk>/annuler/", views.annuler, name="annuler"),
    path("import/", views_import.importer_historique, name="import"),
]
