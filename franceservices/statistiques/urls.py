from django.urls import path

from . import views, views_escalades, views_orientations, views_pilotes
from .views_pratiques import pratiques, pratiques_pdf

app_name = "statistiques"

urlpatterns = [
    path("statistiques/", views.tableau_de_bord_vue, name="tableau_de_bord"),
    path("statistiques/escalades/", views_escalades.escalades, name="escalades"),
    path("statistiques/orientations/", views_orientations.orientations, name="orientations"),
    path("statistiques/pilotes/<int:pk>/", views_pilotes.evaluation, name="pilote"),
    path("statistiques/pratiques/", pratiques, name="pratiques"),
    path("statistiques/pratiques/rapport.pdf", pratiques_pdf, name="pratiques_pdf"),
    path("donnees-ouvertes/activite/", views.donnees_ouvertes, name="donnees_ouvertes"),
    path(
        "donnees-ouvertes/activite/activite-mensuelle.csv",
        views.donnees_ouvertes_csv,
        name="donnees_ouvertes_csv",
    ),
]
