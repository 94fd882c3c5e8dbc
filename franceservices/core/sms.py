"""Envoi de SMS aux usagers par une interface de fournisseur, choisie par `SMS_BACKEND`.

Aucun fournisseur n'est branché ici : le projet livre trois moteurs, et un fournisseur réel (API HTTP d'un
opérateur) s'ajoute par une classe qui implémente `envoyer(sms)` :
- `ConsoleBackend` (défaut en développement) : écrit le SMS sur la sortie standard ;
- `FichierBackend` : ajoute une ligne JSON par SMS dans `SMS_FICHIER` (défaut `var/sms.jsonl`) — ce que
  `make run` utilise pour qu'on puisse relire ce qui serait parti ;
- `MemoireBackend` : garde les SMS dans `boite` (tests).

`envoyer_sms` valide le numéro (normalisé en E.164 par `core.telephone`) et la longueur, puis confie l'envoi
au moteur ; une erreur du moteur remonte à l'appelant (qui décide de réessayer).
"""

import json
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.module_loading import import_string

from .telephone import normaliser_telephone

LONGUEUR_MAX = 459  # 3 segments GSM 7 bits concaténés (153 × 3)


@dataclass(frozen=True)
class Sms:
    numero: str  # E.164
    texte: str
    le: datetime


class ConsoleBackend:
    def envoyer(self, sms: Sms) -> None:
        sys.stdout.write(f"SMS pour {sms.numero} ({sms.le:%d/%m/%Y %H:%M}) :\n{sms.texte}\n---\n")
        sys.stdout.flush()


class FichierBackend:
    def envoyer(self, sms: Sms) -> None:
        chemin = Path(getattr(settings, "SMS_FICHIER", "var/sms.jsonl"))
        chemin.parent.mkdir(parents=True, exist_ok=True)
        with chemin.open("a", encoding="utf-8") as fichier:
            fichier.write(json.dumps({**asdict(sms), "le": sms.le.isoformat()}, ensure_ascii=False) + "\n")


boite: list[Sms] = []


class MemoireBackend:
    def envoyer(self, sms: Sms) -> None:
        boite.append(sms)


def moteur():
    return import_string(getattr(settings, "SMS_BACKEND", "franceservices.core.sms.ConsoleBackend"))()


def envoyer_sms(numero: str, texte: str) -> Sms:
    """Envoie `texte` à `numero` (tout format accepté par `normaliser_telephone`)."""
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError("Un SMS ne peut pas être vide.")
    if len(texte) > LONGUEUR_MAX:
        raise ValidationError(f"Un SMS ne dépasse pas {LONGUEUR_MAX} caractères ({len(texte)} ici).")
    sms = Sms(numero=normaliser_telephone(numero), texte=texte, le=timezone.now())
    moteur().envoyer(sms)
    return sms
