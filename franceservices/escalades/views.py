"""Escalades : ouverture par un agent, boîte des référents, fiche et fil partagé, pièces jointes."""

from django.http import Http404


def liste(request):
    raise Http404("Page en préparation.")


def ouvrir(request):
    raise Http404("Page en préparation.")


def detail(request, pk):
    raise Http404("Page en préparation.")


def statut(request, pk):
    raise Http404("Page en préparation.")


def piece(request, pk):
    raise Http404("Page en préparation.")
