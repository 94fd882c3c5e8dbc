"""Documentation de l'API, tirée du schéma OpenAPI et rendue en HTML accessible (DSFR), sans ressource externe.

Remplace la page Swagger de django-ninja, qui charge ses scripts et feuilles de style depuis un CDN.
"""

import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

# Requêtes d'exemple, par chemin (relatif à la racine de l'API). Pour un chemin absent : ses paramètres
# obligatoires, avec l'exemple ou la valeur par défaut du schéma.
EXEMPLES = {
    "/communes": {"q": "st etienne", "limit": "5"},
    "/structures": {"departement": "53"},
    "/structures/proximite": {"commune": "53130", "limit": "3"},
}
EMPLACEMENTS = {"query": "requête", "path": "chemin", "header": "en-tête", "cookie": "cookie"}
TYPES = {"string": "texte", "integer": "entier", "number": "nombre", "boolean": "booléen", "object": "objet"}
FORMATS = {"date-time": "date et heure ISO 8601", "date": "date AAAA-MM-JJ", "time": "heure HH:MM"}


def _texte(description: str) -> str:
    """Paragraphes d'une description OpenAPI ; `code` en <code>."""
    paragraphes = [p.strip() for p in re.split(r"\n\s*\n", description or "") if p.strip()]
    html = "".join(
        "<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(" ".join(p.split()))) + "</p>"
        for p in paragraphes
    )
    return mark_safe(html)  # sûr : le texte de la description est échappé avant l'ajout des balises


