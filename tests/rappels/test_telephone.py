import pytest
from django.core.exceptions import ValidationError

from franceservices.core.telephone import afficher_telephone, normaliser_telephone


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("01 40 20 50 50", "+33140205050"),
        ("05 45 00 00 00", "+33545000000"),
        ("09 72 00 00 00", "+33972000000"),
        ("07 81 00 00 00", "+33781000000"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        # Outre-mer, saisis en national
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe fixe
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe mobile
        ("0594 12 34 56", "+594594123456"),  # Guyane
        ("0694 12 34 56", "+594694123456"),
        ("0596 12 34 56", "+596596123456"),  # Martinique
        ("0696 12 34 56", "+596696123456"),
        ("0262 12 34 56", "+262262123456"),  # La Réunion
        ("0692 12 34 56", "+262692123456"),
        ("0269 61 00 00", "+262269610000"),  # Mayotte fixe
        ("0639 69 00 00", "+262639690000"),  # Mayotte mobile
        # Outre-mer, saisis en international
        ("+590 590 12 34 56", "+590590123456"),
        ("+262 269 61 00 00", "+262269610000"),
        ("+596 696 12 34 56", "+596696123456"),
        ("+508 41 23 45", "+508412345"),  # Saint-Pierre-et-Miquelon
        ("+687 28 12 34", "+687281234"),  # Nouvelle-Calédonie
        ("+689 87 12 34 56", "+68987123456"),  # Polynésie
    ],
)
def test_numeros_valides(saisie, attendu):
    assert normaliser_telephone(saisie) == attendu


@pytest.mark.parametrize(
    ("saisie", "code"),
    [
        ("", "vide"),
        ("   ", "vide"),
        ("06 12 34 56", "invalide"),  # trop court
        ("06 12 34 56 78 9", "invalide"),  # trop long
        ("6 12 34 56 78", "invalide"),  # sans le 0
        ("00 12 34 56 78", "etranger"),  # 00 = préfixe international
        ("06 12 34 56 7a", "invalide"),
        ("08 00 00 00 00", "special"),  # numéro spécial
        ("+33 8 92 00 00 00", "special"),
        ("+44 20 7946 0958", "etranger"),
        ("+1 202 555 0143", "etranger"),
        ("+590 123 45 67 89", "invalide"),  # indicatif Guadeloupe, préfixe inconnu
        ("+262 262 12 34", "invalide"),  # trop court
        ("+508 41 23 45 67", "etranger"),  # SPM : 6 chiffres seulement
        ("+33 6 12 34", "invalide"),
    ],
)
def test_numeros_invalides(saisie, code):
    with pytest.raises(ValidationError) as erreur:
        normaliser_telephone(saisie)
    assert erreur.value.code == code
    assert erreur.value.messages[0]  # un message en français, non vide


def test_affichage():
    assert afficher_telephone("+33612345678") == "06 12 34 56 78"
    assert afficher_telephone("+590590123456") == "05 90 12 34 56"
    assert afficher_telephone("+508412345") == "+508412345"
