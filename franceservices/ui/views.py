from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def accessibilite(request):
    return render(request, "ui/accessibilite.html", {"titre": "Déclaration d'accessibilité"})


@login_not_required
@require_GET
def mentions_legales(request):
    return render(request, "ui/mentions_legales.html", {"titre": "Mentions légales et données personnelles"})
