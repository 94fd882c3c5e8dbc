"""Nos estimations (questionnaire → situation → serveur du simulateur) comparées à OpenFisca-France calculé
directement (script de référence dans l'environnement du simulateur), pour des ménages de référence ; et les
pièges d'entrée (net au lieu du brut, logement du seul mois M) rendus visibles."""

import http.client
import json
import urllib.error
import urllib.request
from datetime import date

import pytest

from franceservices.droits import client, estimation
from franceservices.droits.situation import Questionnaire, construire

from .outils import calcul_de_reference

MOIS = date(2026, 11, 1)
MENAGES = {
    "seul_sans_revenu_locataire": Questionnaire(age=35, loyer=500, logement="locataire_vide", zone="zone_2"),
    "seul_au_smic": Questionnaire(age=30, salaire_brut=1801.8, loyer=450),
    "parent_isole_deux_enfants": Questionnaire(age=32, salaire_brut=1000, ages_enfants=(4, 9), loyer=600, zone="zone_2"),
    "couple_trois_enfants_hlm": Questionnaire(
        age=40, en_couple=True, age_conjoint=38, salaire_brut=2200, ages_enfants=(2, 7, 12),
        logement="locataire_hlm", loyer=800, zone="zone_1",
    ),
    "retraite_proprietaire_sans_revenu": Questionnaire(age=70, logement="proprietaire"),
}  # fmt: skip


def _situation_naive_logement(q):
    """Piège : statut, loyer et zone donnés pour le seul mois M."""
    s = construire(q, MOIS)
    menage = s["menages"]["menage"]
    for cle in ("statut_occupation_logement", "loyer", "zone_apl"):
        menage[cle] = {"2026-11": menage[cle]["2026-11"]}
    return s


def _situation_naive_salaire(q):
    """Piège : salaire donné pour le seul mois M (les ressources des mois passés restent à zéro)."""
    s = construire(q, MOIS)
    s["individus"]["demandeur"]["salaire_de_base"] = {"2026-11": q.salaire_brut}
    return s


@pytest.fixture(scope="module")
def reference():
    demandes = [
        {"situation": construire(q, MOIS), "calculs": estimation.calculs(MOIS)} for q in MENAGES.values()
    ]
    demandes.append(
        {
            "situation": _situation_naive_logement(MENAGES["seul_sans_revenu_locataire"]),
            "calculs": estimation.calculs(MOIS),
        }
    )
    demandes.append(
        {"situation": _situation_naive_salaire(MENAGES["seul_au_smic"]), "calculs": estimation.calculs(MOIS)}
    )
    resultats = calcul_de_reference(demandes)
    return {
        **{nom: estimation.montants(r, MOIS) for nom, r in zip(MENAGES, resultats, strict=False)},
        "naif_logement": estimation.montants(resultats[-2], MOIS),
        "naif_salaire": estimation.montants(resultats[-1], MOIS),
    }  # fmt: skip


@pytest.mark.parametrize("nom", list(MENAGES))
def test_estimation_egale_au_calcul_direct(simulateur, reference, nom):
    nos = estimation.estimer_montants(MENAGES[nom], MOIS)
    for variable, (mensuel, annuel) in reference[nom].items():
        assert nos[variable][0] == pytest.approx(mensuel, abs=0.02), (nom, variable)
        assert nos[variable][1] == pytest.approx(annuel, abs=0.25), (nom, variable)


def test_les_menages_de_reference_ouvrent_les_aides_attendues(reference):
    assert reference["seul_sans_revenu_locataire"]["rsa"][0] > 0
    assert reference["seul_sans_revenu_locataire"]["aide_logement"][0] > 0
    assert reference["seul_au_smic"]["ppa"][0] > 0 and reference["seul_au_smic"]["rsa"][0] == 0
    assert reference["parent_isole_deux_enfants"]["asf"][0] > 0
    assert reference["parent_isole_deux_enfants"]["af"][0] > 0
    assert reference["couple_trois_enfants_hlm"]["af"][0] > reference["parent_isole_deux_enfants"]["af"][0]
    assert reference["retraite_proprietaire_sans_revenu"]["aspa"][0] > 0
    assert reference["retraite_proprietaire_sans_revenu"]["cheque_energie"][1] > 0


def test_piege_logement_du_seul_mois_m(reference):
    """Le chèque énergie lit le statut d'occupation de l'année : un statut du seul mois M l'annule."""
    juste = reference["seul_sans_revenu_locataire"]["cheque_energie"][1]
    assert juste > 0
    assert reference["naif_logement"]["cheque_energie"][1] != juste


def test_piege_salaire_du_seul_mois_m(reference):
    """RSA et prime d'activité lisent les 3 mois précédents : un salaire du seul mois M fausse tout."""
    juste, naif = reference["seul_au_smic"], reference["naif_salaire"]
    assert naif["rsa"][0] > 0 and juste["rsa"][0] == 0
    assert naif["ppa"][0] != juste["ppa"][0]


def test_lot_egal_aux_estimations_unitaires(simulateur, reference):
    lot = estimation.estimer_lot(list(MENAGES.values()), MOIS)
    for nom, valeurs in zip(MENAGES, lot, strict=True):
        for variable, (mensuel, _) in reference[nom].items():
            assert valeurs[variable][0] == pytest.approx(mensuel, abs=0.02), (nom, variable)


def test_simulateur_refuse_une_situation_invalide_avec_un_message_clair(simulateur):
    with pytest.raises(client.ErreurSimulateur, match="Situation refusée"):
        client.calculer(
            {"individus": {"a": {"age_inconnu_xyz": {"2026-11": 3}}}},
            [{"variable": "rsa", "periode": "2026-11"}],
        )
    with pytest.raises(client.ErreurSimulateur, match="Variable inconnue"):
        client.calculer({"individus": {"a": {}}}, [{"variable": "nexiste_pas", "periode": "2026-11"}])


def _post(url, corps: bytes):
    requete = urllib.request.Request(url + "/calculer", data=corps, method="POST")
    try:
        with urllib.request.urlopen(requete, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serveur_borne_la_taille_et_refuse_le_json_invalide(simulateur_url):
    hote, port = simulateur_url.removeprefix("http://").split(":")
    connexion = http.client.HTTPConnection(hote, int(port), timeout=10)
    connexion.putrequest("POST", "/calculer")
    connexion.putheader("Content-Length", str(50 * 1024 * 1024))  # annoncé, jamais envoyé : refus immédiat
    connexion.endheaders()
    reponse = connexion.getresponse()
    assert reponse.status == 413 and "trop grande" in json.loads(reponse.read())["erreur"]
    connexion.close()
    statut, corps = _post(simulateur_url, b"{pas du json")
    assert statut == 400 and "JSON" in corps["erreur"]
    statut, corps = _post(simulateur_url, b"{}")
    assert statut == 400 and "situation" in corps["erreur"]
    sante = json.loads(urllib.request.urlopen(simulateur_url + "/sante", timeout=5).read())
    assert sante["statut"] == "ok" and sante["version"].startswith("176.")
