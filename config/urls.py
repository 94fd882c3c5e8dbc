from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from franceservices.ui.documentation_api import documentation_api

from .api import api


def api_publique(urls):
    """L'API v1 est publique : chaque vue est exemptée de LoginRequiredMiddleware."""
    motifs, app_name, namespace = urls
    for motif in motifs:
        motif.callback = login_not_required(motif.callback)
    return motifs, app_name, namespace


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/docs/", documentation_api, name="documentation_api"),
    path("api/v1/", api_publique(api.urls)),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("", include("franceservices.comptes.urls")),
    path("", include("franceservices.core.urls")),
    path("", include("franceservices.ui.urls")),
    path("", include("franceservices.structures.urls")),
    path("activite/", include("franceservices.activite.urls")),
    path("bouquet/", include("franceservices.bouquet.urls")),
    path("escalades/", include("franceservices.escalades.urls")),
    path("partenaires/", include("franceservices.partenaires.urls")),
    path("rendez-vous/", include("franceservices.rendezvous.urls_publiques")),
    path("agenda/", include("franceservices.rendezvous.urls")),
    path("rappels/", include("franceservices.rappels.urls")),
    path("aide/", include("franceservices.rappels.urls_guichet")),
    path("formations/", include("franceservices.formations.urls")),
    path("formations/suivi/", include("franceservices.formations.urls_formateur")),
    path("formations/dossiers/", include("franceservices.formations.urls_dossiers")),
    path("attestations/", include("franceservices.formations.urls_publiques")),
    path("label/", include("franceservices.label.urls")),
    path("animation/", include("franceservices.animation.urls")),
    path("vie-du-reseau/", include("franceservices.reseau.urls")),
    path("couverture/", include("franceservices.couverture.urls")),
    path("orientations/", include("franceservices.orientations.urls")),
    path("droits/", include("franceservices.droits.urls")),
    path("", include("franceservices.mediation.urls")),
    path("", include("franceservices.statistiques.urls")),
]
