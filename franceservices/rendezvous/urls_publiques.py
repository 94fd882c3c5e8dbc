"""Prise de rendez-vous publique, sans compte (`/rendez-vous/`).

Contrat utilisé par le guichet unique : `rdv:structure` avec `?partenaire=<code>` (et, facultatifs,
`type=<id>`, `arret=<id>`, `semaine=<AAAA-MM-JJ>`)."""

from django.urls import path

from . import views_publiques as vues

app_name = "rdv"

urlpatterns = [
    path("", vues.accueil, name="accueil"),
    path("france-services/<int:structure_id>/", vues.structure, name="structure"),
    path("france-services/<int:structure_id>/reserver/", vues.reserver, name="reserver"),
    path("<int:pk>/<str:jeton>/", vues.gerer, name="gerer"),
    path("<int:pk>/<str:jeton>/annuler/", vues.annuler, name="annuler"),
    path("<int:pk>/<str:jeton>/deplacer/", vues.deplacer, name="deplacer"),
    path("<int:pk>/<str:jeton>/agenda.ics", vues.agenda_ics, name="ics"),
]
