from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from franceservices.rappels.indicateurs import indicateurs
from franceservices.rappels.models import DemandeRappel

pytestmark = pytest.mark.django_db


def test_generer_rappels_synthetiques():
    sortie = StringIO()
    call_command("generer_rappels", "--nombre", "300", "--departement", "16", "--graine", "3", stdout=sortie)
    assert "300 demande(s)" in sortie.getvalue()
    qs = DemandeRappel.objects.filter(synthetique=True)
    assert qs.count() == 300 and not qs.exclude(departement__code="16").exists()
    assert qs.filter(structure__isnull=True).exists() and qs.filter(statut="rappele").exists()
    assert not qs.filter(notification_echec_prevue_le__isnull=False).exists()
    assert indicateurs().demandes == 0  # exclues des indicateurs réels
    assert indicateurs(avec_synthetiques=True).demandes == 300
    call_command("generer_rappels", "--effacer", stdout=StringIO())
    assert not DemandeRappel.objects.filter(synthetique=True).exists()


@pytest.mark.parametrize("arguments", [["--nombre", "0"], ["--nombre", "5", "--departement", "ZZ"]])
def test_generer_rappels_erreurs(arguments):
    with pytest.raises(CommandError):
        call_command("generer_rappels", *arguments, stdout=StringIO())
