"""Estimation des droits : questionnaire guidé (sans JavaScript) → estimation par le simulateur OpenFisca.

Rien n'est enregistré par défaut ; avec l'accord de l'usager, une trace anonymisée (`enregistrement`). Le
simulateur en panne donne une page claire (503), jamais une erreur 500 ; le reste du site n'en dépend pas.
Accès : agents et responsables de France services, équipe nationale.
"""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser

from . import client, estimation
from .enregistrement import enregistrer_anonymement
from .forms import QuestionnaireForm

SANS_ACCES = "L'estimation des droits est réservée aux agents et responsables des France services et à l'équipe nationale."
INDISPONIBLE = (
    "Le simulateur ne répond pas pour le moment. Réessayez dans quelques minutes, ou utilisez le simulateur "
    "officiel mes-aides.gouv.fr avec l'usager."
)
LIEN_MES_AIDES = "https://mes-aides.gouv.fr"


def a_acces(user) -> bool:
    perimetre = perimetre_de(user)
    return perimetre.national or perimetre.saisit_des_demandes


@require_http_methods(["GET", "POST"])
def accueil(request):
    if not a_acces(request.user):
        return refuser(request, "Estimation des droits", SANS_ACCES)
    form = QuestionnaireForm(request.POST or None)
    contexte = {"form": form, "titre": "Estimation des droits", "lien_mes_aides": LIEN_MES_AIDES}
    if request.method != "POST" or not form.is_valid():
        return render(request, "droits/questionnaire.html", contexte)
    q = form.questionnaire()
    mois = estimation.mois_de_reference()
    try:
        valeurs = estimation.estimer_montants(q, mois)
    except client.SimulateurIndisponible:
        contexte["indisponible"] = INDISPONIBLE
        return render(request, "droits/questionnaire.html", contexte, status=503)
    except client.ErreurSimulateur as exc:
        contexte["erreur_modele"] = str(exc)
        return render(request, "droits/questionnaire.html", contexte)
    aides = estimation.enrichir(valeurs)
    enregistree = None
    if form.cleaned_data.get("consentement"):
        enregistree = enregistrer_anonymement(request, q, valeurs, form.cleaned_data.get("departement"))
    contexte.update(
        titre="Estimation des droits : résultat",
        aides=aides,
        mois=mois,
        total_mensuel=round(sum(a.mensuel for a in aides), 2),
        enregistree=enregistree,
        questionnaire=q,
    )
    return render(request, "droits/resultat.html", contexte)
