from django.urls import path

from . import views

app_name = "reseau"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("evenements/", views.evenements, name="evenements"),
    path("evenements/nouveau/", views.nouvel_evenement, name="nouvel_evenement"),
    path("evenements/<int:pk>/", views.evenement, name="evenement"),
    path("evenements/<int:pk>/inscrire/", views.inscrire, name="inscrire"),
    path("evenements/<int:pk>/desinscrire/", views.desinscrire, name="desinscrire"),
    path("evenements/<int:pk>/modifier/", views.modifier_evenement, name="modifier_evenement"),
    path("evenements/<int:pk>/annuler/", views.annuler_evenement, name="annuler_evenement"),
    path("evenements/<int:pk>/presences/", views.presences, name="presences"),
    path("evenements/<int:pk>/compte-rendu/", views.compte_rendu, name="compte_rendu"),
    path("evenements/<int:pk>/participants.csv", views.export_participants, name="export_participants"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("actualites/", views.actualites, name="actualites"),
    path("actualites/nouvelle/", views.nouvelle_actualite, name="nouvelle_actualite"),
    path("actualites/<int:pk>/", views.actualite, name="actualite"),
    path("actualites/<int:pk>/retirer/", views.retirer_actualite, name="retirer_actualite"),
]
