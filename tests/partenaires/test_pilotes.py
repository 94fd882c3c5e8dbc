"""Règles des pilotes : visibilité du partenaire (dates, périmètre par département ou par liste), formation
requise (`motif_refus`), pilotes visibles par rôle."""

from datetime import timedelta

import pytest
from django.utils import timezone

from franceservices.partenaires.models import Etat, FormationPilote, Partenaire, Pilote
from franceservices.partenaires.pilotes import agents_declarables, motif_refus, peut_proposer

pytestmark = pytest.mark.django_db


def codes(qs):
    return set(qs.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("qui", "voit"),
    [
        ("agent53", True),  # structure couverte par son département
        ("agent15", True),  # structure listée une à une
        ("agent15_hors", False),  # même département, structure non listée
        ("agent16", False),
        ("animateur53", True),
        ("animateur16", False),
        ("animateur15", True),  # une France services de son département est listée
        ("prefecture53", True),
        ("referent_bdf", True),
        ("referent_caf", False),
        ("nationale", True),
    ],
)
def test_proposes_a_selon_le_perimetre(monde, qui, voit):
    visibles = codes(Partenaire.objects.proposes_a(monde[qui]))
    assert ("bdf" in visibles) is voit
    assert {"cnaf", "dgfip"} <= visibles  # le socle reste visible de tous


@pytest.mark.parametrize(
    ("debut", "fin", "visible"),
    [(-30, None, True), (-30, 0, True), (1, None, False), (-30, -1, False), (0, 0, True)],
)
def test_proposes_a_selon_les_dates(monde, debut, fin, visible):
    jour = timezone.localdate()
    pilote = monde["pilote"]
    pilote.debut = jour + timedelta(days=debut)
    pilote.fin = None if fin is None else jour + timedelta(days=fin)
    pilote.save()
    assert ("bdf" in codes(Partenaire.objects.proposes_a(monde["agent53"]))) is visible
    assert ("bdf" in codes(Partenaire.objects.proposes_a_structure(monde["s53"]))) is visible
    assert ("bdf" in codes(Partenaire.objects.proposes_a_structure(monde["s15"]))) is visible
    attendu = Etat.EN_COURS if visible else (Etat.A_VENIR if debut > 0 else Etat.TERMINE)
    assert pilote.etat() == attendu


def test_proposes_a_structure_hors_perimetre(monde):
    assert "bdf" not in codes(Partenaire.objects.proposes_a_structure(monde["s15_hors"]))
    assert "bdf" not in codes(Partenaire.objects.proposes_a_structure(monde["s16"]))


def test_structures_couvertes(monde):
    couvertes = set(monde["pilote"].structures_couvertes().values_list("pk", flat=True))
    from franceservices.structures.models import Structure

    attendu = set(Structure.objects.filter(departement=monde["mayenne"]).values_list("pk", flat=True)) | {
        monde["s15"].pk
    }
    assert couvertes == attendu
    assert monde["pilote"].couvre(monde["s15"]) and not monde["pilote"].couvre(monde["s15_hors"])


def test_formation_requise(monde, bdf):
    agent, s53 = monde["agent53"], monde["s53"]
    assert "formé" in motif_refus(agent, bdf, s53)
    FormationPilote.objects.create(
        pilote=monde["pilote"], agent=agent, formee_le=timezone.localdate() + timedelta(1)
    )
    assert not peut_proposer(agent, bdf, s53)  # formation datée de demain : pas encore
    FormationPilote.objects.filter(agent=agent).update(formee_le=timezone.localdate())
    assert peut_proposer(agent, bdf, s53)
    assert "hors du périmètre" in motif_refus(agent, bdf, monde["s16"])


def test_sans_formation_requise(monde, bdf):
    monde["pilote"].formation_requise = False
    monde["pilote"].save()
    assert peut_proposer(monde["agent53"], bdf, monde["s53"])


def test_partenaire_du_socle_toujours_proposable(monde):
    caf = Partenaire.objects.get(code="cnaf")
    assert peut_proposer(monde["agent16"], caf, monde["s16"])


@pytest.mark.parametrize(
    ("qui", "voit"),
    [
        ("nationale", True),
        ("referent_bdf", True),
        ("referent_caf", False),
        ("animateur53", True),
        ("animateur15", True),  # une France services de son département est listée
        ("animateur16", False),
        ("prefecture53", True),
        ("agent53", True),
        ("agent15", True),
        ("agent15_hors", False),
        ("agent16", False),
    ],
)
def test_pilotes_visibles(monde, qui, voit):
    assert Pilote.objects.visible_par(monde[qui]).filter(pk=monde["pilote"].pk).exists() is voit


def test_agents_declarables(monde):
    pilote = monde["pilote"]
    assert set(agents_declarables(monde["responsable53"], pilote)) == {
        monde["responsable53"],
        monde["agent53"],
    }
    animateur15 = set(agents_declarables(monde["animateur15"], pilote))
    assert monde["agent15"] in animateur15 and monde["agent15_hors"] not in animateur15
    assert not agents_declarables(monde["responsable15_hors"], pilote).exists()
    assert not agents_declarables(monde["agent53"], pilote).exists()
    assert not agents_declarables(monde["referent_bdf"], pilote).exists()
    nationaux = set(agents_declarables(monde["nationale"], pilote))
    assert {monde["agent53"], monde["agent15"]} <= nationaux and monde["agent16"] not in nationaux
