from django.urls import path

from . import views, views_gestion

app_name = "structures"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("recherche/", views.recherche, name="recherche"),
    path("france-services/<str:id_fs>/", views.detail, name="detail"),
    path("carte/departement/<str:code>.geojson", views.contour_departement, name="contour_departement"),
    path("sante/", views.sante, name="sante"),
    # Gestion des fiches par leur équipe (responsable, animateur, équipe nationale)
    path("gestion/structures/", views_gestion.liste, name="gestion"),
    path("gestion/structures/<int:pk>/", views_gestion.modifier, name="modifier"),
    path("gestion/structures/<int:pk>/historique/", views_gestion.historique, name="historique"),
]
