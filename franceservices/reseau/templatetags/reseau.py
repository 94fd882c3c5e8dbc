"""Pastille du menu : `{% load reseau %}{% non_lues_reseau request.user as n %}` — nombre de publications en
ligne adressées à la personne et qu'elle n'a pas lues (une requête, plus celle des régions de son périmètre)."""

from django import template
from django.db.models import Exists, OuterRef

register = template.Library()


@register.simple_tag
def non_lues_reseau(utilisateur) -> int:
    from franceservices.comptes.perimetre import perimetre_de
    from franceservices.reseau.models import Lecture, Publication

    if utilisateur is None or not utilisateur.is_authenticated or perimetre_de(utilisateur).est_vide:
        return 0
    lues = Lecture.objects.filter(publication=OuterRef("pk"), personne=utilisateur)
    return Publication.objects.visible_par(utilisateur).en_ligne().filter(~Exists(lues)).count()
