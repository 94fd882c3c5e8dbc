"""Documents de la vie du réseau : la validation des pièces des escalades (type reconnu par le contenu,
extension conforme, nom nettoyé, empreinte), avec la taille maximale propre au réseau
(`RESEAU_DOCUMENT_TAILLE_MAX`, 10 Mo par défaut, jamais au-delà de celle des escalades)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from franceservices.escalades.fichiers import ACCEPT, TYPES_ACCEPTES, nom_nettoye, valider_piece  # noqa: F401

DOCUMENTS_MAX = 5
TAILLE_MAX_DEFAUT = 10 * 1024 * 1024


def taille_max() -> int:
    return min(
        getattr(settings, "RESEAU_DOCUMENT_TAILLE_MAX", TAILLE_MAX_DEFAUT),
        settings.ESCALADES_PIECE_TAILLE_MAX,
    )


def valider_documents(fichiers) -> list:
    """Valide un envoi de documents ; toutes les erreurs réunies dans une seule ValidationError."""
    fichiers = [f for f in fichiers if f is not None]
    if len(fichiers) > DOCUMENTS_MAX:
        raise ValidationError(
            f"Vous avez joint {len(fichiers)} fichiers : {DOCUMENTS_MAX} au plus par envoi."
        )
    valides, erreurs = [], []
    maximum = taille_max()
    for fichier in fichiers:
        if fichier.size > maximum:
            nom = nom_nettoye(getattr(fichier, "name", "") or "document")
            erreurs.append(
                f"« {nom} » pèse {filesizeformat(fichier.size)} : la taille maximale d'un document est de "
                f"{filesizeformat(maximum)}."
            )
            continue
        try:
            valides.append(valider_piece(fichier))
        except ValidationError as e:
            erreurs.extend(e.messages)
    if erreurs:
        raise ValidationError(erreurs)
    return valides
