"""Délais en jours ouvrés : fériés réels (1er et 8 mai, Ascension, 14 juillet, 26 décembre en Alsace-Moselle),
horloge suspendue en attente, délai constaté à la clôture."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from franceservices.escalades import delais
from franceservices.escalades.models import Engagement, Escalade, Statut
from franceservices.partenaires.models import Partenaire
from franceservices.territoires.models import Departement

pytestmark = pytest.mark.django_db  # les jours fériés sont en base (référentiel)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("ouverture", "delai", "code", "attendue"),
    [
        # jeudi 30 avril : 1er mai (ven.) et 8 mai (ven.) fériés → lundi 11 mai
        (paris(2026, 4, 30, 10), 5, "16", date(2026, 5, 11)),
        # lundi 13 juillet : 14 juillet férié → jeudi 16 pour 2 jours
        (paris(2026, 7, 13, 9), 2, "16", date(2026, 7, 16)),
        # 24 décembre 2025 (mer.) : 25 férié partout, 26 (ven.) férié seulement en Alsace-Moselle
        (paris(2025, 12, 24, 9), 1, "16", date(2025, 12, 26)),
        (paris(2025, 12, 24, 9), 1, "57", date(2025, 12, 29)),
        # ouverture le vendredi soir : le week-end ne compte pas
        (paris(2026, 3, 6, 18), 1, "16", date(2026, 3, 9)),
    ],
)
def test_echeance_initiale_en_jours_ouvres(ouverture, delai, code, attendue):
    assert delais.echeance_initiale(ouverture, delai, code) == attendue


def test_la_date_d_ouverture_est_celle_de_paris():
    # 6 mai 2026 à 23 h 30 UTC = 7 mai à 1 h 30 à Paris : on part du jeudi 7 (8 mai férié → lundi 11)
    instant = datetime(2026, 5, 6, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert delais.jour_local(instant) == date(2026, 5, 7)
    assert delais.echeance_initiale(instant, 1, "16") == date(2026, 5, 11)


def _escalade(code="16"):
    ouverture = paris(2026, 5, 4, 9)  # lundi 4 mai 2026
    escalade = Escalade(
        departement=Departement(code=code, nom="Essai"),
        ouverte_le=ouverture,
        delai_jours_ouvres=10,
        statut=Statut.PRISE_EN_CHARGE,
    )
    escalade.echeance = delais.echeance_initiale(ouverture, 10, code)
    return escalade


def test_horloge_suspendue_en_attente_puis_cloture():
    escalade = _escalade()
    # 10 jours ouvrés après le lundi 4 mai, sans le 8 mai ni l'Ascension (jeudi 14 mai) : mercredi 20 mai
    assert escalade.echeance == date(2026, 5, 20)
    delais.suspendre(escalade, paris(2026, 5, 6, 15))  # mercredi
    escalade.statut = Statut.ATTENTE_USAGER
    assert delais.echeance_affichee(escalade, date(2026, 5, 11)) == date(2026, 5, 22)
    # reprise le lundi 11 mai : jeudi 7 et lundi 11 passés en attente (le 8 est férié) → 2 jours
    assert delais.reprendre(escalade, paris(2026, 5, 11, 10)) == 2
    assert escalade.echeance == date(2026, 5, 22)
    assert escalade.attente_depuis is None
    escalade.statut = Statut.PRISE_EN_CHARGE
    delais.cloturer(escalade, paris(2026, 5, 22, 16))
    # 12 jours ouvrés du 4 au 22 mai, dont 2 en attente → 10 ; close le jour de l'échéance : dans les temps
    assert escalade.jours_ouvres_reponse == 10
    assert escalade.dans_les_temps is True


def test_cloture_en_retard_et_cloture_depuis_l_attente():
    escalade = _escalade()
    delais.cloturer(escalade, paris(2026, 5, 21, 9))
    assert escalade.dans_les_temps is False
    assert escalade.jours_ouvres_reponse == 11

    escalade = _escalade()
    delais.suspendre(escalade, paris(2026, 5, 5, 9))
    escalade.statut = Statut.ATTENTE_STRUCTURE
    delais.cloturer(escalade, paris(2026, 5, 12, 9))  # close pendant l'attente : 6,7,11,12 en attente
    assert escalade.attente_depuis is None
    assert escalade.jours_ouvres_reponse == 1
    assert escalade.dans_les_temps is True


def test_sans_engagement_valeurs_par_defaut():
    partenaire = Partenaire.objects.order_by("pk").first()
    Engagement.objects.filter(partenaire=partenaire).delete()
    partenaire = Partenaire.objects.get(pk=partenaire.pk)
    engagement = delais.engagement_de(partenaire)
    assert engagement.pk is None
    assert engagement.delai_jours_ouvres == 10
    assert engagement.escalade_ouverte is True
