from django.urls import path

from . import views as v

app_name = "label"

urlpatterns = [
    path("", v.index, name="index"),
    path("departement/<str:code>/", v.departement, name="departement"),
    path("departement/<str:code>/export.csv", v.export_departement, name="export_departement"),
    path("structure/<int:pk>/", v.structure, name="structure"),
    path("structure/<int:pk>/etape/", v.transition, name="transition"),
    path("structure/<int:pk>/constat/", v.constat, name="constat"),
    path("criteres/", v.criteres, name="criteres"),
    path("criteres/nouveau/", v.critere_nouveau, name="critere_nouveau"),
    path("criteres/<int:pk>/", v.critere_modifier, name="critere"),
    path("criteres/<int:pk>/basculer/", v.critere_basculer, name="critere_basculer"),
]
