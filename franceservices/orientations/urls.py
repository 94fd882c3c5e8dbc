from django.urls import path

from . import views

app_name = "orientations"

urlpatterns = [
    path("", views.boite, name="boite"),
    path("orienter/", views.orienter, name="orienter"),
    path("diagnostic/", views.diagnostic_page, name="diagnostic"),
    path("statistiques/", views.statistiques_page, name="statistiques"),
    path("<int:pk>/", views.fiche, name="fiche"),
    path("<int:pk>/etat/", views.changer_etat, name="changer_etat"),
]
