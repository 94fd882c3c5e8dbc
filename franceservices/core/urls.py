from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("journal/", views.journal, name="journal"),
    path("journal/export.csv", views.journal_export, name="journal_export"),
]
