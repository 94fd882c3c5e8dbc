from django.urls import path

from . import views

app_name = "partenaires"

urlpatterns = [
    path("pilotes/", views.liste, name="pilotes"),
    path("pilotes/nouveau/", views.editer, name="pilote_nouveau"),
    path("pilotes/<int:pk>/", views.fiche, name="pilote"),
    path("pilotes/<int:pk>/modifier/", views.editer, name="pilote_modifier"),
    path("pilotes/<int:pk>/formations/", views.declarer, name="pilote_declarer"),
    path("pilotes/<int:pk>/formations/<int:formation_pk>/retirer/", views.retirer, name="pilote_retirer"),
]
