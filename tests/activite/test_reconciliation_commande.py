import pytest
from django.core.management import CommandError, call_command

from franceservices.activite.models import Agregat, AgregatDepartement, Dimension
from franceservices.structures.models import Structure

from .fabriques import enregistrer_une

pytestmark = pytest.mark.django_db

PERIODE = ["--du", "2026-01", "--au", "2026-12"]


@pytest.fixture
def structure():
    return Structure.objects.filter(departement__code="16").order_by("id_fs").first()


def test_aucun_ecart(structure, capsys):
    enregistrer_une(structure)
    call_command("reconcilier_activite", *PERIODE)
    assert "2026-01 → 2026-12 : aucun écart" in capsys.readouterr().out


def test_ecart_provoque_code_1_puis_reparer(structure, capsys):
    enregistrer_une(structure, duree=30)
    Agregat.objects.filter(structure=structure, dimension=Dimension.CANAL).update(nombre=7)
    AgregatDepartement.objects.filter(dimension=Dimension.TOTAL).delete()
    with pytest.raises(SystemExit) as sortie:
        call_command("reconcilier_activite", *PERIODE)
    assert sortie.value.code == 1
    sortie_texte = capsys.readouterr().out
    assert "2 écart(s)" in sortie_texte
    assert "canal=accueil_physique : attendu 1 demandes / 30 min, trouvé 7 / 30" in sortie_texte
    assert "total=∅ : attendu 1 demandes / 30 min, trouvé 0 / 0" in sortie_texte
    call_command("reconcilier_activite", *PERIODE, "--reparer")
    texte = capsys.readouterr().out
    assert "Agrégats reconstruits" in texte
    assert texte.strip().splitlines()[-1].startswith("2026-01 → 2026-12 : aucun écart")
    assert Agregat.objects.get(structure=structure, dimension=Dimension.CANAL).nombre == 1
    call_command("reconcilier_activite", *PERIODE)  # idempotent : plus d'écart, pas de sortie 1


def test_mois_invalides():
    with pytest.raises(CommandError, match="--du invalide"):
        call_command("reconcilier_activite", "--du", "2026", "--au", "2026-12")
    with pytest.raises(CommandError, match="précéder"):
        call_command("reconcilier_activite", "--du", "2026-12", "--au", "2026-01")
