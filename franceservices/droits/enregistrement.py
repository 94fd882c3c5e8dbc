"""Enregistrement anonymisé d'une estimation, seulement avec l'accord de l'usager (+ audit)."""

from django.db import transaction

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import EstimationAnonyme
from .situation import Questionnaire


def tranche_age(age: int) -> str:
    for borne, libelle in ((25, "16-24"), (35, "25-34"), (50, "35-49"), (65, "50-64")):
        if age < borne:
            return libelle
    return "65+"


def tranche_revenus(total: float) -> str:
    for borne, libelle in (
        (1, "0"),
        (1000, "1-999"),
        (2000, "1000-1999"),
        (3000, "2000-2999"),
        (4500, "3000-4499"),
    ):
        if total < borne:
            return libelle
    return "4500+"


def arrondi(valeur: float) -> int:
    return round(valeur / 10.0) * 10


@transaction.atomic
def enregistrer_anonymement(request, q: Questionnaire, valeurs: dict, departement) -> EstimationAnonyme:
    montants = {variable: arrondi(mensuel) for variable, (mensuel, _) in valeurs.items() if mensuel > 0}
    estimation = EstimationAnonyme.objects.create(
        departement=departement,
        en_couple=q.en_couple,
        nb_enfants=len(q.ages_enfants),
        tranche_age=tranche_age(q.age),
        tranche_revenus=tranche_revenus(q.salaire_brut + q.salaire_brut_conjoint),
        logement=q.logement,
        zone=q.zone,
        montants=montants,
        total_mensuel=arrondi(sum(mensuel for mensuel, _ in valeurs.values())),
    )
    journaliser(
        Evenement.ESTIMATION_DROITS,
        request=request,
        cible=estimation,
        details={"departement": departement.code if departement else "", "aides": sorted(montants)},
    )
    return estimation
