"""Intergiciels (middleware) communs."""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE_CARACTERE_NUL = "La requête contient un caractère nul (%00), qui n'est pas autorisé."


class RefusCaracteresNuls:
    """Refuse (400) les requêtes dont le chemin ou les paramètres contiennent un caractère NUL.

    PostgreSQL n'accepte pas ce caractère dans une requête SQL : sans ce filtre, une adresse comme
    /france-services/%00/ ou /api/v1/structures?q=%00 provoquait une erreur 500 (SQLite, lui, l'accepte).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in cle or any("\x00" in valeur for valeur in valeurs)
            for cle, valeurs in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"message": MESSAGE_CARACTERE_NUL}, status=400)
            return HttpResponseBadRequest(MESSAGE_CARACTERE_NUL, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class MethodeNonAutoriseeEnJson:
    """Sous /api/, une méthode non autorisée (405) répond en JSON, comme les autres erreurs de l'API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        if reponse.status_code == 405 and request.path.startswith("/api/"):
            autorisees = reponse.headers.get("Allow", "GET")
            json = JsonResponse(
                {
                    "message": f"Méthode {request.method} non autorisée ici ; méthode(s) acceptée(s) : {autorisees}."
                },
                status=405,
            )
            json["Allow"] = autorisees
            return json
        return reponse
