"""Demandes de test construites sur le vrai référentiel (France services, partenaires, communes)."""

import random
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from franceservices.activite.actions import enregistrer
from franceservices.activite.models import (
    DUREES,
    Autonomie,
    Canal,
    Demande,
    Demarche,
    Issue,
    Niveau,
    Origine,
    Sexe,
    Theme,
    TrancheAge,
)
from franceservices.partenaires.models import Partenaire
from franceservices.territoires.models import Commune

PARIS = ZoneInfo("Europe/Paris")


def demande(structure, agent=None, **champs) -> Demande:
    """Une demande non enregistrée, valeurs simples par défaut (à passer à `enregistrer`)."""
    if "partenaire" not in champs and "partenaire_autre" not in champs:
        champs["partenaire"] = Partenaire.objects.get(code="cnaf")
    valeurs = {
        "cle_client": uuid.uuid4(),
        "structure": structure,
        "agent": agent,
        "date_heure": datetime(2026, 10, 15, 10, 30, tzinfo=PARIS),
        "canal": Canal.ACCUEIL_PHYSIQUE,
        "theme": Theme.SOCIAL_SANTE,
        "niveau": Niveau.ACCOMPAGNEMENT,
        "issue": Issue.FINALISEE,
        "duree": 15,
    } | champs
    return Demande(**valeurs)


def demande_au_hasard(
    aleas: random.Random, structures, agent=None, debut=datetime(2026, 1, 1, tzinfo=PARIS), jours=365
):
    """Une demande aux valeurs tirées au hasard (tests de propriétés : agrégats = lignes brutes)."""
    partenaires = list(Partenaire.objects.all())
    demarches = list(Demarche.objects.all()[:20])
    communes = list(Commune.objects.filter(departement__code="16")[:30])
    partenaire = aleas.choice([*partenaires, None])
    demarche = aleas.choice(
        [d for d in demarches if partenaire and d.partenaire_id == partenaire.pk] or [None]
    )
    return Demande(
        cle_client=uuid.uuid4(),
        structure=aleas.choice(structures),
        agent=agent,
        date_heure=debut + timedelta(minutes=aleas.randrange(jours * 24 * 60)),
        canal=aleas.choice(Canal.values),
        partenaire=partenaire,
        partenaire_autre="" if partenaire else "Mission locale",
        theme=aleas.choice(Theme.values),
        demarche=demarche,
        niveau=aleas.choice(Niveau.values),
        issue=aleas.choice(Issue.values),
        duree=aleas.choice(DUREES),
        tranche_age=aleas.choice(["", *TrancheAge.values]),
        sexe=aleas.choice(["", *Sexe.values]),
        commune=aleas.choice([None, *communes]),
        premiere_visite=aleas.choice([None, True, False]),
        autonomie=aleas.choice(["", *Autonomie.values]),
        origine=aleas.choice([Origine.SAISIE, Origine.SYNTHETIQUE]),
    )


def enregistrer_une(structure, agent=None, **champs) -> Demande:
    return enregistrer([demande(structure, agent, **champs)]).creees[0]
