from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.jour, name="jour"),
    path("semaine/", views.semaine, name="semaine"),
    path("nouveau/", views.nouveau, name="nouveau"),
    path("<int:pk>/venue/", views.venue, name="venue"),
    path("<int:pk>/absence/", views.absence, name="absence"),
    path("<int:pk>/annuler/", views.annuler, name="annuler"),
    path("<int:pk>/demandes/", views.demandes, name="demandes"),
    path("parametres/", views.parametres, name="parametres"),
    path("parametres/<slug:sorte>/nouveau/", views.element, name="ajouter"),
    path("parametres/<slug:sorte>/<int:pk>/", views.element, name="modifier"),
    path("parametres/<slug:sorte>/<int:pk>/supprimer/", views.supprimer, name="supprimer"),
]
