from django.urls import path

from . import views

app_name = "mediation"

# Téléchargements publics du registre aux schémas d'échange (à inclure à la racine : path("", include(…))).
urlpatterns = [
    path(
        "donnees/lieux-mediation-numerique/france-services.csv",
        views.lieux_mediation_csv,
        name="export_lieux_mediation",
    ),
    path(
        "donnees/data-inclusion/structures.json",
        views.data_inclusion_structures,
        name="export_data_inclusion_structures",
    ),
    path(
        "donnees/data-inclusion/services.json",
        views.data_inclusion_services,
        name="export_data_inclusion_services",
    ),
]
