"""Validation maison des numéros de téléphone français (métropole et outre-mer), sans dépendance.

`phonenumbers` n'est pas installé dans le projet ; ce module couvre ce dont le rappel a besoin : un numéro
qu'un agent peut composer, normalisé en E.164. Règles (plan de numérotation de l'Arcep) :
- national à 10 chiffres `0X XX XX XX XX`, X de 1 à 7 ou 9 (les 08 sont des numéros spéciaux, refusés) ;
- international `+33` / `0033` suivi de 9 chiffres (le 0 initial parfois écrit `+33 (0)6…` est toléré) ;
- outre-mer : Guadeloupe, Saint-Martin, Saint-Barthélemy (+590 : 0590 fixe, 0690/0691 mobile), Guyane (+594 :
  0594, 0694), Martinique (+596 : 0596, 0696/0697), La Réunion (+262 : 0262/0263, 0692/0693), Mayotte (+262 :
  0269, 0639) — saisis en national (0590…) ou en international (+590 590…) ;
- Saint-Pierre-et-Miquelon (+508), Wallis-et-Futuna (+681), Nouvelle-Calédonie (+687), Polynésie (+689) :
  6 chiffres (8 pour la Polynésie), en international seulement.
Espaces, points, tirets et parenthèses sont ignorés.
"""

import re

from django.core.exceptions import ValidationError

# Préfixe national (4 chiffres, 0 compris) → indicatif pays des départements d'outre-mer.
DROM = {
    "0590": "590",
    "0690": "590",
    "0691": "590",
    "0594": "594",
    "0694": "594",
    "0596": "596",
    "0696": "596",
    "0697": "596",
    "0262": "262",
    "0263": "262",
    "0692": "262",
    "0693": "262",
    "0269": "262",
    "0639": "262",
}
# Indicatif outre-mer → préfixes nationaux (sans le 0) admis derrière.
PREFIXES_DROM = {}
for _prefixe, _indicatif in DROM.items():
    PREFIXES_DROM.setdefault(_indicatif, set()).add(_prefixe[1:])
# Collectivités du Pacifique et de l'Atlantique nord : indicatif → nombre de chiffres.
COM = {"508": 6, "681": 6, "687": 6, "689": 8}

MESSAGE = (
    "Ce numéro de téléphone n'est pas valide. Saisissez un numéro français à 10 chiffres "
    "(par exemple 06 12 34 56 78 ou 0590 12 34 56) ou au format international (+33 6 12 34 56 78)."
)
_SEPARATEURS = re.compile(r"[\s.\-()/]")


def normaliser_telephone(saisie: str) -> str:
    """Le numéro en E.164 (`+33612345678`, `+590590123456`), ou ValidationError avec un message clair."""
    brut = _SEPARATEURS.sub("", saisie or "")
    if not brut:
        raise ValidationError("Indiquez un numéro de téléphone.", code="vide")
    if brut.startswith("00"):
        brut = "+" + brut[2:]
    if brut.startswith("+33"):
        reste = brut[3:]
        if reste.startswith("0") and len(reste) == 10:  # « +33 (0)6 12… »
            reste = reste[1:]
        brut = "0" + reste
    if brut.startswith("+"):
        chiffres = brut[1:]
        if not chiffres.isdigit():
            raise ValidationError(MESSAGE, code="invalide")
        for indicatif, prefixes in PREFIXES_DROM.items():
            if chiffres.startswith(indicatif):
                national = chiffres[len(indicatif) :]
                if len(national) == 9 and national[:3] in prefixes:
                    return "+" + chiffres
                raise ValidationError(MESSAGE, code="invalide")
        for indicatif, longueur in COM.items():
            if chiffres.startswith(indicatif) and len(chiffres) == len(indicatif) + longueur:
                return "+" + chiffres
        raise ValidationError(
            "Seuls les numéros de France (métropole et outre-mer) sont acceptés.", code="etranger"
        )
    if not brut.isdigit() or len(brut) != 10 or not brut.startswith("0"):
        raise ValidationError(MESSAGE, code="invalide")
    if brut[:4] in DROM:
        return f"+{DROM[brut[:4]]}{brut[1:]}"
    if brut[1] == "8":
        raise ValidationError(
            "Les numéros en 08 (numéros spéciaux) ne peuvent pas être rappelés : indiquez un numéro fixe "
            "ou mobile.",
            code="special",
        )
    if brut[1] not in "1234567" + "9":
        raise ValidationError(MESSAGE, code="invalide")
    return "+33" + brut[1:]


def afficher_telephone(e164: str) -> str:
    """`+33612345678` → `06 12 34 56 78` ; `+590590123456` → `05 90 12 34 56` ; autres : tels quels."""
    for indicatif in ("33", *PREFIXES_DROM):
        if e164.startswith("+" + indicatif) and len(e164) == len(indicatif) + 10:
            national = "0" + e164[1 + len(indicatif) :]
            return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return e164
