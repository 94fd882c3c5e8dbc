"""Commandes : fiches d'exemple (idempotentes, responsable exigé) et fiches synthétiques du banc."""

import io

import pytest
from django.core.management import CommandError, call_command

from franceservices.bouquet.models import Fiche
from franceservices.bouquet.recherche import chercher

pytestmark = pytest.mark.django_db


def lancer(*args, **kwargs) -> str:
    sortie = io.StringIO()
    call_command(*args, stdout=sortie, stderr=io.StringIO(), **kwargs)
    return sortie.getvalue()


def test_fiches_exemple_sans_responsable():
    with pytest.raises(CommandError, match="Aucun compte de l'équipe nationale"):
        lancer("charger_fiches_exemple")
    with pytest.raises(CommandError, match="Aucun compte actif"):
        lancer("charger_fiches_exemple", responsable="personne@exemple.fr")


def test_fiches_exemple_idempotentes(national):
    assert "créées" in lancer("charger_fiches_exemple", dry_run=True)
    assert not Fiche.objects.exists()
    lancer("charger_fiches_exemple")
    nombre = Fiche.objects.count()
    assert nombre >= 15
    lancer("charger_fiches_exemple")
    assert Fiche.objects.count() == nombre
    assert all(
        "Fiche d'exemple du projet, à relire par le partenaire." in f.contenu for f in Fiche.objects.all()
    )
    assert all(f.versions.count() == 1 and f.responsable == national for f in Fiche.objects.all())
    for requete, mot in [
        ("perte carte identité", "identité"),
        ("surendetement", "Surendettement"),
        ("cni perdue", "identité"),
        ("droit au conte", "Droit au compte"),
    ]:
        ids = chercher(Fiche.objects.all(), requete).ids
        assert mot in Fiche.objects.get(pk=ids[0]).titre, requete


def test_generer_fiches(national):
    lancer("generer_fiches", nombre=40)
    assert Fiche.objects.filter(synthetique=True).count() == 40
    assert all(f.texte_recherche for f in Fiche.objects.all())
    lancer("generer_fiches", supprimer=True)
    assert not Fiche.objects.exists()
