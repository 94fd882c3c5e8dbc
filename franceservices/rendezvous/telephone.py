"""Numéros de téléphone français, métropole et outre-mer (validation maison : `phonenumbers` n'est pas
une dépendance du projet).

Acceptés (espaces, points, tirets et parenthèses ignorés) :
- format national à 10 chiffres `0X XX XX XX XX` (X de 1 à 9) : métropole et DROM (0590, 0690, 0596,
  0696, 0594, 0694, 0262, 0692, 0693, 0269, 0639…) ;
- format international `+33` / `0033` suivi de 9 chiffres, et les indicatifs d'outre-mer : +590
  (Guadeloupe, Saint-Barthélemy, Saint-Martin), +596 (Martinique), +594 (Guyane), +262 (La Réunion,
  Mayotte) suivis de 9 chiffres ; +508 (Saint-Pierre-et-Miquelon), +681 (Wallis-et-Futuna), +687
  (Nouvelle-Calédonie) suivis de 6 chiffres ; +689 (Polynésie française) suivi de 8 chiffres.
Le numéro est rendu au format international E.164 (« +33612345678 », « +262692123456 »).
"""

import re

from django.core.exceptions import ValidationError

# Préfixes nationaux (après le 0) des DROM : indicatif international correspondant.
PREFIXES_DROM = {
    "590": "590", "690": "590", "691": "590",
    "596": "596", "696": "596", "697": "596",
    "594": "594", "694": "594",
    "262": "262", "263": "262", "692": "262", "693": "262",
    "269": "262", "639": "262",
}  # fmt: skip

INDICATIFS = {"33": 9, "590": 9, "596": 9, "594": 9, "262": 9, "508": 6, "681": 6, "687": 6, "689": 8}

MESSAGE = (
    "Numéro de téléphone invalide : indiquez un numéro français à 10 chiffres (ex. 06 12 34 56 78, "
    "0590 12 34 56) ou au format international (ex. +33 6 12 34 56 78, +687 12 34 56)."
)


def normaliser_telephone(texte: str) -> str:
    """Le numéro au format E.164, ou ValidationError avec un message clair."""
    brut = re.sub(r"[\s.\-()\u00a0\u202f]", "", texte or "")
    if brut.startswith("00"):
        brut = "+" + brut[2:]
    if re.fullmatch(r"0[1-9]\d{8}", brut):
        indicatif = PREFIXES_DROM.get(brut[1:4], "33")
        return f"+{indicatif}{brut[1:]}"  # ex. 0590 12 34 56 → +590 590 12 34 56
    if brut.startswith("+"):
        for indicatif, longueur in INDICATIFS.items():
            reste = brut[1 + len(indicatif) :]
            if brut[1:].startswith(indicatif) and re.fullmatch(rf"\d{{{longueur}}}", reste):
                if longueur == 9 and reste[0] == "0":
                    break
                return brut
    raise ValidationError(MESSAGE, code="telephone")
