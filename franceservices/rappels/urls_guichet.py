from django.urls import path

from . import views_guichet

app_name = "guichet"

urlpatterns = [
    path("", views_guichet.aide, name="aide"),
    path("resultat/", views_guichet.resultat, name="resultat"),
    path("choisir/", views_guichet.choisir, name="choisir"),
    path("widget/", views_guichet.widget, name="widget"),
    path("widget/resultat/", views_guichet.widget_resultat, name="widget_resultat"),
    path("integrer/", views_guichet.integrer, name="integrer"),
]
