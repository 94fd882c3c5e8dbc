"""Page « accès réservé » commune : ce que la page demande, et le périmètre de la personne en une phrase."""

from django.shortcuts import render

from .perimetre import perimetre_de


def refuser(request, titre: str, message: str, status: int = 403):
    return render(
        request,
        "comptes/refus.html",
        {"titre": titre, "message": message, "explication": perimetre_de(request.user).explication()},
        status=status,
    )