def _nom_schema(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type(schema: dict, refs: set[str], nul_affiche: bool = True) -> list[dict]:
    """Le type, en morceaux de texte dont certains renvoient vers un schéma (« liste de <Commune> »).

    ``nul_affiche`` : « ou null » pour un champ de réponse ; pour un paramètre, null veut seulement dire
    qu'il est facultatif (colonne « Obligatoire »).
    """
    if "$ref" in schema:
        nom = _nom_schema(schema["$ref"])
        refs.add(nom)
        return [{"texte": nom, "ancre": f"schema-{nom}"}]
    variantes = schema.get("anyOf") or schema.get("oneOf")
    if variantes:
        morceaux, nul = [], False
        for variante in variantes:
            if variante.get("type") == "null":
                nul = True
                continue
            if morceaux:
                morceaux.append({"texte": " ou "})
            morceaux += _type(variante, refs)
        return [*morceaux, {"texte": " ou null"}] if nul and nul_affiche else morceaux
    genre = schema.get("type")
    if genre == "array":
        return [{"texte": "liste de "}, *_type(schema.get("items", {}), refs)]
    if genre == "object" and isinstance(schema.get("additionalProperties"), dict):
        return [{"texte": "objet : clé → "}, *_type(schema["additionalProperties"], refs)]
    if schema.get("format") in FORMATS:
        return [{"texte": FORMATS[schema["format"]]}]
    if "enum" in schema:
        return [{"texte": "une valeur parmi : " + ", ".join(str(v) for v in schema["enum"])}]
    return [{"texte": TYPES.get(genre, genre or "valeur")}]


def _bornes(mini, maxi, unite: str = "", egales_fusionnees: bool = False) -> str | None:
    """« de 1 à 50 », « au plus 100 caractères »… ou None sans borne."""
    if mini is not None and maxi is not None:
        if egales_fusionnees and mini == maxi:
            return f"{mini}{unite}"
        return f"de {mini} à {maxi}{unite}" if not unite else f"{mini} à {maxi}{unite}"
    if maxi is not None:
        return f"au plus {maxi}{unite}"
    if mini is not None:
        return f"au moins {mini}{unite}"
    return None


def _contraintes(schema: dict) -> list[str]:
    cas = [schema, *(v for v in schema.get("anyOf", []) if v.get("type") != "null")]
    resultat = []
    for s in cas:
        longueur = _bornes(s.get("minLength"), s.get("maxLength"), " caractères", egales_fusionnees=True)
        valeur = _bornes(s.get("minimum"), s.get("maximum"))
        resultat += [texte for texte in (longueur, valeur) if texte]
    defaut = schema.get("default")
    if isinstance(defaut, bool):
        resultat.append(f"par défaut : {'oui' if defaut else 'non'}")
    elif defaut not in (None, ""):
        resultat.append(f"par défaut : {defaut}")
    return resultat


def _exemple_valeur(parametre: dict):
    schema = parametre.get("schema", {})
    for source in (parametre, schema):
        if "example" in source:
            return source["example"]
        if source.get("examples"):
            exemples = source["examples"]
            return exemples[0] if isinstance(exemples, list) else next(iter(exemples.values())).get("value")
    return schema.get("default")


def _exemple(chemin_relatif: str, chemin: str, parametres: list[dict], valeurs_chemin: dict) -> str:
    url = chemin
    for p in parametres:
        if p["in"] == "path":
            valeur = valeurs_chemin.get(p["name"]) or _exemple_valeur(p)
            if valeur is not None:
                url = url.replace("{" + p["name"] + "}", str(valeur))
    requete = EXEMPLES.get(chemin_relatif)
    if requete is None:
        requete = {
            p["name"]: _exemple_valeur(p)
            for p in parametres
            if p["in"] == "query" and p.get("required") and _exemple_valeur(p) is not None
        }
    return url + ("?" + urlencode(requete) if requete else "")


def _champs(schema: dict, refs: set[str]) -> list[dict]:
    obligatoires = set(schema.get("required", []))
    return [
        {
            "nom": nom,
            "type": _type(propriete, refs),
            "obligatoire": nom in obligatoires,
            "description": propriete.get("description", ""),
            "contraintes": _contraintes(propriete),
        }
        for nom, propriete in schema.get("properties", {}).items()
    ]


def documenter(schema_openapi: dict, racine: str, valeurs_chemin: dict | None = None) -> dict:
    """Le contexte de la page : opérations (paramètres, exemple, réponses) et schémas des réponses."""
    operations, refs = [], set()
    for chemin, methodes in schema_openapi.get("paths", {}).items():
        chemin_relatif = "/" + chemin.removeprefix(racine).lstrip("/")
        for methode, op in methodes.items():
            parametres = op.get("parameters", [])
            reponses = []
            for code, reponse in op.get("responses", {}).items():
                contenu = reponse.get("content", {}).get("application/json", {})
                reponses.append(
                    {
                        "code": code,
                        "description": reponse.get("description", ""),
                        "type": _type(contenu["schema"], refs) if "schema" in contenu else [],
                    }
                )
            operations.append(
                {
                    "ancre": op.get("operationId") or re.sub(r"\W+", "-", f"{methode}{chemin}"),
                    "methode": methode.upper(),
                    "chemin": chemin,
                    "resume": op.get("summary") or chemin,
                    "description": _texte(op.get("description", "")),
                    "parametres": [
                        {
                            "nom": p["name"],
                            "emplacement": EMPLACEMENTS.get(p["in"], p["in"]),
                            "type": _type(p.get("schema", {}), set(), nul_affiche=False),
                            "obligatoire": p.get("required", False),
                            "description": p.get("description") or p.get("schema", {}).get("description", ""),
                            "contraintes": _contraintes(p.get("schema", {})),
                        }
                        for p in parametres
                    ],
                    "exemple": _exemple(chemin_relatif, chemin, parametres, valeurs_chemin or {})
                    if methode == "get"
                    else "",
                    # Route privée : jeton d'API personnel (schéma de sécurité Bearer).
                    "jeton": bool(op.get("security")),
                    "reponses": reponses,
                }
            )
    # Schémas des réponses, et ceux qu'ils référencent.
    composants = schema_openapi.get("components", {}).get("schemas", {})
    schemas, vus, a_voir = [], set(), sorted(refs)
    while a_voir:
        nom = a_voir.pop(0)
        if nom in vus or nom not in composants:
            continue
        vus.add(nom)
        nouveaux: set[str] = set()
        schemas.append(
            {
                "nom": nom,
                "ancre": f"schema-{nom}",
                "description": _texte(composants[nom].get("description", "")),
                "champs": _champs(composants[nom], nouveaux),
            }
        )
        a_voir += sorted(nouveaux - vus)
    info = schema_openapi.get("info", {})
    return {
        "titre_api": info.get("title", "API"),
        "version": info.get("version", ""),
        "description": _texte(info.get("description", "")),
        "operations": operations,
        "schemas": schemas,
    }


@login_not_required
@require_GET
def documentation_api(request):
    from config.api import api
    from franceservices.bouquet.api import demarches_publiques
    from franceservices.structures.models import Structure

    racine = reverse(f"{api.urls_namespace}:api-root")
    # Des identifiants qui existent : chaque exemple de la page répond vraiment.
    valeurs_chemin = {
        "id_fs": Structure.objects.order_by("id_fs").values_list("id_fs", flat=True).first(),
        "demarche_id": demarches_publiques().order_by("pk").values_list("pk", flat=True).first(),
    }
    contexte = documenter(api.get_openapi_schema(path_prefix=racine), racine, valeurs_chemin)
    contexte.update(
        titre="Documentation de l'API",
        racine_absolue=request.build_absolute_uri(racine),
        url_openapi=reverse(f"{api.urls_namespace}:openapi-json"),
        origine=request.build_absolute_uri("/").rstrip("/"),
    )
    return render(request, "ui/documentation_api.html", contexte)
