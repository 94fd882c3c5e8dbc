from django.urls import path

from . import views

app_name = "couverture"

urlpatterns = [
    path("", views.index, name="index"),
    path("zones-blanches/", views.zones_blanches, name="zones_blanches"),
    path("departements/<str:code>/", views.departement, name="departement"),
    path("departements/<str:code>/placement/", views.placement_departement, name="placement"),
]
