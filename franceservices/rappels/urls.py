from django.urls import path

from . import views

app_name = "rappels"

urlpatterns = [
    path("", views.file, name="file"),
    path("demander/", views.demander_public, name="demander_public"),
    path("demander/confirmation/", views.confirmation, name="confirmation"),
    path("nouveau/", views.nouveau, name="nouveau"),
    path("indicateurs/", views.indicateurs, name="indicateurs"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attribuer/", views.attribuer, name="attribuer"),
    path("<int:pk>/tentative/", views.tentative, name="tentative"),
    path("<int:pk>/clore/", views.clore, name="clore"),
]
