"""Validation ligne à ligne contre les listes de champs publiées (sans base de données)."""

from pathlib import Path

import pytest
from django.conf import settings

from franceservices.mediation.importation import erreurs_de, ligne_au_schema
from franceservices.mediation.schemas import (
    CHAMPS_DI_SERVICES,
    CHAMPS_DI_STRUCTURES,
    CHAMPS_LIEUX,
    Champ,
    referentiels,
    valider,
)

BONNE = {
    "id": "dora-abc",
    "pivot": "00000000000000",
    "nom": "Espace numérique",
    "commune": "Martigues",
    "code_postal": "13500",
    "code_insee": "13056",
    "adresse": "Quai Lucien Toulmond",
    "latitude": "43.4049",
    "longitude": "5.0513",
    "typologie": "MUNI|BIB",
    "telephone": "+33442000000",
    "courriel": "epn@ville-martigues.fr",
    "site_web": "https://www.ville-martigues.fr/",
    "horaires": "Mo-Fr 09:00-12:00,14:00-17:00",
    "source": "dora",
    "date_maj": "2023-05-11",
    "services": "Aide aux démarches administratives|Prendre en main un ordinateur",
}


def _erreurs(**modifs):
    return erreurs_de(ligne_au_schema({**BONNE, **modifs}), referentiels())


def test_bonne_ligne_et_normalisation():
    assert _erreurs() == []
    ligne = ligne_au_schema(BONNE)
    assert ligne["typologie"] == "MUNI;BIB"
    # Ancien vocabulaire ramené au schéma ; « courriel » (extraits anciens) → « courriels ».
    assert (
        ligne["services"] == "Aide aux démarches administratives;Maîtrise des outils numériques du quotidien"
    )
    assert ligne["courriels"] == "epn@ville-martigues.fr"


@pytest.mark.parametrize(
    ("modifs", "champ", "extrait"),
    [
        ({"id": ""}, "id", "obligatoire"),
        ({"nom": "  "}, "nom", "obligatoire"),
        ({"code_postal": "1350"}, "code_postal", "format invalide"),
        ({"code_insee": "1305"}, "code_insee", "format invalide"),
        ({"latitude": "nord"}, "latitude", "nombre attendu"),
        ({"latitude": "5.05", "longitude": "43.40"}, "latitude", "hors des territoires"),
        ({"longitude": ""}, "latitude", "vont ensemble"),
        ({"courriel": "epn@ville"}, "courriels", "adresse électronique invalide"),
        ({"telephone": "0442000000"}, "telephone", "format invalide"),
        ({"services": "Cours de cuisine"}, "services", "valeur hors liste"),
        ({"services": ""}, "services", "obligatoire"),
        ({"typologie": "INCONNUE"}, "typologie", "valeur hors liste"),
        ({"date_maj": "11/05/2023"}, "date_maj", "date AAAA-MM-JJ"),
        ({"site_web": "www.sans-schema"}, "site_web", "adresse web invalide"),
        ({"presentation_resume": "x" * 281}, "presentation_resume", "au plus 280"),
    ],
)
def test_mauvaises_lignes(modifs, champ, extrait):
    erreurs = _erreurs(**modifs)
    assert any(c == champ and extrait in m for c, m in erreurs), erreurs


def test_coordonnees_outre_mer_acceptees():
    assert _erreurs(latitude="-22.27", longitude="166.45", code_postal="98800") == []  # Nouméa
    assert _erreurs(latitude="16.24", longitude="-61.53", telephone="+590590123456") == []


def test_valider_types_json_et_champ_hors_schema():
    champs = (Champ("n", type="integer"), Champ("l", type="array", multiple=True, valeurs=frozenset({"a"})))
    assert valider({"n": 3, "l": ["a"]}, champs) == []
    assert valider({"n": 2.5}, champs) == [("n", "entier attendu, « 2.5 »")]
    assert valider({"l": "a"}, champs) == [("l", "liste attendue")]
    assert valider({"l": ["b"]}, champs) == [("l", "valeur hors liste « b »")]
    assert valider({"x": 1}, champs) == [("x", "champ hors schéma")]


def test_referentiels_lus_dans_les_donnees():
    refs = referentiels(Path(settings.REFERENCE_DATA_DIR))
    assert {"france-service", "caf", "msap"} <= refs["reseaux_porteurs"]
    assert "RFS" in refs["typologies_structures"]
    assert len(refs["thematiques"]) == 69


def test_listes_de_champs_publiees():
    assert [c.nom for c in CHAMPS_LIEUX][:8] == [
        "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    ]  # fmt: skip
    obligatoires = {c.nom for c in CHAMPS_LIEUX if c.obligatoire}
    assert obligatoires == {"id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj", "services"}
    assert {c.nom for c in CHAMPS_DI_STRUCTURES if c.obligatoire} == {
        "source",
        "id",
        "nom",
        "description",
        "date_maj",
    }
    assert {c.nom for c in CHAMPS_DI_SERVICES if c.obligatoire} == {
        "source", "structure_id", "id", "nom", "description", "date_maj",
    }  # fmt: skip
