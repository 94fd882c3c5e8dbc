"""Import des lieux de médiation numérique : vrai échantillon, lignes construites, idempotence, audit."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from franceservices.core.importation import FichierInvalide
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.mediation.importation import FICHIER, importer_lieux
from franceservices.mediation.models import LieuMediation

pytestmark = pytest.mark.django_db

ENTETE = ["id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude", "longitude",
          "typologie", "telephone", "courriels", "site_web", "horaires", "source", "date_maj", "services"]  # fmt: skip


def _fichier(tmp_path: Path, lignes: list[dict]) -> Path:
    chemin = tmp_path / "lieux.csv"
    with open(chemin, "w", encoding="utf-8", newline="") as sortie:
        ecrivain = csv.DictWriter(sortie, fieldnames=ENTETE)
        ecrivain.writeheader()
        for ligne in lignes:
            ecrivain.writerow(dict.fromkeys(ENTETE, "") | ligne)
    return chemin


def _lieu(identifiant, **autres):
    return {
        "id": identifiant,
        "pivot": "00000000000000",
        "nom": f"Lieu {identifiant}",
        "commune": "Laval",
        "code_postal": "53000",
        "adresse": "1 rue de la Paix",
        "latitude": "48.0707",
        "longitude": "-0.7734",
        "source": "essai",
        "date_maj": "2024-01-15",
        "services": "Aide aux démarches administratives",
        **autres,
    }


def test_echantillon_reel_importe_puis_inchange():
    bilan, rejets = importer_lieux()
    # Tolérant à un référentiel de test qui importerait déjà l'échantillon (importer_referentiel).
    assert bilan.compteurs["créés"] + bilan.compteurs["inchangés"] + bilan.compteurs["mis à jour"] == 1610
    assert bilan.compteurs["rejetés"] == 13
    assert LieuMediation.objects.exclude(identifiant__startswith="essai:").count() == 1610
    # Chaque rejet dit la ligne, le champ et la raison.
    assert {r.champ for r in rejets} == {"presentation_resume", "courriels"}
    assert any(r.ligne == 1185 and "chambéry@accorderie.fr" in r.message for r in rejets)
    # Second import : rien n'est réécrit.
    bilan2, _ = importer_lieux()
    assert (bilan2.compteurs["créés"], bilan2.compteurs["mis à jour"], bilan2.compteurs["inchangés"]) == (
        0,
        0,
        1610,
    )
    journal = EvenementAudit.objects.filter(evenement=Evenement.MEDIATION_IMPORT).order_by("-pk").first()
    assert journal.details["inchangés"] == 1610 and journal.details["rejetés"] == 13


def test_lignes_construites(tmp_path):
    chemin = _fichier(
        tmp_path,
        [
            _lieu("a", typologie="MUNI", telephone="+33243000000", courriels="contact@laval.fr"),
            _lieu("b", code_postal="5300"),
            _lieu("a"),  # même (source, id)
            _lieu("c", latitude="0", longitude="0"),
            _lieu("d", commune="Inconnue", code_postal="20999"),
            _lieu("e", date_maj="1970-01-01", services="Accéder à du matériel|Prendre en main un ordinateur"),
        ],
    )
    bilan, rejets = importer_lieux(chemin)
    assert bilan.compteurs["créés"] == 2
    assert [(r.ligne, r.champ) for r in rejets] == [
        (3, "code_postal"),
        (4, "id"),
        (5, "latitude"),
        (6, "commune"),
    ]
    assert "identifiant en double (déjà ligne 2)" in rejets[1].message
    a = LieuMediation.objects.select_related("commune", "departement").get(identifiant="essai:a")
    assert (a.commune.nom, a.departement.code, a.typologie, a.telephone) == (
        "Laval",
        "53",
        "MUNI",
        "+33243000000",
    )
    e = LieuMediation.objects.get(identifiant="essai:e")
    assert e.date_maj is None  # date « 1970-01-01 » : valeur par défaut d'un outil, pas une date
    assert e.liste_services == [
        "Accès internet et matériel informatique",
        "Maîtrise des outils numériques du quotidien",
    ]

    # Correction dans le fichier : mise à jour du seul lieu modifié.
    chemin = _fichier(tmp_path, [_lieu("a", nom="Lieu a renommé", typologie="MUNI", telephone="+33243000000",
                                       courriels="contact@laval.fr")])  # fmt: skip
    bilan, _ = importer_lieux(chemin)
    assert bilan.compteurs["mis à jour"] == 1
    assert LieuMediation.objects.get(identifiant="essai:a").nom == "Lieu a renommé"
    assert LieuMediation.objects.filter(identifiant="essai:e").exists()  # absent du fichier : gardé


def test_fichier_illisible(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text("id,nom\n1,Lieu\n", encoding="utf-8")
    avant = LieuMediation.objects.count()
    with pytest.raises(FichierInvalide, match="colonnes manquantes"):
        importer_lieux(chemin)
    assert LieuMediation.objects.count() == avant


def test_commande(tmp_path, capsys):
    rejets = tmp_path / "rejets.csv"
    call_command("importer_lieux_mediation", _fichier(tmp_path, [_lieu("a"), _lieu("b", services="")]),
                 rejets=rejets)  # fmt: skip
    sortie = capsys.readouterr().out
    assert "1 créé(s)" in sortie and "1 rejeté(s)" in sortie
    assert "rejet ligne 3 (id b) : services : obligatoire, absent" in sortie
    assert rejets.read_text(encoding="utf-8").splitlines() == [
        "ligne,id,champ,message",
        '3,b,services,"obligatoire, absent"',
    ]


def test_fichier_par_defaut():
    assert (Path(settings.REFERENCE_DATA_DIR) / FICHIER).exists()
