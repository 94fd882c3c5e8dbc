"""URLconf des benchmarks : celle du projet, plus une vue JSON triviale (le plafond de débit)."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as urlpatterns_projet


@login_not_required
def triviale(request):
    return JsonResponse({"statut": "ok"})


urlpatterns = [path("bench/triviale/", triviale), *urlpatterns_projet]
