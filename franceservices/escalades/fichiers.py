"""Pièces jointes des escalades : validation par le contenu, stockage par l'API de stockage de Django.

Une pièce est acceptée si son contenu est d'un type de la liste blanche (signature reconnue : PDF, PNG,
JPEG, ODT, DOCX), si son extension correspond à ce contenu (un .exe renommé .pdf est refusé), si sa taille
ne dépasse pas `ESCALADES_PIECE_TAILLE_MAX` et si l'envoi ne compte pas plus de `PIECES_MAX` fichiers.
Les pièces ne sont jamais servies depuis MEDIA : seulement par la vue `escalades:piece`, après contrôle du
périmètre.
"""

import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

PIECES_MAX = 5

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXTENSIONS = {
    PDF: {"pdf"},
    PNG: {"png"},
    JPEG: {"jpg", "jpeg"},
    ODT: {"odt"},
    DOCX: {"docx"},
}
LIBELLES = {
    PDF: "PDF",
    PNG: "image PNG",
    JPEG: "image JPEG",
    ODT: "texte OpenDocument (ODT)",
    DOCX: "Word (DOCX)",
}
TYPES_ACCEPTES = "PDF, PNG, JPEG, ODT ou DOCX"
ACCEPT = ".pdf,.png,.jpg,.jpeg,.odt,.docx"


@dataclass
class PieceValide:
    fichier: object  # UploadedFile, curseur remis au début
    nom: str
    type_mime: str
    taille: int
    empreinte: str


def _type_zip(fichier) -> str | None:
    """ODT ou DOCX d'après le contenu de l'archive ; None pour tout autre zip (ou un zip illisible)."""
    try:
        fichier.seek(0)
        with zipfile.ZipFile(fichier) as archive:
            noms = set(archive.namelist())
            if "mimetype" in noms:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100 and archive.read("mimetype").strip() == ODT.encode():
                    return ODT
            if "[Content_Types].xml" in noms and "word/document.xml" in noms:
                return DOCX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError, NotImplementedError):
        return None
    finally:
        fichier.seek(0)
    return None


def type_du_contenu(fichier) -> str | None:
    """Type MIME déduit des premiers octets (jamais du nom ni du type annoncé par le navigateur)."""
    fichier.seek(0)
    tete = fichier.read(16)
    fichier.seek(0)
    if tete.startswith(b"%PDF-"):
        return PDF
    if tete.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if tete.startswith(b"\xff\xd8\xff"):
        return JPEG
    if tete.startswith(b"PK\x03\x04"):
        return _type_zip(fichier)
    return None


def nom_nettoye(nom: str) -> str:
    """Nom affichable et sûr : sans chemin, sans caractère de contrôle ni séparateur, 120 caractères au plus."""
    nom = unicodedata.normalize("NFC", os.path.basename(nom.replace("\\", "/")))
    nom = "".join(c for c in nom if unicodedata.category(c)[0] != "C")
    nom = re.sub(r'[<>:"/\\|?*;]+', "_", nom).strip(" .")
    base, point, extension = nom.rpartition(".")
    if not point:
        base, extension = nom, ""
    base = base[: 120 - len(extension) - 1] or "piece"
    return f"{base}.{extension.lower()}" if extension else base


def _empreinte(fichier) -> str:
    h = hashlib.sha256()
    fichier.seek(0)
    for bloc in fichier.chunks() if hasattr(fichier, "chunks") else iter(lambda: fichier.read(65536), b""):
        h.update(bloc)
    fichier.seek(0)
    return h.hexdigest()


def valider_piece(fichier) -> PieceValide:
    nom = nom_nettoye(getattr(fichier, "name", "") or "piece")
    taille_max = settings.ESCALADES_PIECE_TAILLE_MAX
    if fichier.size == 0:
        raise ValidationError(f"« {nom} » est vide.")
    if fichier.size > taille_max:
        raise ValidationError(
            f"« {nom} » pèse {filesizeformat(fichier.size)} : la taille maximale d'une pièce est de "
            f"{filesizeformat(taille_max)}."
        )
    type_mime = type_du_contenu(fichier)
    if type_mime is None:
        raise ValidationError(
            f"« {nom} » n'est pas d'un type accepté : seuls les fichiers {TYPES_ACCEPTES} sont acceptés "
            "(le contenu du fichier est vérifié, pas seulement son nom)."
        )
    extension = nom.rpartition(".")[2].lower() if "." in nom else ""
    if extension not in EXTENSIONS[type_mime]:
        raise ValidationError(
            f"« {nom} » est en réalité un fichier {LIBELLES[type_mime]} : son extension ne correspond pas à "
            f"son contenu. Renommez-le en .{sorted(EXTENSIONS[type_mime])[0]} ou joignez le bon fichier."
        )
    return PieceValide(
        fichier=fichier, nom=nom, type_mime=type_mime, taille=fichier.size, empreinte=_empreinte(fichier)
    )


def valider_pieces(fichiers) -> list[PieceValide]:
    """Valide un envoi ; toutes les erreurs sont réunies dans une seule ValidationError."""
    fichiers = [f for f in fichiers if f is not None]
    if len(fichiers) > PIECES_MAX:
        raise ValidationError(f"Vous avez joint {len(fichiers)} fichiers : {PIECES_MAX} au plus par envoi.")
    valides, erreurs = [], []
    for fichier in fichiers:
        try:
            valides.append(valider_piece(fichier))
        except ValidationError as e:
            erreurs.extend(e.messages)
    if erreurs:
        raise ValidationError(erreurs)
    return valides
