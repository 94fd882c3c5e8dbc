"""Comptes de démonstration : un par rôle (deux référents), sur de vraies France services, jamais hors DEBUG."""

import io

import pytest
from django.core.management import CommandError, call_command

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.comptes.perimetre import perimetre_de

pytestmark = pytest.mark.django_db


def test_un_compte_par_role_idempotent(settings):
    settings.DEBUG = True
    sortie = io.StringIO()
    call_command("creer_comptes_demo", stdout=sortie, stderr=io.StringIO())
    call_command("creer_comptes_demo", stdout=io.StringIO(), stderr=io.StringIO())
    demos = Utilisateur.objects.filter(demo=True)
    # Un compte par rôle, plus un second référent : national de la Banque de France (pilote).
    assert demos.count() == len(Role) + 1
    roles = set(Habilitation.objects.actives().filter(utilisateur__demo=True).values_list("role", flat=True))
    assert roles == set(Role)
    assert Habilitation.objects.filter(utilisateur__demo=True).count() == len(Role) + 1
    referent_bdf = Habilitation.objects.get(utilisateur__email__startswith="referent-bdf@")
    assert referent_bdf.partenaire.code == "bdf" and referent_bdf.departement is None
    for utilisateur in demos:
        assert utilisateur.check_password(settings.MOT_DE_PASSE_DEMO)
    # Le tout sur le département choisi (Charente par défaut), avec de vraies France services.
    agent = demos.get(email__startswith="agent@")
    structure = perimetre_de(agent).habilitations[0].structure
    assert structure.departement.code == settings.DEMO_DEPARTEMENT
    assert structure.id_fs
    assert "France-services-demo-2026" in sortie.getvalue()


def test_jamais_hors_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="jamais"):
        call_command("creer_comptes_demo", stdout=io.StringIO())
    assert not Utilisateur.objects.filter(demo=True).exists()


def test_departement_inconnu(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="inconnu"):
        call_command("creer_comptes_demo", departement="00", stdout=io.StringIO())
