"""Commandes `declarer_pilote` (idempotente, erreurs claires, --dry-run) et `creer_pilote_demo` (DEBUG)."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import FormationPilote, Pilote
from franceservices.partenaires.pilotes import peut_proposer
from franceservices.structures.models import Structure

pytestmark = pytest.mark.django_db
NOM = "Banque de France — pilote 2022"


def declarer(*args, **options) -> str:
    sortie = io.StringIO()
    call_command("declarer_pilote", *args, stdout=sortie, **options)
    return sortie.getvalue()


def test_idempotente():
    id_fs = Structure.objects.filter(departement__code="16").order_by("pk").first().id_fs
    texte = declarer(
        "--partenaire",
        "bdf",
        "--nom",
        NOM,
        "--departements",
        "53",
        "--structures",
        id_fs,
        "--debut",
        "2022-11-01",
    )
    assert "créé" in texte
    pilote = Pilote.objects.get(nom=NOM)
    assert pilote.debut == date(2022, 11, 1) and pilote.fin is None and pilote.formation_requise
    assert list(pilote.departements.values_list("code", flat=True)) == ["53"]
    assert list(pilote.structures.values_list("id_fs", flat=True)) == [id_fs]
    audits = EvenementAudit.objects.filter(evenement=Evenement.PILOTE_MODIFIE, cible_id=str(pilote.pk))
    assert audits.count() == 1 and audits.get().acteur_email == "commande declarer_pilote"
    texte = declarer(
        "--partenaire",
        "BDF",
        "--nom",
        NOM,
        "--departements",
        "53",
        "--structures",
        id_fs,
        "--debut",
        "2022-11-01",
    )
    assert "inchangé" in texte and Pilote.objects.filter(nom=NOM).count() == 1 and audits.count() == 1
    texte = declarer("--partenaire", "bdf", "--nom", NOM, "--departements", "53", "--debut", "2022-11-01",
                     "--fin", "2027-06-30", "--sans-formation")  # fmt: skip
    pilote.refresh_from_db()
    assert "modifié" in texte and pilote.fin == date(2027, 6, 30) and not pilote.formation_requise
    assert not pilote.structures.exists() and audits.count() == 2


def test_dry_run_n_ecrit_rien():
    texte = declarer("--partenaire", "bdf", "--nom", "Essai", "--departements", "53", "--debut", "2023-01-01",
                     "--dry-run")  # fmt: skip
    assert "serait créé" in texte and not Pilote.objects.filter(nom="Essai").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--partenaire", "inconnu", "--departements", "53", "--debut", "2023-01-01"],
            "Partenaire « inconnu » inconnu",
        ),
        (
            ["--partenaire", "cnaf", "--departements", "53", "--debut", "2023-01-01"],
            "n'est pas un partenaire en expérimentation",
        ),
        (
            ["--partenaire", "bdf", "--departements", "99", "--debut", "2023-01-01"],
            "Département(s) inconnu(s) : 99",
        ),
        (
            ["--partenaire", "bdf", "--structures", "zz", "--debut", "2023-01-01"],
            "France services inconnue(s)",
        ),
        (["--partenaire", "bdf", "--departements", "53", "--debut", "01/11/2022"], "AAAA-MM-JJ"),
        (
            ["--partenaire", "bdf", "--departements", "53", "--debut", "2023-01-01", "--fin", "2022-01-01"],
            "postérieure",
        ),
        (["--partenaire", "bdf", "--debut", "2023-01-01"], "au moins un département"),
    ],
)
def test_erreurs_claires(arguments, message):
    with pytest.raises(CommandError) as erreur:
        declarer("--nom", "Erreur", *arguments)
    assert message in str(erreur.value)
    assert not Pilote.objects.filter(nom="Erreur").exists()


def test_creer_pilote_demo(settings):
    settings.DEBUG = True
    call_command("creer_comptes_demo", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("creer_pilote_demo", stdout=io.StringIO())
    pilote = Pilote.objects.get(partenaire__code="bdf", nom__contains="démonstration")
    assert set(pilote.departements.values_list("code", flat=True)) == {settings.DEMO_DEPARTEMENT, "53"}
    formation = FormationPilote.objects.get(pilote=pilote)
    agent = formation.agent
    structure = agent.habilitations.get(role=Role.AGENT).structure
    from franceservices.partenaires.models import Partenaire

    assert peut_proposer(agent, Partenaire.objects.get(code="bdf"), structure)
    sortie = io.StringIO()
    call_command("creer_pilote_demo", stdout=sortie)  # idempotente
    assert "inchangé" in sortie.getvalue() and "déjà" in sortie.getvalue()
    assert (
        Pilote.objects.filter(nom=pilote.nom).count() == 1
        and FormationPilote.objects.filter(pilote=pilote).count() == 1
    )


def test_creer_pilote_demo_refuse_hors_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("creer_pilote_demo")
