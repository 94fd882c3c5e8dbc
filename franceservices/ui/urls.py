from django.urls import path

from . import views

app_name = "ui"

urlpatterns = [
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("mentions-legales/", views.mentions_legales, name="mentions_legales"),
]
