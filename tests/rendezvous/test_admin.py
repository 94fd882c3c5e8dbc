"""Administration : toutes les listes s'ouvrent ; les rendez-vous sont en lecture seule, sans données de l'usager."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.rendezvous import actions
from franceservices.rendezvous.models import RendezVous
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .fabriques import a_paris, semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db


def test_listes_et_fiche_en_lecture_seule(client):
    structure = structure_du("16")
    semaine_type(structure)
    rdv = actions.reserver(
        structure=structure, type_=type_rdv(structure), debut=a_paris(2026, 11, 2, 9), nom="Quenouillard",
        telephone="0612345678", courriel="", maintenant=a_paris(2026, 11, 1),
    )  # fmt: skip
    admin = personne(Role.EQUIPE_NATIONALE)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    connecter(client, admin)
    for modele in ("typerendezvous", "disponibilite", "permanence", "fermeture", "rendezvous"):
        assert client.get(reverse(f"admin:rendezvous_{modele}_changelist")).status_code == 200
    assert not site._registry[RendezVous].has_change_permission(None, rdv)
    reponse = client.get(reverse("admin:rendezvous_rendezvous_change", args=[rdv.pk]))
    assert reponse.status_code == 200
    assert "Quenouillard" not in reponse.content.decode() and "612345678" not in reponse.content.decode()
