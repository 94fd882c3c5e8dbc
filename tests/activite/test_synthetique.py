from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from franceservices.activite import agregats, synthetique
from franceservices.activite.models import (
    ISSUES_TRAITEES_SUR_PLACE,
    Agregat,
    Canal,
    Demande,
    Dimension,
    LotImport,
    Origine,
    TrancheAge,
)
from franceservices.structures.models import Structure

pytestmark = pytest.mark.django_db

DU, AU = date(2025, 1, 1), date(2025, 6, 1)


@pytest.fixture
def charente():
    return Structure.objects.filter(departement__code="16")


def test_volume_exact_origine_synthetique_et_agregats_egaux_aux_lignes(charente):
    bilan = synthetique.generer(charente, DU, AU, volume=3_000, graine=3, copy=False)
    assert bilan.demandes == 3_000 and Demande.objects.count() == 3_000
    assert set(Demande.objects.values_list("origine", flat=True)) == {Origine.SYNTHETIQUE}
    assert LotImport.objects.get().nom_fichier.startswith("synthétique")
    assert set(Demande.objects.values_list("structure__departement__code", flat=True)) == {"16"}
    assert (
        Demande.objects.filter(mois__lt=DU).count() == 0 and Demande.objects.filter(mois__gt=AU).count() == 0
    )
    # Les agrégats marquent ces demandes comme synthétiques.
    assert not Agregat.objects.filter(synthetique=False).exclude(nombre=0).exists()
    assert agregats.reconcilier(DU, AU) == []


def test_parts_dans_des_bornes_realistes(charente):
    synthetique.generer(charente, DU, AU, volume=6_000, graine=5, copy=False)
    demandes = Demande.objects.all()
    n = demandes.count()
    partenaires = Counter(demandes.values_list("partenaire__code", flat=True))
    assert 0.15 < partenaires["ants"] / n < 0.23
    assert 0.12 < partenaires["cnaf"] / n < 0.20
    assert 0.10 < partenaires["dgfip"] / n < 0.25
    assert 0.04 < partenaires[None] / n < 0.10
    sur_place = demandes.filter(issue__in=ISSUES_TRAITEES_SUR_PLACE).count() / n
    assert 0.78 < sur_place < 0.86
    plus_de_55 = [TrancheAge.DE_55_64, TrancheAge.DE_65_74, TrancheAge.PLUS_75]
    renseignes = demandes.exclude(tranche_age="")
    assert 0.54 < renseignes.filter(tranche_age__in=plus_de_55).count() / renseignes.count() < 0.66
    canaux = Counter(demandes.values_list("canal", flat=True))
    assert canaux.most_common(1)[0][0] == Canal.ACCUEIL_PHYSIQUE
    # Jours ouvrés : pas de dimanche ; démarches du catalogue de leur partenaire.
    assert all(d.weekday() != 6 for d in demandes.values_list("jour", flat=True).distinct())
    assert not demandes.filter(demarche__isnull=False).exclude(demarche__partenaire=F("partenaire")).exists()
    # Saisons : août plus creux que mai.
    par_mois = Counter(demandes.values_list("mois", flat=True))
    assert par_mois[date(2025, 5, 1)] > par_mois[date(2025, 2, 1)]


def test_saisons_et_repartition_exacte():
    assert synthetique.SAISONS[8] == min(synthetique.SAISONS.values())
    assert synthetique.SAISONS[5] == max(synthetique.SAISONS.values())
    assert sorted(synthetique.repartir(100, [1, 1, 1])) == [33, 33, 34]
    assert synthetique.repartir(10, [3, 0]) == [10, 0]


def test_commande_si_vide_remplacer_et_meme_graine(charente):
    arguments = [
        "--departement",
        "16",
        "--du",
        "2025-01",
        "--au",
        "2025-03",
        "--volume",
        "900",
        "--sans-copy",
    ]
    call_command("generer_activite", *arguments)
    assert Demande.objects.count() == 900
    call_command("generer_activite", *arguments, "--si-vide")
    assert Demande.objects.count() == 900
    # Même graine, mêmes clés : rejouer n'ajoute rien (enregistrer est idempotent).
    call_command("generer_activite", *arguments)
    assert Demande.objects.count() == 900
    call_command("generer_activite", *arguments[:-3], "--volume", "300", "--remplacer", "--sans-copy")
    assert Demande.objects.count() == 300
    assert LotImport.objects.count() == 1
    total = Agregat.objects.filter(dimension=Dimension.TOTAL).values_list("nombre", flat=True)
    assert sum(total) == 300
    assert agregats.reconcilier(DU, AU) == []


def test_commande_refuse_les_erreurs():
    with pytest.raises(CommandError, match="Aucune France services"):
        call_command("generer_activite", "--departement", "00", "--du", "2025-01", "--au", "2025-01")
    with pytest.raises(CommandError, match="Mois invalide"):
        call_command("generer_activite", "--du", "janvier", "--au", "2025-01")
    with pytest.raises(CommandError, match="futur"):
        call_command("generer_activite", "--departement", "16", "--du", "2025-01", "--au", "2099-01")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY : PostgreSQL seulement")
def test_chemin_copy_agregats_sql_egaux_aux_lignes(charente):
    bilan = synthetique.generer(charente, DU, AU, volume=5_000, graine=7, copy=True)
    assert bilan.demandes == 5_000 and Demande.objects.filter(origine=Origine.SYNTHETIQUE).count() == 5_000
    assert agregats.reconcilier(DU, AU) == []
    # Mêmes demandes que par enregistrer (même graine) : le générateur ne dépend pas de l'écriture.
    d = Demande.objects.order_by("cle_client").first()
    assert d.jour == d.date_heure.astimezone(d.structure.fuseau).date()
    # Remplacer : les agrégats sont retirés en SQL, puis la nouvelle génération ajoutée.
    synthetique.generer(charente, DU, AU, volume=1_000, graine=8, copy=True, remplacer=True)
    assert Demande.objects.count() == 1_000
    assert agregats.reconcilier(DU, AU) == []
    with pytest.raises(Exception, match=r"duplicate|existe"):
        synthetique.generer(charente, DU, AU, volume=1_000, graine=8, copy=True)
