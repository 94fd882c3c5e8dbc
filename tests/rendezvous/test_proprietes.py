"""Propriétés du calcul pur, sur des semaines tirées au hasard : tout créneau proposé est accepté par la
référence naïve (dans une plage, hors jours exclus, futur, sans chevauchement), les créneaux proposés ne
se chevauchent pas entre eux, et un jour (à venir) où la référence trouve une place la grille en propose une."""

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from franceservices.rendezvous.creneaux import Contexte, creneaux_libres, creneaux_naifs, est_reservable

FUSEAU = ZoneInfo("Indian/Reunion")
LUNDI = date(2026, 3, 23)  # semaine du passage à l'heure d'été en métropole (sans effet à La Réunion)
quarts = st.integers(min_value=7 * 4, max_value=19 * 4).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def contextes(draw):
    plages = {
        j: [tuple(sorted(p)) for p in draw(st.lists(st.tuples(quarts, quarts), max_size=3))] for j in range(7)
    }
    duree = timedelta(minutes=draw(st.sampled_from([10, 15, 20, 30, 45, 60])))
    exclus = frozenset(LUNDI + timedelta(days=n) for n in draw(st.sets(st.integers(0, 6), max_size=2)))
    occupes = []
    for jour, debut_min, longueur in draw(
        st.lists(st.tuples(st.integers(0, 6), st.integers(7 * 12, 19 * 12), st.integers(1, 18)), max_size=6)
    ):
        debut = datetime.combine(LUNDI + timedelta(days=jour), time(0), tzinfo=FUSEAU) + timedelta(
            minutes=debut_min
        )
        fin = debut + timedelta(minutes=5 * longueur)
        if all(not (d < fin and debut < f) for d, f in occupes):
            occupes.append((debut, fin))
    maintenant = datetime.combine(LUNDI, time(0), tzinfo=FUSEAU) + timedelta(
        minutes=draw(st.integers(0, 3 * 1440))
    )
    contexte = Contexte(FUSEAU, duree, lambda j: plages[j.weekday()], exclus, tuple(sorted(occupes)))
    return contexte, maintenant


@settings(max_examples=150, deadline=None)
@given(contextes())
def test_grille_valide_et_jamais_vide_a_tort(donnees):
    contexte, maintenant = donnees
    au = LUNDI + timedelta(days=6)
    grille = creneaux_libres(contexte, LUNDI, au, maintenant)
    naifs = creneaux_naifs(contexte, LUNDI, au, maintenant)
    # tout est multiple de 5 minutes (plages, durées, rendez-vous) : la grille tombe sur le pas de la référence
    assert set(grille) <= set(naifs)
    for debut in grille:
        assert est_reservable(contexte, debut, maintenant) is None
    assert all(a + contexte.duree <= b for a, b in pairwise(grille))
    # Le jour même, la grille reste ancrée au début de la plage (un créneau vu par l'usager ne se décale
    # pas avec l'heure) : un reste de plage plus court qu'un pas peut n'être pas proposé. Les autres jours :
    demain = maintenant.date() + timedelta(days=1)
    assert {c.date() for c in grille if c.date() >= demain} == {c.date() for c in naifs if c.date() >= demain}
