"""Fabriques des tests de la vie du réseau : vraies France services et territoires du référentiel importé ;
événements et publications créés à la demande."""

from datetime import timedelta

from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.reseau.models import EvenementReseau, Portee, Publication
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter  # noqa: F401 (réexporté pour les tests de vues)


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def departement(code) -> Departement:
    return Departement.objects.get(code=code)


def agent(structure_):
    return personne(Role.AGENT, structure=structure_)


def responsable(structure_):
    return personne(Role.RESPONSABLE, structure=structure_)


def animateur(departement_):
    return personne(Role.ANIMATEUR, departement=departement_)


def perimetre(champs):
    """`departement=d` → portée départementale ; `region=r` → régionale ; ni l'un ni l'autre → nationale."""
    if champs.get("departement") is not None:
        champs.setdefault("portee", Portee.DEPARTEMENT)
    elif champs.get("region") is not None:
        champs.setdefault("portee", Portee.REGION)
    else:
        champs.setdefault("portee", Portee.NATIONAL)
    return champs


def evenement(*, dans_jours=10, duree_heures=2, **champs) -> EvenementReseau:
    debut = timezone.now() + timedelta(days=dans_jours)
    valeurs = {
        "titre": "Réunion de réseau de test",
        "debut": debut,
        "fin": debut + timedelta(hours=duree_heures),
        "lieu": "Salle du conseil, préfecture",
        **perimetre(champs),
    }
    return EvenementReseau.objects.create(**valeurs)


def publication(**champs) -> Publication:
    valeurs = {"titre": "Nouvelle fiche partenaire", "texte": "Le texte de l'actualité.", **perimetre(champs)}
    return Publication.objects.create(**valeurs)
