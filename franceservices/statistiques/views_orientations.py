"""Page des chiffres du guichet unique (décisions d'orientation anonymes), bornée par le périmètre."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from franceservices.comptes.perimetre import perimetre_de

from . import orientations as chiffres
from .views_escalades import periode_demandee


def orientations(request):
    perimetre = perimetre_de(request.user)
    filtre = chiffres.filtre_perimetre(perimetre)
    if filtre is None:
        raise Http404("Aucun chiffre d'orientation dans votre périmètre.")
    aujourdhui = timezone.localdate()
    periode, erreur = periode_demandee(request, aujourdhui)
    pas = request.GET.get("pas", "mois")
    if pas not in chiffres.PAS:
        pas = "mois"
    resultat = chiffres.calculer(filtre, periode, pas=pas)
    return render(
        request,
        "statistiques/orientations.html",
        {
            "titre": "Chiffres du guichet « J'ai besoin d'aide pour… »",
            "c": resultat,
            "erreur": erreur,
            "explication": perimetre.explication(),
            "du": f"{periode.du:%Y-%m}",
            "au": f"{periode.au:%Y-%m}",
            "mois_max": f"{aujourdhui:%Y-%m}",
            "pas_possibles": list(chiffres.PAS.items()),
            "entetes": [o.label for o in chiffres.ORIENTATIONS],
            "tableaux": [
                ("themes", "Par thème", "Thème", resultat.themes),
                ("partenaires", "Par organisme", "Organisme", resultat.partenaires),
                ("departements", "Par département", "Département", resultat.departements),
                ("evolution", chiffres.PAS[pas], "Période", resultat.evolution),
            ],
        },
    )
