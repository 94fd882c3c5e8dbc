"""Propriété : quelle que soit la suite d'écritures, de corrections et d'annulations, les agrégats
sont égaux aux lignes brutes (réconciliation sans écart), à tous les niveaux."""

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from franceservices.activite import actions, agregats
from franceservices.activite.models import Agregat, AgregatDepartement, Demande, Niveau
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from .fabriques import demande_au_hasard

pytestmark = pytest.mark.django_db

PERIODE = (date(2025, 1, 1), date(2027, 12, 1))
PERIODE_DEBUT = datetime(2025, 6, 1, tzinfo=ZoneInfo("Europe/Paris"))

operations = st.lists(
    st.one_of(
        st.tuples(st.just("enregistrer"), st.integers(1, 4)),
        st.tuples(st.just("corriger"), st.integers(0, 10_000)),
        st.tuples(st.just("annuler"), st.integers(0, 10_000)),
        st.tuples(st.just("rejouer"), st.integers(0, 10_000)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations, graine=st.integers(0, 2**16))
def test_agregats_egaux_aux_lignes_brutes_apres_toute_suite_d_operations(operations, graine):
    aleas = random.Random(graine)
    structures = list(Structure.objects.filter(departement__code__in=["16", "23"]).order_by("pk")[:6])
    national = personne(Role.EQUIPE_NATIONALE)
    ecrites: list[Demande] = []
    try:
        for operation, n in operations:
            if operation == "enregistrer":
                lot = [demande_au_hasard(aleas, structures, debut=PERIODE_DEBUT, jours=500) for _ in range(n)]
                ecrites += actions.enregistrer(lot).creees
            elif ecrites:
                cible = ecrites[n % len(ecrites)]
                cible.refresh_from_db()
                if operation == "rejouer":
                    copie = demande_au_hasard(aleas, structures)
                    copie.cle_client = cible.cle_client
                    assert actions.enregistrer([copie]).creees == []
                elif cible.annulee_le is not None:
                    continue
                elif operation == "corriger":
                    autre = demande_au_hasard(aleas, structures, debut=PERIODE_DEBUT, jours=500)
                    actions.corriger(
                        cible,
                        {"date_heure": autre.date_heure, "niveau": aleas.choice(Niveau.values), "duree": 45,
                         "commune": autre.commune, "premiere_visite": autre.premiere_visite},
                        national,
                    )  # fmt: skip
                else:
                    actions.annuler(cible, national)
        assert agregats.reconcilier(*PERIODE) == []
    finally:
        Demande.objects.all().delete()  # chaque exemple repart de zéro (même transaction de test)
        Agregat.objects.all().delete()
        AgregatDepartement.objects.all().delete()
