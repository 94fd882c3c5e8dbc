"""Qui voit et qui fait quoi pour le label (déduit de `comptes.perimetre`, jamais ailleurs dans l'application).

- Voir la conformité : équipe nationale (tout), animateurs et préfectures (leurs départements), agents et
  responsables (leurs France services). Les référents partenaires et conseillers numériques : rien.
- Critères : lecture par l'équipe nationale, les animateurs et les préfectures ; modification par l'équipe
  nationale seulement.
- Constats d'audit : préfecture du département et équipe nationale.
- Cycle : le porteur (responsable de la France services) dépose la candidature ; la préfecture du
  département instruit et décide (elle peut aussi enregistrer une candidature reçue hors de l'outil) ;
  l'équipe nationale peut tout ; l'animateur voit.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from franceservices.comptes.perimetre import RIEN
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from .models import DEPOSEES_PAR_LE_PORTEUR, TRANSITIONS


def voit_label(perimetre) -> bool:
    return perimetre.national or bool(perimetre.departements_pilotes or perimetre.structures)


def voit_criteres(perimetre) -> bool:
    return perimetre.national or bool(perimetre.departements_pilotes)


def gere_criteres(perimetre) -> bool:
    return perimetre.national


def filtre_structures(perimetre) -> Q:
    if perimetre.national:
        return Q()
    conditions = []
    if perimetre.departements_pilotes:
        conditions.append(Q(departement_id__in=perimetre.departements_pilotes))
    if perimetre.structures:
        conditions.append(Q(pk__in=perimetre.structures))
    return reduce(or_, conditions) if conditions else RIEN


def structures_visibles(perimetre):
    return Structure.objects.filter(filtre_structures(perimetre))


def departements_visibles(perimetre):
    if perimetre.national:
        return Departement.objects.all()
    return Departement.objects.filter(pk__in=perimetre.departements_pilotes)


def peut_constater(perimetre, structure) -> bool:
    return perimetre.national or structure.departement_id in perimetre.departements_prefecture


def transitions_permises(perimetre, structure, etat) -> list[str]:
    """États vers lesquels la personne peut faire passer le dossier de `structure` depuis `etat`."""
    possibles = TRANSITIONS.get(etat, set())
    prefecture = structure.departement_id in perimetre.departements_prefecture
    porteur = structure.pk in perimetre.structures_responsable
    permises = []
    for vers in possibles:
        if perimetre.national or prefecture or (vers in DEPOSEES_PAR_LE_PORTEUR and porteur):
            permises.append(vers)
    ordre = list(TRANSITIONS)  # ordre de lecture du cycle
    return sorted(permises, key=lambda e: ordre.index(e) if e in ordre else len(ordre))
