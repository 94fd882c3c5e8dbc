"""Engagements et formulaires d'escalade par défaut : import idempotent qui n'écrase pas les modifications de
l'équipe nationale, fichiers invalides refusés avec un message clair (rien d'écrit)."""

import io
import json

import pytest
from django.core.management import call_command

from franceservices.activite.models import Demarche
from franceservices.core.importation import FichierInvalide
from franceservices.escalades import importation
from franceservices.escalades.models import Engagement, Formulaire
from franceservices.partenaires.models import Partenaire

pytestmark = pytest.mark.django_db

ENTETE = "partenaire,escalade_ouverte,delai_jours_ouvres,relance_jours_ouvres,contact_national,source\n"


def test_fichiers_du_projet():
    engagements = importation.lire_engagements()
    assert {"bdf", "cnaf", "dgfip", "ants"} <= set(engagements)
    for v in engagements.values():
        assert "pas un engagement officiel" in v["source"]
        assert v["contact_national"] == ""
    formulaires = importation.lire_formulaires()
    libelles_bdf = {d for p, d in formulaires if p == "bdf"}
    assert {None, "Droit au compte", "Surendettement", "Fichiers FICP / FCC (consultation)"} <= libelles_bdf
    droit = {c["code"]: c for c in formulaires[("bdf", "Droit au compte")]}
    assert {"banque_refus", "date_refus", "lettre_refus_jointe"} <= set(droit)
    assert droit["date_refus"]["type"] == "date"
    assert formulaires[("cnaf", None)][0]["personnel"] is True
    assert {"code", "libelle", "type", "obligatoire", "aide", "personnel"} <= set(
        formulaires[("dgfip", None)][0]
    )


def test_import_du_referentiel_les_a_crees():
    """tests/conftest.py importe le référentiel : chaque partenaire connu du fichier a son engagement et les
    démarches de la Banque de France ont leur formulaire."""
    codes = set(importation.lire_engagements())
    assert set(Engagement.objects.values_list("partenaire__code", flat=True)) >= codes & set(
        Partenaire.objects.values_list("code", flat=True)
    )
    bdf = Partenaire.objects.get(code="bdf")
    surendettement = Demarche.objects.get(partenaire=bdf, libelle="Surendettement")
    formulaire = Formulaire.objects.get(partenaire=bdf, demarche=surendettement)
    assert formulaire.champs[0]["code"] == "numero_dossier" and formulaire.champs[0]["personnel"]


def test_idempotent_et_respecte_les_modifications():
    caf = Engagement.objects.get(partenaire__code="cnaf")
    caf.delai_jours_ouvres, caf.relance_jours_ouvres = 15, 7
    caf.save()
    formulaire = Formulaire.objects.get(partenaire__code="cnaf", demarche=None)
    formulaire.champs = [
        {"code": "x", "libelle": "X", "type": "texte", "obligatoire": False, "personnel": False}
    ]
    formulaire.save()
    avant = (Engagement.objects.count(), Formulaire.objects.count())
    bilans = importation.importer_escalades()
    assert (Engagement.objects.count(), Formulaire.objects.count()) == avant
    assert all(b.compteurs["créés"] == 0 for b in bilans.bilans)
    caf.refresh_from_db()
    formulaire.refresh_from_db()
    assert caf.delai_jours_ouvres == 15 and formulaire.champs[0]["code"] == "x"


def test_recree_ce_qui_manque():
    Engagement.objects.filter(partenaire__code="bdf").delete()
    Formulaire.objects.filter(partenaire__code="bdf").delete()
    bilans = importation.importer_escalades()
    assert bilans.bilans[0].compteurs["créés"] == 1
    assert (
        bilans.bilans[1].compteurs["créés"] == Formulaire.objects.filter(partenaire__code="bdf").count() >= 4
    )
    assert Engagement.objects.get(partenaire__code="bdf").delai_jours_ouvres == 10
    assert "Engagements d'escalade : 1 créé(s)" in bilans.resume()


