from django.urls import path

from . import views

app_name = "structures"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("recherche/", views.recherche, name="recherche"),
    path("france-services/<str:id_fs>/", views.detail, name="detail"),
    path("carte/departement/<str:code>.geojson", views.contour_departement, name="contour_departement"),
    path("sante/", views.sante, name="sante"),
]
