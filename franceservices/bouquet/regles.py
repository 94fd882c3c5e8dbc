"""Qui rédige quoi dans la base de connaissances et le catalogue."""

from franceservices.comptes.perimetre import perimetre_de


def peut_rediger(utilisateur) -> bool | frozenset[int]:
    """True pour l'équipe nationale (toutes les fiches) ; l'ensemble des partenaires dont la personne est
    référente (leurs fiches) ; un ensemble vide sinon."""
    perimetre = perimetre_de(utilisateur)
    if perimetre.national:
        return True
    return frozenset(p for p, _ in perimetre.partenaires)


def peut_rediger_pour(utilisateur, partenaire_id: int) -> bool:
    droits = peut_rediger(utilisateur)
    return droits is True or partenaire_id in droits
