import random
from datetime import date

import pytest

from franceservices.activite import actions, agregats
from franceservices.activite.models import Agregat, AgregatDepartement, Demande, Dimension
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from .fabriques import demande, demande_au_hasard, enregistrer_une

pytestmark = pytest.mark.django_db

TOUTE_L_ANNEE = (date(2025, 1, 1), date(2027, 12, 1))


@pytest.fixture
def charente():
    return list(Structure.objects.filter(departement__code="16").order_by("id_fs")[:4])


def total(modele, **filtres):
    return sum(modele.objects.filter(dimension=Dimension.TOTAL, **filtres).values_list("nombre", flat=True))


def test_une_demande_alimente_chaque_dimension_aux_deux_niveaux(charente):
    d = enregistrer_une(charente[0], duree=30)
    assert d.jour == date(2026, 10, 15) and d.mois == date(2026, 10, 1)
    lignes = Agregat.objects.filter(structure=charente[0])
    assert {a.dimension for a in lignes} == set(Dimension.values)
    assert all(a.nombre == 1 and a.duree == 30 for a in lignes)
    assert total(AgregatDepartement, departement=charente[0].departement) == 1
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_soumission_rejouee_enregistree_une_fois(charente):
    premiere = demande(charente[0])
    actions.enregistrer([premiere])
    rejouee = demande(charente[0], cle_client=premiere.cle_client, duree=90)
    resultat = actions.enregistrer([rejouee])
    assert resultat.creees == [] and len(resultat.deja_enregistrees) == 1
    assert Demande.objects.count() == 1
    assert total(Agregat) == 1
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_correction_deplace_la_contribution_et_garde_l_historique(charente):
    agent = personne(Role.AGENT, structure=charente[0])
    d = enregistrer_une(charente[0], agent)
    actions.corriger(d, {"canal": "telephone", "duree": 45}, agent)
    canal = {a.valeur: a.nombre for a in Agregat.objects.filter(dimension=Dimension.CANAL) if a.nombre}
    assert canal == {"telephone": 1}
    modif = d.modifications.get()
    assert modif.avant["canal"] == "accueil_physique" and modif.apres["canal"] == "telephone"
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_annulation_retire_la_demande_des_statistiques(charente):
    agent = personne(Role.AGENT, structure=charente[0])
    d = enregistrer_une(charente[0], agent)
    actions.annuler(d, agent, "saisie en double")
    assert total(Agregat) == 0
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_reconciliation_detecte_un_ecart_et_reconstruire_le_repare(charente):
    enregistrer_une(charente[0])
    Agregat.objects.filter(dimension=Dimension.CANAL).update(nombre=5)
    ecarts = agregats.reconcilier(*TOUTE_L_ANNEE)
    assert len(ecarts) == 1 and ecarts[0].attendu == (1, 15) and ecarts[0].trouve == (5, 15)
    agregats.reconstruire(*TOUTE_L_ANNEE)
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_demandes_au_hasard_agregats_egaux_aux_lignes_brutes(charente):
    aleas = random.Random(4)
    agent = personne(Role.EQUIPE_NATIONALE)
    lot = [demande_au_hasard(aleas, charente) for _ in range(120)]
    actions.enregistrer(lot[:60])
    for d in lot[60:]:
        actions.enregistrer([d])
    for d in aleas.sample(lot, 15):
        actions.corriger(d, {"niveau": aleas.choice(["information", "escalade"]), "duree": 60}, agent)
    for d in aleas.sample(lot, 10):
        d.refresh_from_db()
        if d.annulee_le is None:
            actions.annuler(d, agent)
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []
