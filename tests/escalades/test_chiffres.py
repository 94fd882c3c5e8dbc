"""Chiffres des escalades (statistiques.escalades) : valeurs vérifiées contre un calcul indépendant (tout
charger en Python), exclusion des synthétiques, médiane et 90e centile."""

import math
import random
import statistics
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import Q
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from franceservices.escalades.models import STATUTS_CLOS, Escalade, MotifRejet, Statut
from franceservices.escalades.synthetique import nouvelle_escalade
from franceservices.partenaires.models import Partenaire
from franceservices.statistiques.escalades import calculer, centile_90, mediane
from franceservices.statistiques.lecture import Periode
from franceservices.structures.models import Structure

pytestmark = pytest.mark.django_db

PERIODE = Periode(date(2026, 9, 1), date(2026, 10, 1))
AUJOURDHUI = date(2026, 11, 20)


def instant(jour):
    return timezone.make_aware(datetime.combine(jour, time(11)))


@pytest.fixture
def escalades():
    rng = random.Random(7)
    structures = [
        Structure.objects.filter(departement__code=code).order_by("pk").first()
        for code in ("15", "16", "974")
    ]
    partenaires = list(Partenaire.objects.order_by("pk")[:3])
    for _ in range(150):
        jour = date(2026, 8, 1) + timedelta(days=rng.randrange(100))
        e = nouvelle_escalade(
            structure=rng.choice(structures),
            partenaire=rng.choice(partenaires),
            ouverte_le=instant(jour),
            synthetique=rng.random() < 0.15,
            enregistrer=False,
        )
        if rng.random() < 0.6:
            e.close_le = instant(jour + timedelta(days=rng.randrange(0, 40)))
            e.jours_ouvres_reponse = rng.randrange(0, 25) if rng.random() < 0.95 else None
            e.dans_les_temps = None if e.jours_ouvres_reponse is None else e.jours_ouvres_reponse <= 10
            if rng.random() < 0.25:
                e.statut, e.motif_rejet = Statut.REJETEE, rng.choice(MotifRejet.values)
            else:
                e.statut = Statut.RESOLUE
        else:
            e.statut = rng.choice([Statut.NOUVELLE, Statut.PRISE_EN_CHARGE, Statut.ATTENTE_USAGER])
            e.echeance = AUJOURDHUI + timedelta(days=rng.randrange(-20, 20))
        e.save()
    return Escalade.objects.all()


def naif(escalades, cle, *, synthetiques=False):
    """Calcul indépendant : toutes les escalades en Python, statistics.median, rang ⌈0,9 n⌉."""
    debut = instant(PERIODE.du).replace(hour=0)
    fin = timezone.make_aware(datetime(2026, 11, 1))
    groupes = {}
    for e in escalades:
        if e.synthetique and not synthetiques:
            continue
        g = groupes.setdefault(
            cle(e),
            {
                "ouvertes": 0,
                "closes": 0,
                "delais": [],
                "temps": [],
                "rejets": Counter(),
                "cours": 0,
                "retard": 0,
            },
        )
        if debut <= e.ouverte_le < fin:
            g["ouvertes"] += 1
        if e.statut in STATUTS_CLOS and debut <= e.close_le < fin:
            g["closes"] += 1
            if e.jours_ouvres_reponse is not None:
                g["delais"].append(e.jours_ouvres_reponse)
            if e.dans_les_temps is not None:
                g["temps"].append(e.dans_les_temps)
            if e.statut == Statut.REJETEE:
                g["rejets"][e.motif_rejet] += 1
        if e.statut not in STATUTS_CLOS:
            g["cours"] += 1
            g["retard"] += e.echeance < AUJOURDHUI
    for g in groupes.values():
        d = sorted(g["delais"])
        g["mediane"] = statistics.median(d) if d else None
        g["p90"] = d[math.ceil(0.9 * len(d)) - 1] if d else None
        g["part"] = round(100 * sum(g["temps"]) / len(g["temps"]), 1) if g["temps"] else None
    return groupes


def comparer(ligne, attendu):
    assert ligne.ouvertes == attendu["ouvertes"]
    assert ligne.closes == attendu["closes"]
    assert ligne.mediane == attendu["mediane"]
    assert ligne.p90 == attendu["p90"]
    assert ligne.part_dans_les_temps == attendu["part"]
    assert ligne.rejets == +attendu["rejets"]
    assert (ligne.en_cours, ligne.en_retard) == (attendu["cours"], attendu["retard"])


@pytest.mark.parametrize("synthetiques", [False, True])
def test_valeurs_contre_calcul_independant(escalades, synthetiques):
    c = calculer(Q(), PERIODE, avec_synthetiques=synthetiques, aujourdhui=AUJOURDHUI)
    par_partenaire = naif(escalades, lambda e: str(e.partenaire_id), synthetiques=synthetiques)
    par_departement = naif(escalades, lambda e: str(e.departement_id), synthetiques=synthetiques)
    (total,) = naif(escalades, lambda e: "total", synthetiques=synthetiques).values()
    assert {li.cle for li in c.partenaires} == set(par_partenaire)
    assert {li.cle for li in c.departements} == set(par_departement)
    for li in c.partenaires:
        comparer(li, par_partenaire[li.cle])
    for li in c.departements:
        comparer(li, par_departement[li.cle])
    comparer(c.total, total)
    assert c.total.closes > 20 and c.total.nombre_rejets > 0  # le jeu n'est pas trivial


def test_synthetiques_exclues_par_defaut(escalades):
    sans = calculer(Q(), PERIODE, aujourdhui=AUJOURDHUI).total
    avec = calculer(Q(), PERIODE, avec_synthetiques=True, aujourdhui=AUJOURDHUI).total
    synthetiques = escalades.filter(
        synthetique=True,
        ouverte_le__gte=instant(PERIODE.du).replace(hour=0),
        ouverte_le__lt=timezone.make_aware(datetime(2026, 11, 1)),
    ).count()
    assert synthetiques > 0
    assert avec.ouvertes - sans.ouvertes == synthetiques


def test_filtre_et_requetes_groupees(escalades, django_assert_max_num_queries):
    partenaire = escalades.first().partenaire_id
    with django_assert_max_num_queries(6):
        c = calculer(Q(partenaire_id=partenaire), PERIODE, aujourdhui=AUJOURDHUI)
    assert [li.cle for li in c.partenaires] == [str(partenaire)]


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=200))
def test_mediane_et_centile_sur_histogramme(valeurs):
    histogramme = Counter(valeurs)
    assert mediane(histogramme) == statistics.median(valeurs)
    rang = sorted(valeurs)[math.ceil(0.9 * len(valeurs)) - 1]
    assert centile_90(histogramme) == rang
    assert sum(v <= rang for v in valeurs) >= 0.9 * len(valeurs)


def test_histogramme_vide():
    assert mediane({}) is None and centile_90({}) is None


def test_generer_escalades_synthetiques():
    from django.core.management import CommandError, call_command

    call_command("generer_escalades", "--nombre", "40", "--departement", "15", "--graine", "3", verbosity=0)
    generees = Escalade.objects.all()
    assert generees.count() == 40 and all(e.synthetique for e in generees)
    assert {e.departement.code for e in generees} == {"15"}
    closes = [e for e in generees if e.statut in STATUTS_CLOS]
    assert closes and len(closes) < 40
    for e in closes:
        assert e.close_le >= e.ouverte_le and e.jours_ouvres_reponse is not None
        assert e.dans_les_temps == (e.jours_ouvres_reponse <= e.delai_jours_ouvres)
        assert (e.statut == Statut.REJETEE) == bool(e.motif_rejet)
    assert all(e.messages.exists() for e in generees)
    aujourdhui = timezone.localdate()
    periode = Periode(date(aujourdhui.year - 1, 1, 1), aujourdhui.replace(day=1))
    assert calculer(Q(), periode).vide  # jamais comptées dans les chiffres réels
    assert calculer(Q(), periode, avec_synthetiques=True).total.ouvertes == 40
    with pytest.raises(CommandError, match="Partenaire inconnu"):
        call_command("generer_escalades", "--nombre", "1", "--partenaire", "inconnu")
