from django.urls import path

from . import views_formateur as vues

app_name = "formations_suivi"

urlpatterns = [
    path("", vues.sessions, name="sessions"),
    path("session/<int:pk>/", vues.presence, name="presence"),
    path("session/<int:pk>/inscription/<int:inscription_pk>/", vues.noter, name="noter"),
    path("session/<int:pk>/emargement.pdf", vues.emargement, name="emargement"),
    path("import/", vues.importer, name="importer"),
    path("attestations/", vues.mes_attestations, name="mes_attestations"),
    path("attestation/<int:pk>.pdf", vues.attestation, name="attestation"),
]
