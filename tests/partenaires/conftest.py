"""Un monde de test pour les pilotes : la Banque de France en pilote sur la Mayenne (53) et une France services
listée une à une dans le Cantal ; des personnes de chaque rôle dedans et dehors."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.partenaires.models import Partenaire, Pilote
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne


@pytest.fixture
def bdf():
    return Partenaire.objects.get(code="bdf")


@pytest.fixture
def monde(bdf):
    mayenne = Departement.objects.get(code="53")
    cantal = Departement.objects.get(code="15")
    charente = Departement.objects.get(code="16")
    s53 = Structure.objects.filter(departement=mayenne).order_by("pk").first()
    s15, s15_hors = Structure.objects.filter(departement=cantal).order_by("pk")[:2]
    s16 = Structure.objects.filter(departement=charente).order_by("pk").first()
    pilote = Pilote.objects.create(
        partenaire=bdf,
        nom="BdF test",
        debut=timezone.localdate() - timedelta(days=30),
        formation_requise=True,
    )
    pilote.departements.set([mayenne])
    pilote.structures.set([s15])
    m = {
        "pilote": pilote,
        "mayenne": mayenne,
        "cantal": cantal,
        "charente": charente,
        "s53": s53,
        "s15": s15,
        "s15_hors": s15_hors,
        "s16": s16,
        "nationale": personne(Role.EQUIPE_NATIONALE),
        "referent_bdf": personne(Role.REFERENT_PARTENAIRE, partenaire=bdf, departement=None),
        "referent_caf": personne(
            Role.REFERENT_PARTENAIRE, partenaire=Partenaire.objects.get(code="cnaf"), departement=mayenne
        ),
        "animateur53": personne(Role.ANIMATEUR, departement=mayenne),
        "animateur16": personne(Role.ANIMATEUR, departement=charente),
        "animateur15": personne(Role.ANIMATEUR, departement=cantal),
        "prefecture53": personne(Role.COORDINATEUR_PREFECTURE, departement=mayenne),
        "responsable53": personne(Role.RESPONSABLE, structure=s53),
        "agent53": personne(Role.AGENT, structure=s53),
        "agent15": personne(Role.AGENT, structure=s15),
        "agent15_hors": personne(Role.AGENT, structure=s15_hors),
        "responsable15_hors": personne(Role.RESPONSABLE, structure=s15_hors),
        "agent16": personne(Role.AGENT, structure=s16),
        "responsable16": personne(Role.RESPONSABLE, structure=s16),
    }
    return m


JOUR = date(2026, 10, 15)
