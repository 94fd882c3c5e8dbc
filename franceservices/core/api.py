"""Schémas des réponses d'erreur de l'API (documentés dans le schéma OpenAPI de chaque route)."""

from ninja import Schema


class Erreur(Schema):
    message: str


class ErreurChamp(Schema):
    champ: str
    message: str


class ErreurValidation(Erreur):
    erreurs: list[ErreurChamp]


# Réponses d'erreur communes : requête refusée avant la vue (400, ex. caractère nul :
# core.middleware), paramètre invalide (422).
ERREURS_VALIDATION = {400: Erreur, 422: ErreurValidation}
