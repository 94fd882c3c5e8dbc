import json

import pytest
from django.core.exceptions import ValidationError

from franceservices.core import sms


def test_envoi_normalise_le_numero_et_garde_le_sms(sms_en_memoire):
    envoye = sms.envoyer_sms("06 12 34 56 78", "Votre rendez-vous est confirmé.")
    assert envoye.numero == "+33612345678"
    assert sms_en_memoire == [envoye]


def test_numero_invalide_refuse_sans_envoi(sms_en_memoire):
    with pytest.raises(ValidationError):
        sms.envoyer_sms("08 00 00 00 00", "Bonjour")
    assert sms_en_memoire == []


@pytest.mark.parametrize("texte", ["", "   ", "x" * (sms.LONGUEUR_MAX + 1)])
def test_texte_vide_ou_trop_long_refuse(texte, sms_en_memoire):
    with pytest.raises(ValidationError):
        sms.envoyer_sms("0612345678", texte)
    assert sms_en_memoire == []


def test_moteur_fichier_ecrit_une_ligne_json_par_sms(settings, tmp_path):
    settings.SMS_BACKEND = "franceservices.core.sms.FichierBackend"
    settings.SMS_FICHIER = str(tmp_path / "sms" / "envoyes.jsonl")
    sms.envoyer_sms("0590 12 34 56", "Premier")
    sms.envoyer_sms("+33 6 12 34 56 78", "Second")
    lignes = [json.loads(ligne) for ligne in (tmp_path / "sms" / "envoyes.jsonl").read_text().splitlines()]
    assert [(ligne["numero"], ligne["texte"]) for ligne in lignes] == [
        ("+590590123456", "Premier"),
        ("+33612345678", "Second"),
    ]


def test_moteur_console(settings, capsys):
    settings.SMS_BACKEND = "franceservices.core.sms.ConsoleBackend"
    sms.envoyer_sms("0612345678", "Bonjour")
    assert "SMS pour +33612345678" in capsys.readouterr().out
