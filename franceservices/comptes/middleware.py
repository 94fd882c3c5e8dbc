from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

CLE_SESSION = "double_facteur_verifie"


class DoubleFacteurMiddleware:
    """Tant que le second facteur exigé n'est pas vérifié, seules ses pages et la déconnexion répondent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        utilisateur = request.user
        if (
            utilisateur.is_authenticated
            and not request.session.get(CLE_SESSION)
            and utilisateur.doit_avoir_double_facteur
            and not self.autorise(request.path)
        ):
            return redirect(
                f"{reverse('comptes:double_facteur')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)

    @staticmethod
    def autorise(chemin: str) -> bool:
        libres = (
            reverse("comptes:double_facteur"),
            reverse("comptes:deconnexion"),
            "/static/",
            "/api/",
        )
        return chemin.startswith(libres)
