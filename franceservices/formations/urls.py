from django.urls import path

from . import views, views_gestion

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
    path("gestion/", views_gestion.gestion, name="gestion"),
    path("gestion/sessions/nouvelle/", views_gestion.nouvelle_session, name="gestion_nouvelle_session"),
    path(
        "gestion/sessions/<int:pk>/modifier/", views_gestion.modifier_session, name="gestion_modifier_session"
    ),
    path("gestion/sessions/<int:pk>/annuler/", views_gestion.annuler_session, name="gestion_annuler_session"),
    path("gestion/modules/", views_gestion.modules, name="gestion_modules"),
    path("gestion/modules/nouveau/", views_gestion.nouveau_module, name="gestion_nouveau_module"),
    path("gestion/modules/<int:pk>/modifier/", views_gestion.modifier_module, name="gestion_modifier_module"),
    path("gestion/modules/<int:pk>/basculer/", views_gestion.basculer_module, name="gestion_basculer_module"),
]
