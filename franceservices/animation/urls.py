from django.urls import path

from . import views as v

app_name = "animation"

urlpatterns = [
    path("", v.index, name="index"),
    path("couverture/", v.couverture, name="couverture"),
    path("objectifs/nouveau/", v.objectif, name="objectif_nouveau"),
    path("objectifs/<int:pk>/", v.objectif, name="objectif"),
    path("grille/", v.grille, name="grille"),
    path("grille/<int:pk>/", v.grille, name="point"),
    path("departements/<str:code>/", v.departement, name="departement"),
    path("departements/<str:code>/visites/", v.visites_departement, name="visites_departement"),
    path("departements/<str:code>/visites/nouvelle/", v.nouvelle_visite, name="nouvelle_visite"),
    path("departements/<str:code>/actions/", v.actions_en_retard, name="actions_en_retard"),
    path("visites/", v.mes_visites, name="visites"),
    path("visites/<int:pk>/", v.visite, name="visite"),
    path("visites/<int:pk>/modifier/", v.modifier_visite, name="modifier_visite"),
    path("actions/<int:pk>/faite/", v.marquer_action, name="marquer_action"),
]
