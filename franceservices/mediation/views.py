"""Téléchargements publics : le registre des France services aux schémas d'échange publiés.

Données publiques (celles des fiches publiques), sous Licence Ouverte ; pour que d'autres cartes publiques
(cartographie nationale de la médiation numérique, data·inclusion) les réutilisent.
"""

import csv
import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from franceservices.core.exports import Echo, neutraliser
from franceservices.core.limitation import limiter_debit
from franceservices.structures.exports_schemas import (
    lignes_lieux_mediation,
    services_data_inclusion,
    structures_data_inclusion,
)

from .schemas import COLONNES_LIEUX

# Le téléphone est vérifié contre le motif du schéma (« +33… ») : il n'est pas neutralisé, sinon il ne
# serait plus conforme ; toute autre cellule texte l'est (formule dans un tableur).
NON_NEUTRALISES = {"telephone"}


@login_not_required
@require_GET
@limiter_debit("api", methodes=("GET",))
@cache_control(public=True, max_age=3600)
def lieux_mediation_csv(request):
    redacteur = csv.writer(Echo())

    def lignes():
        yield redacteur.writerow(COLONNES_LIEUX)
        for ligne in lignes_lieux_mediation():
            yield redacteur.writerow(
                [v if c in NON_NEUTRALISES else neutraliser(v) for c, v in ligne.items()]
            )

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = 'attachment; filename="france-services-lieux-mediation-numerique.csv"'
    return reponse


def _json(donnees, nom_fichier):
    reponse = HttpResponse(
        json.dumps(list(donnees), ensure_ascii=False, separators=(",", ":")),
        content_type="application/json; charset=utf-8",
    )
    reponse["Content-Disposition"] = f'inline; filename="{nom_fichier}"'
    return reponse


@login_not_required
@require_GET
@limiter_debit("api", methodes=("GET",))
@cache_control(public=True, max_age=3600)
def data_inclusion_structures(request):
    return _json(
        structures_data_inclusion(base_url=request.build_absolute_uri("/").rstrip("/")),
        "france-services-data-inclusion-structures.json",
    )


@login_not_required
@require_GET
@limiter_debit("api", methodes=("GET",))
@cache_control(public=True, max_age=3600)
def data_inclusion_services(request):
    return _json(services_data_inclusion(), "france-services-data-inclusion-services.json")
