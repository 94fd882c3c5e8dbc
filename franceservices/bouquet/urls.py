from django.urls import path

from . import views

app_name = "bouquet"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("partenaires/<slug:code>/", views.partenaire, name="partenaire"),
    path("demarches/<int:pk>/modifier/", views.modifier_demarche, name="modifier_demarche"),
    path("fiches/", views.fiches, name="fiches"),
    path("fiches/nouvelle/", views.nouvelle_fiche, name="nouvelle_fiche"),
    path("fiches/<int:pk>/", views.fiche, name="fiche"),
    path("fiches/<int:pk>/modifier/", views.modifier_fiche, name="modifier_fiche"),
    path("fiches/<int:pk>/statut/", views.statut_fiche, name="statut_fiche"),
    path("fiches/<int:pk>/versions/", views.versions, name="versions"),
    path("fiches/<int:pk>/difference/", views.difference, name="difference"),
]
