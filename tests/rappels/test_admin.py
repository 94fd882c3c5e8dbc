import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rappels.models import Orientation
from franceservices.rappels.orientation import Reponses, enregistrer_decision
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .fabriques import rappel, structure

pytestmark = pytest.mark.django_db


def test_pages_d_administration(client):
    r = rappel(structure=structure(), telephone="0696 12 34 56")
    decision = enregistrer_decision(reponses=Reponses(), orientation=Orientation.RAPPEL)
    superutilisateur = personne(Role.EQUIPE_NATIONALE)
    superutilisateur.is_staff = superutilisateur.is_superuser = True
    superutilisateur.save()
    connecter(client, superutilisateur)
    liste = client.get(reverse("admin:rappels_demanderappel_changelist"))
    assert liste.status_code == 200
    assert "+596696123456" not in liste.content.decode()  # pas de téléphone dans la liste
    fiche = client.get(reverse("admin:rappels_demanderappel_change", args=[r.pk]))
    assert fiche.status_code == 200 and "+596696123456" in fiche.content.decode()
    assert EvenementAudit.objects.filter(
        evenement=Evenement.ACCES_DONNEES_PERSONNELLES,
        acteur=superutilisateur,
        cible_id=str(r.pk),
        details__action="rappel_consulte_admin",
    ).exists()
    assert client.get(reverse("admin:rappels_decisionorientation_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:rappels_decisionorientation_change", args=[decision.pk])).status_code == 200
    )
