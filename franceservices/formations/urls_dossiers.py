from django.urls import path

from . import views_dossiers as v

app_name = "formations_dossiers"

urlpatterns = [
    path("", v.index, name="index"),
    path("moi/", v.moi, name="moi"),
    path("agent/<int:pk>/", v.agent, name="agent"),
    path("structure/<int:pk>/", v.structure, name="structure"),
    path("departement/<str:code>/", v.departement, name="departement"),
    path("avis/", v.resultats_avis, name="avis"),
    path("avis/<int:inscription_pk>/", v.donner_avis, name="donner_avis"),
]
