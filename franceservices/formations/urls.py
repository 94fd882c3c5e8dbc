from django.urls import path

from . import views

app_name = "formations"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("sessions/<int:pk>/", views.session, name="session"),
    path("sessions/<int:pk>/inscrire/", views.inscrire, name="inscrire"),
    path("sessions/<int:pk>/groupe/", views.groupe, name="groupe"),
    path("mes-inscriptions/", views.mes_inscriptions, name="mes_inscriptions"),
    path("inscriptions/<int:pk>/annuler/", views.annuler, name="annuler"),
    path("approbations/", views.approbations, name="approbations"),
    path("inscriptions/<int:pk>/approuver/", views.approuver, name="approuver"),
    path("inscriptions/<int:pk>/refuser/", views.refuser_demande, name="refuser"),
]