@pytest.mark.parametrize(
    ("ligne", "message"),
    [
        ("bdf,oui,0,1,,s", "entre 1 et 60"),
        ("bdf,oui,10,11,,s", "la relance doit être comprise"),
        ("bdf,oui,dix,5,,s", "nombres entiers"),
        ("bdf,peut-être,10,5,,s", "n'est pas oui/non"),
        ("bdf,oui,10,5,pas-une-adresse,s", "n'est pas une adresse valide"),
        ("bdf,oui,10,5,,", "la source est obligatoire"),
        ("bdf,oui,10,5", "nombre de colonnes incorrect"),
    ],
)
def test_engagements_invalides(tmp_path, ligne, message):
    chemin = tmp_path / "engagements.csv"
    chemin.write_text(ENTETE + ligne + "\n", encoding="utf-8")
    with pytest.raises(FichierInvalide, match=message):
        importation.importer_engagements(chemin)


def test_partenaire_inconnu_rejete(tmp_path):
    chemin = tmp_path / "engagements.csv"
    chemin.write_text(ENTETE + "inconnu,oui,10,5,,s\n", encoding="utf-8")
    bilan = importation.importer_engagements(chemin)
    assert bilan.compteurs["rejetés"] == 1 and "inconnu" in bilan.resume()


CHAMP = {"code": "a", "libelle": "A", "type": "texte", "obligatoire": True, "aide": "", "personnel": False}


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        ("{pas du json", "JSON invalide, ligne 1"),
        ("[]", "liste « formulaires »"),
        (json.dumps({"formulaires": [{"partenaire": "bdf", "champs": []}]}), "liste non vide"),
        (json.dumps({"formulaires": [{"champs": [CHAMP]}]}), "« partenaire » (code) manquant"),
        (
            json.dumps({"formulaires": [{"partenaire": "bdf", "champs": [CHAMP | {"type": "fichier"}]}]}),
            "« type » doit",
        ),
        (
            json.dumps({"formulaires": [{"partenaire": "bdf", "champs": [CHAMP | {"code": "A b"}]}]}),
            "« code »",
        ),
        (json.dumps({"formulaires": [{"partenaire": "bdf", "champs": [CHAMP, CHAMP]}]}), "en double"),
        (
            json.dumps({"formulaires": [{"partenaire": "bdf", "champs": [CHAMP | {"type": "choix"}]}]}),
            "« choix »",
        ),
        (
            json.dumps({"formulaires": [{"partenaire": "bdf", "champs": [CHAMP | {"personnel": "oui"}]}]}),
            "true ou false",
        ),
        (
            json.dumps({"formulaires": [{"partenaire": "bdf", "champs": [CHAMP | {"couleur": 1}]}]}),
            "clés inconnues couleur",
        ),
        (
            json.dumps(
                {
                    "formulaires": [
                        {"partenaire": "bdf", "champs": [CHAMP]},
                        {"partenaire": "BDF", "champs": [CHAMP]},
                    ]
                }
            ),
            "formulaire en double",
        ),
    ],
)
def test_formulaires_invalides(tmp_path, contenu, message):
    chemin = tmp_path / "formulaires.json"
    chemin.write_text(contenu, encoding="utf-8")
    avant = Formulaire.objects.count()
    with pytest.raises(FichierInvalide) as erreur:
        importation.importer_formulaires(chemin)
    assert message in str(erreur.value) and str(chemin) in str(erreur.value)
    assert Formulaire.objects.count() == avant


def test_demarche_inconnue_rejetee(tmp_path):
    chemin = tmp_path / "formulaires.json"
    chemin.write_text(
        json.dumps({"formulaires": [{"partenaire": "bdf", "demarche": "N'existe pas", "champs": [CHAMP]}]}),
        encoding="utf-8",
    )
    bilan = importation.importer_formulaires(chemin)
    assert bilan.compteurs["rejetés"] == 1 and "démarche absente" in bilan.resume()


def test_json_invalide_arrete_importer_referentiel(tmp_path, monkeypatch, donnees):
    chemin = tmp_path / "formulaires.json"
    chemin.write_text("{", encoding="utf-8")
    monkeypatch.setattr(importation, "FICHIER_FORMULAIRES", chemin)
    monkeypatch.setattr(importation.lire_formulaires, "__defaults__", (chemin,))
    monkeypatch.setattr(importation.importer_formulaires, "__defaults__", (chemin,))
    Engagement.objects.filter(partenaire__code="bdf").delete()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="JSON invalide"):
        call_command("importer_referentiel", dossier=donnees, stdout=io.StringIO())
    assert not Engagement.objects.filter(partenaire__code="bdf").exists()
