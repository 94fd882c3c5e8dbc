"""Fabriques des tests de l'animation : vraies France services du référentiel."""

from datetime import timedelta

from django.utils import timezone

from franceservices.animation.models import ActionSuivi, Visite
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def animateur(departement):
    return personne(Role.ANIMATEUR, departement=departement)


def connecter(client, utilisateur):
    from franceservices.comptes.middleware import CLE_SESSION

    client.force_login(utilisateur)
    s = client.session
    s[CLE_SESSION] = True
    s.save()
    return utilisateur


def visite(s=None, *, auteur=None, jours=-10, **champs) -> Visite:
    s = s or structure()
    return Visite.objects.create(
        structure=s, date=timezone.localdate() + timedelta(days=jours), auteur=auteur, **champs
    )


def action(v, *, echeance_jours=-1, porteur=None, **champs) -> ActionSuivi:
    if porteur is None:
        champs.setdefault("porteur_texte", "Mairie (secrétariat)")
    return ActionSuivi.objects.create(
        visite=v,
        libelle=champs.pop("libelle", "Afficher les horaires"),
        porteur=porteur,
        echeance=timezone.localdate() + timedelta(days=echeance_jours),
        **champs,
    )
