"""Construction de la situation OpenFisca (sans base ni simulateur) : pièges du brut et des mois lus."""

from datetime import date

from franceservices.droits.estimation import calculs, montants
from franceservices.droits.situation import (
    Questionnaire,
    construire,
    date_naissance,
    fusionner,
    mois_precedent,
    mois_renseignes,
)

MOIS = date(2026, 11, 1)


def _mois_lus(mois):
    """Les mois que lisent les formules : M, M-1…M-3 (RSA, prime d'activité), M-1…M-12 (aides au logement)."""
    return [mois_precedent(mois, n).strftime("%Y-%m") for n in range(13)]


def test_mois_precedent_et_mois_renseignes():
    assert mois_precedent(date(2026, 1, 1)) == date(2025, 12, 1)
    assert mois_precedent(date(2026, 3, 1), 14) == date(2025, 1, 1)
    periodes = mois_renseignes(MOIS)
    assert periodes[0] == "2024-01" and periodes[-1] == "2026-11"  # janvier N-2 (chèque énergie) → M
    assert len(periodes) == 35 and len(set(periodes)) == 35


def test_salaire_brut_pour_chaque_mois_jamais_le_net():
    s = construire(Questionnaire(age=30, salaire_brut=1801.8), MOIS)
    demandeur = s["individus"]["demandeur"]
    assert set(demandeur["salaire_de_base"]) == set(mois_renseignes(MOIS))
    assert set(demandeur["salaire_de_base"].values()) == {1801.8}
    assert set(_mois_lus(MOIS)) <= set(demandeur["salaire_de_base"])
    # Le net est calculé par le modèle : il n'est jamais donné (sinon il écraserait le calcul depuis le brut).
    assert not any("net" in cle or "imposable" in cle for cle in demandeur)
    assert set(demandeur["activite"].values()) == {"actif"}


def test_logement_pour_chaque_mois_lu():
    s = construire(Questionnaire(age=30, logement="locataire_meuble", loyer=512.5, zone="zone_1"), MOIS)
    menage = s["menages"]["menage"]
    for variable, valeur in (
        ("statut_occupation_logement", "locataire_meuble"),
        ("loyer", 512.5),
        ("zone_apl", "zone_1"),
    ):
        assert set(_mois_lus(MOIS)) <= set(menage[variable]), variable
        assert set(menage[variable].values()) == {valeur}
    assert "2024-01" in menage["statut_occupation_logement"]  # année N-2 lue par le chèque énergie


def test_loyer_nul_hors_location():
    s = construire(Questionnaire(age=70, logement="proprietaire", loyer=900), MOIS)
    assert set(s["menages"]["menage"]["loyer"].values()) == {0.0}


def test_ages_deviennent_dates_de_naissance():
    assert date_naissance(30, MOIS) == "1996-05-01"  # 30 ans et 6 mois au mois M
    assert date_naissance(0, MOIS) == "2026-05-01"
    s = construire(Questionnaire(age=40, en_couple=True, age_conjoint=38, ages_enfants=(0, 7)), MOIS)
    assert s["individus"]["enfant_2"]["date_naissance"] == {"ETERNITY": "2019-05-01"}
    assert s["individus"]["conjoint"]["date_naissance"] == {"ETERNITY": "1988-05-01"}


def test_composition_du_foyer():
    s = construire(Questionnaire(age=40, en_couple=True, age_conjoint=38, ages_enfants=(3, 9)), MOIS)
    assert s["familles"]["famille"] == {
        "parents": ["demandeur", "conjoint"],
        "enfants": ["enfant_1", "enfant_2"],
    }
    assert s["foyers_fiscaux"]["foyer"]["declarants"] == ["demandeur", "conjoint"]
    assert s["foyers_fiscaux"]["foyer"]["personnes_a_charge"] == ["enfant_1", "enfant_2"]
    menage = s["menages"]["menage"]
    assert menage["personne_de_reference"] == ["demandeur"] and menage["conjoint"] == ["conjoint"]
    seul = construire(Questionnaire(age=25), MOIS)
    assert list(seul["individus"]) == ["demandeur"] and "conjoint" not in seul["menages"]["menage"]


def test_fusion_d_un_lot_aux_identifiants_prefixes():
    lot = fusionner(
        [construire(Questionnaire(age=30), MOIS, "a_"), construire(Questionnaire(age=50), MOIS, "b_")]
    )
    assert set(lot["individus"]) == {"a_demandeur", "b_demandeur"}
    assert set(lot["familles"]) == {"a_famille", "b_famille"}
    assert lot["menages"]["b_menage"]["personne_de_reference"] == ["b_demandeur"]


def test_periodes_et_lecture_des_montants():
    demandes = {c["variable"]: c["periode"] for c in calculs(MOIS)}
    assert demandes["rsa"] == "2026-11" and demandes["cheque_energie"] == "2026"
    resultats = {v: {p: {"famille": 0.0, "menage": 0.0}} for v, p in demandes.items()}
    resultats["rsa"]["2026-11"]["famille"] = 500.0
    resultats["cheque_energie"]["2026"]["menage"] = 240.0
    valeurs = montants(resultats, MOIS)
    assert valeurs["rsa"] == (500.0, 6000.0)
    assert valeurs["cheque_energie"] == (20.0, 240.0)


def test_environnement_absent_echec_qui_dit_quoi_faire(monkeypatch, tmp_path):
    import pytest

    from tests.droits import outils

    monkeypatch.setattr(outils, "PYTHON", tmp_path / "absent" / "python")
    with pytest.raises(pytest.fail.Exception, match="uv sync --project simulateur --frozen"):
        outils.exiger_environnement()
