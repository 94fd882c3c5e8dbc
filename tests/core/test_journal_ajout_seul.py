"""Le journal d'audit est en ajout seul : ni le code, ni (sur PostgreSQL) la base ne le laissent modifier."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from franceservices.comptes.models import Role
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement, EvenementAudit
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db


@pytest.fixture
def evenement(structure):
    acteur = personne(Role.AGENT, structure=structure, email="agent@exemple.fr")
    return journaliser(
        Evenement.STRUCTURE_MODIFIEE, acteur=acteur, cible=structure, details={"champ": "horaires"}
    )


def test_journaliser_enregistre_acteur_cible_et_ip(structure):
    acteur = personne(Role.AGENT, structure=structure, email="agent@exemple.fr")
    requete = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    requete.user = acteur

    e = journaliser(
        Evenement.STRUCTURE_MODIFIEE, request=requete, cible=structure, details={"champ": "horaires"}
    )

    e.refresh_from_db()
    assert (e.acteur, e.acteur_email, e.adresse_ip) == (acteur, "agent@exemple.fr", "203.0.113.7")
    assert (e.cible_type, e.cible_id, e.cible_libelle) == (
        "structures.Structure",
        str(structure.pk),
        str(structure),
    )
    assert e.details == {"champ": "horaires"}


def test_enregistrer_une_ligne_existante_refuse(evenement):
    evenement.acteur_email = "autre@exemple.fr"
    with pytest.raises(PermissionError):
        evenement.save()
    evenement.refresh_from_db()
    assert evenement.acteur_email == "agent@exemple.fr"


def test_supprimer_une_ligne_refuse(evenement):
    with pytest.raises(PermissionError):
        evenement.delete()
    assert EvenementAudit.objects.filter(pk=evenement.pk).exists()


def test_modifier_en_masse_refuse(evenement):
    with pytest.raises(PermissionError):
        EvenementAudit.objects.filter(pk=evenement.pk).update(acteur_email="autre@exemple.fr")
    with pytest.raises(PermissionError):
        EvenementAudit.objects.all().update(details={})
    evenement.refresh_from_db()
    assert evenement.acteur_email == "agent@exemple.fr"


def test_supprimer_en_masse_refuse(evenement):
    with pytest.raises(PermissionError):
        EvenementAudit.objects.filter(pk=evenement.pk).delete()
    with pytest.raises(PermissionError):
        EvenementAudit.objects.all().delete()
    assert EvenementAudit.objects.filter(pk=evenement.pk).exists()


postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="déclencheur de la migration core/0002 : PostgreSQL seulement"
)


@postgresql
@pytest.mark.parametrize(
    "requete",
    [
        "UPDATE core_evenementaudit SET acteur_email = 'autre@exemple.fr' WHERE id = %s",
        "DELETE FROM core_evenementaudit WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_sql_brut_refuse_par_la_base(evenement, requete):
    with (
        pytest.raises(DatabaseError, match="ajout seul"),
        transaction.atomic(),
        connection.cursor() as curseur,
    ):
        curseur.execute(requete, [evenement.pk])
    evenement.refresh_from_db()
    assert evenement.acteur_email == "agent@exemple.fr"


@postgresql
def test_insertion_sql_brute_acceptee():
    """Le déclencheur ne vise que UPDATE et DELETE : l'ajout reste possible."""
    with connection.cursor() as curseur:
        curseur.execute(
            "INSERT INTO core_evenementaudit (horodatage, evenement, acteur_email, cible_type, cible_id, "
            "cible_libelle, details) VALUES (now(), 'export', 'sql@exemple.fr', '', '', '', '{}')"
        )
    assert EvenementAudit.objects.filter(acteur_email="sql@exemple.fr").exists()
