from django.urls import path

from . import views

app_name = "escalades"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouvelle/", views.ouvrir, name="ouvrir"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/statut/", views.statut, name="statut"),
    path("pieces/<int:pk>/", views.piece, name="piece"),
]
