"""Purge des données personnelles des escalades closes : identité, champs, textes, consentement, pièces
(fichier supprimé du stockage) ; ce qui sert aux chiffres est gardé ; journalisée ; idempotente."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import EvenementAudit
from franceservices.escalades.models import (
    Consentement,
    Cote,
    Escalade,
    Message,
    MotifRejet,
    PieceJointe,
    Statut,
)
from franceservices.escalades.purge import EFFACE, limite, purger
from franceservices.escalades.synthetique import nouvelle_escalade
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

NOM = "Marchepied-Sauvignac"


@pytest.fixture
def stockage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def fabrique(stockage):
    structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
    partenaire = Partenaire.objects.order_by("pk").first()
    agent = personne(Role.AGENT, structure=structure)

    def creer(close_depuis_jours: int | None, **champs):
        ouverte = timezone.now() - timedelta(days=(close_depuis_jours or 0) + 20)
        statut = champs.pop(
            "statut", Statut.RESOLUE if close_depuis_jours is not None else Statut.PRISE_EN_CHARGE
        )
        escalade = nouvelle_escalade(
            structure=structure,
            partenaire=partenaire,
            ouverte_le=ouverte,
            ouverte_par=agent,
            statut=statut,
            close_le=timezone.now() - timedelta(days=close_depuis_jours)
            if close_depuis_jours is not None
            else None,
            usager_nom=NOM,
            usager_prenom="Anatole",
            usager_date_naissance=timezone.localdate() - timedelta(days=365 * 40),
            donnees={"numero_allocataire": "1234567"},
            objet=f"Dossier de {NOM}",
            description=f"{NOM} attend son versement",
            jours_ouvres_reponse=7,
            dans_les_temps=True,
            **champs,
        )
        Consentement.objects.create(
            escalade=escalade,
            usager=f"Anatole {NOM}",
            partenaire=partenaire,
            recueilli_par=agent,
            donnees_partagees=["identite"],
        )
        message = Message.objects.create(
            escalade=escalade, auteur=agent, cote=Cote.STRUCTURE, texte=f"Pour {NOM}"
        )
        piece = PieceJointe(
            escalade=escalade,
            message=message,
            nom=f"avis-{NOM}.pdf",
            type_mime="application/pdf",
            taille=4,
            empreinte="0" * 64,
            deposee_par=agent,
        )
        piece.fichier.save("x", ContentFile(b"%PDF"), save=False)
        piece.save()
        return escalade, piece.fichier.name

    return creer


def test_purge_efface_le_personnel_garde_les_chiffres(fabrique, stockage):
    ancienne, fichier = fabrique(
        200,
        statut=Statut.REJETEE,
        motif_rejet=MotifRejet.INCOMPLET,
        precision_rejet=f"Manque l'avis de {NOM}",
    )
    recente, fichier_recent = fabrique(30)
    en_cours, fichier_en_cours = fabrique(None)
    assert (stockage / fichier).exists()

    bilan = purger(mois=6)
    assert (bilan.escalades, bilan.messages, bilan.consentements, bilan.pieces) == (1, 1, 1, 1)

    e = Escalade.objects.get(pk=ancienne.pk)
    assert (e.usager_nom, e.usager_prenom, e.usager_date_naissance, e.donnees) == ("", "", None, {})
    assert e.objet == EFFACE and e.description == EFFACE and e.precision_rejet == ""
    assert e.anonymisee_le is not None
    # Gardé pour les chiffres.
    assert (e.partenaire_id, e.departement_id, e.structure_id) == (
        ancienne.partenaire_id,
        ancienne.departement_id,
        ancienne.structure_id,
    )
    assert (e.statut, e.motif_rejet, e.jours_ouvres_reponse, e.dans_les_temps) == (
        Statut.REJETEE,
        MotifRejet.INCOMPLET,
        7,
        True,
    )
    assert e.ouverte_le == ancienne.ouverte_le and e.close_le == ancienne.close_le
    consentement = Consentement.objects.get(escalade=e)
    assert consentement.usager == EFFACE
    assert consentement.donnees_partagees == ["identite"] and consentement.recueilli_par_id is not None
    assert list(Message.objects.filter(escalade=e).values_list("texte", flat=True)) == [EFFACE]
    assert not PieceJointe.objects.filter(escalade=e).exists()
    assert not (stockage / fichier).exists()  # le fichier a quitté le stockage

    # Les autres sont intacts.
    for autre, nom_fichier in ((recente, fichier_recent), (en_cours, fichier_en_cours)):
        autre.refresh_from_db()
        assert autre.usager_nom == NOM and autre.anonymisee_le is None
        assert (stockage / nom_fichier).exists()
        assert PieceJointe.objects.filter(escalade=autre).count() == 1

    (evenement,) = EvenementAudit.objects.filter(evenement="purge")
    assert evenement.details["escalades"] == 1 and evenement.details["pieces"] == 1
    assert evenement.details["conservation_mois"] == 6
    assert NOM not in str(evenement.details)

    # Relancée : rien de plus, pas de nouvel événement.
    assert purger(mois=6).escalades == 0
    assert EvenementAudit.objects.filter(evenement="purge").count() == 1


def test_commande_dry_run_mois_et_reglage(fabrique, settings, capsys):
    fabrique(200)
    fabrique(40)
    call_command("purger_escalades", "--dry-run")
    assert "À blanc : 1 escalade(s)" in capsys.readouterr().out
    assert Escalade.objects.filter(anonymisee_le__isnull=False).count() == 0
    assert not EvenementAudit.objects.filter(evenement="purge").exists()

    settings.ESCALADES_CONSERVATION_MOIS = 1
    call_command("purger_escalades")
    assert "2 escalade(s)" in capsys.readouterr().out
    call_command("purger_escalades", "--mois", "1")
    assert "0 escalade(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="au moins un mois"):
        call_command("purger_escalades", "--mois", "0")


def test_limite_fin_de_mois():
    from datetime import datetime

    from django.utils.timezone import make_aware

    assert limite(6, make_aware(datetime(2026, 8, 31, 12))) == make_aware(datetime(2026, 2, 28, 12))
    assert limite(6, make_aware(datetime(2026, 3, 15, 8))) == make_aware(datetime(2025, 9, 15, 8))


def test_fichiers_orphelins_balayes(fabrique, stockage):
    """Un fichier écrit par un envoi dont la transaction a échoué (aucune PieceJointe ne le référence) est
    supprimé par la purge au-delà d'un jour ; un fichier récent (envoi en cours) et les pièces connues restent."""
    import os

    from franceservices.escalades.purge import balayer_fichiers_orphelins

    _, connu = fabrique(None)
    dossier = stockage / "escalades" / "2026" / "11"
    dossier.mkdir(parents=True, exist_ok=True)
    ancien, recent = dossier / "orphelin-ancien", dossier / "orphelin-recent"
    ancien.write_bytes(b"%PDF-1.4 orphelin")
    recent.write_bytes(b"%PDF-1.4 en cours")
    il_y_a_deux_jours = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(ancien, (il_y_a_deux_jours, il_y_a_deux_jours))

    assert balayer_fichiers_orphelins(dry_run=True) == ["escalades/2026/11/orphelin-ancien"]
    assert ancien.exists()
    bilan = purger(mois=6)
    assert bilan.fichiers_orphelins == 1
    assert not ancien.exists() and recent.exists() and (stockage / connu).exists()
    assert purger(mois=6).fichiers_orphelins == 0  # idempotente
