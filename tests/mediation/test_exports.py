"""Exports du registre aux schémas publiés : chaque ligne passe la validation ; téléchargements publics."""

import csv
import io
import json

import pytest
from django.urls import reverse

from franceservices.mediation.schemas import (
    CHAMPS_DI_SERVICES,
    CHAMPS_DI_STRUCTURES,
    CHAMPS_LIEUX,
    COLONNES_LIEUX,
    referentiels,
    valider,
)
from franceservices.structures.exports_schemas import (
    horaires_osm,
    lignes_lieux_mediation,
    services_data_inclusion,
    structures_data_inclusion,
    structures_exportees,
)
from franceservices.structures.horaires import HorairesSemaine

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def echantillon(django_db_setup, django_db_blocker):
    """Un échantillon varié du vrai registre (un lieu sur vingt, tous départements confondus)."""
    with django_db_blocker.unblock():
        return list(structures_exportees()[::20])


def test_horaires_osm():
    semaine = HorairesSemaine.depuis_textes(
        {
            "lundi": "09:00 - 12:00 / 13:30 - 17:00",
            "mardi": "",
            "mercredi": "14:00 - 17:00",
            "samedi": "Sur RDV",
        }
    )
    assert horaires_osm(semaine.vers_json()) == "Mo 09:00-12:00,13:30-17:00; We 14:00-17:00"


def test_lieux_mediation_conformes(echantillon):
    lignes = list(lignes_lieux_mediation(echantillon))
    assert len(lignes) == len(echantillon) > 100
    for ligne in lignes:
        assert list(ligne) == COLONNES_LIEUX
        assert valider(ligne, CHAMPS_LIEUX) == [], ligne["id"]
    refs = referentiels()
    assert {ligne["typologie"] for ligne in lignes} == {"RFS"} and "RFS" in refs["typologies_structures"]


def test_data_inclusion_conformes(echantillon):
    refs = referentiels()
    structures = list(structures_data_inclusion("https://exemple.gouv.fr", echantillon))
    services = list(services_data_inclusion(echantillon))
    for ligne in structures:
        assert valider(ligne, CHAMPS_DI_STRUCTURES) == [], ligne["id"]
        assert set(ligne["reseaux_porteurs"]) <= refs["reseaux_porteurs"]
    for ligne in services:
        assert valider(ligne, CHAMPS_DI_SERVICES) == [], ligne["id"]
        assert set(ligne["thematiques"]) <= refs["thematiques"]
    assert {s["structure_id"] for s in services} == {s["id"] for s in structures}


def test_une_valeur_hors_referentiel_est_vue(echantillon):
    ligne = next(structures_data_inclusion("", echantillon[:1]))
    ligne["reseaux_porteurs"] = ["france-services-inconnu"]
    assert valider(ligne, CHAMPS_DI_STRUCTURES) == [
        ("reseaux_porteurs", "valeur hors liste « france-services-inconnu »")
    ]


@pytest.mark.urls("tests.mediation.urls")
def test_telechargements_publics(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        reponse = client.get(reverse("mediation:export_lieux_mediation"))
        contenu = b"".join(reponse.streaming_content).decode("utf-8")
    assert reponse.status_code == 200 and reponse["Content-Type"].startswith("text/csv")
    lignes = list(csv.DictReader(io.StringIO(contenu)))
    assert len(lignes) == 2845 and list(lignes[0]) == COLONNES_LIEUX
    assert valider(lignes[0], CHAMPS_LIEUX) == []

    structures = client.get(reverse("mediation:export_data_inclusion_structures")).json()
    assert len(structures) == 2845
    assert structures[0]["site_web"].startswith("http://testserver/france-services/")
    services = json.loads(client.get(reverse("mediation:export_data_inclusion_services")).content)
    assert len(services) == 2845
