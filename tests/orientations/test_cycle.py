"""Cycle de vie d'une orientation : envoi (consentement, recontact, périmètre), réponses, transitions refusées."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from franceservices.core.models import Evenement, EvenementAudit
from franceservices.orientations import actions
from franceservices.orientations.models import Etat, Orientation, Sens

from .conftest import orienter


def changer(monde, o, etat, qui="cnfs", **champs):
    return actions.changer_etat(par=monde[qui], orientation_id=o.pk, etat=etat, **champs)


def test_envoi_enregistre_le_consentement_et_journalise(monde):
    o = orienter(monde, courriel="jo@exemple.fr")
    assert o.etat == Etat.ENVOYEE
    assert o.departement == monde["d16"]
    assert o.consentement_par == monde["agent"] and o.consentement_le == o.envoyee_le
    assert monde["lieu_a"].nom in o.consentement_texte
    assert o.emetteur == monde["s16"] and o.destinataire == monde["lieu_a"]
    audit = EvenementAudit.objects.get(evenement=Evenement.ORIENTATION, cible_id=str(o.pk))
    assert audit.details["action"] == "envoi"


def test_consentement_obligatoire(monde):
    with pytest.raises(ValidationError, match="consentement"):
        orienter(monde, consentement=False)
    assert not Orientation.objects.exists()


def test_un_moyen_de_recontact_obligatoire(monde):
    with pytest.raises(ValidationError, match="téléphone ou un courriel"):
        orienter(monde, telephone="", courriel="")


@pytest.mark.parametrize(
    ("sens", "qui", "structure", "lieu"),
    [
        (Sens.VERS_MEDIATION, "agent_b", "s16", "lieu_a"),  # pas sa France services
        (Sens.VERS_MEDIATION, "cnfs", "s16", "lieu_a"),  # un conseiller n'oriente pas depuis une structure
        (Sens.VERS_FRANCE_SERVICES, "cnfs_b", "s16", "lieu_a"),  # pas son lieu
        (Sens.VERS_FRANCE_SERVICES, "agent", "s16", "lieu_a"),
    ],
)
def test_emetteur_hors_perimetre_refuse(monde, sens, qui, structure, lieu):
    with pytest.raises(PermissionDenied):
        orienter(monde, sens=sens, par=monde[qui], structure=monde[structure], lieu=monde[lieu])


def test_accepter_puis_honorer(monde):
    o = orienter(monde, il_y_a=timedelta(hours=5))
    o = changer(monde, o, Etat.ACCEPTEE)
    assert o.repondue_par == monde["cnfs"] and o.delai_reponse_heures == 5
    o = changer(monde, o, Etat.HONOREE)
    assert o.etat == Etat.HONOREE and o.close_le is not None
    with pytest.raises(ValidationError):
        changer(monde, o, Etat.SANS_SUITE)


def test_decliner_exige_un_motif(monde):
    o = orienter(monde)
    with pytest.raises(ValidationError, match="motif"):
        changer(monde, o, Etat.DECLINEE, motif="   ")
    o = changer(monde, o, Etat.DECLINEE, motif="Lieu complet ce mois-ci")
    assert o.etat == Etat.DECLINEE and o.motif_declin == "Lieu complet ce mois-ci" and o.close_le
    with pytest.raises(ValidationError, match="Impossible"):
        changer(monde, o, Etat.ACCEPTEE)


def test_contrainte_motif_en_base(monde):
    o = orienter(monde)
    with pytest.raises(IntegrityError), transaction.atomic():
        Orientation.objects.filter(pk=o.pk).update(etat=Etat.DECLINEE, motif_declin="")


def test_creneau_futur_et_lieu_obligatoires(monde):
    o = orienter(monde)
    with pytest.raises(ValidationError, match="date et l'heure"):
        changer(monde, o, Etat.CRENEAU, creneau_lieu="Salle 2")
    with pytest.raises(ValidationError, match="futur"):
        changer(
            monde, o, Etat.CRENEAU, creneau_le=timezone.now() - timedelta(hours=1), creneau_lieu="Salle 2"
        )
    with pytest.raises(ValidationError, match="lieu"):
        changer(monde, o, Etat.CRENEAU, creneau_le=timezone.now() + timedelta(days=2))
    o = changer(monde, o, Etat.CRENEAU, creneau_le=timezone.now() + timedelta(days=2), creneau_lieu="Salle 2")
    assert o.etat == Etat.CRENEAU and o.creneau_lieu == "Salle 2"


def test_transitions_interdites(monde):
    o = orienter(monde)
    with pytest.raises(ValidationError):
        changer(monde, o, Etat.HONOREE)  # pas avant une acceptation
    with pytest.raises(ValidationError):
        changer(monde, o, Etat.ENVOYEE)
    with pytest.raises(ValidationError):
        changer(monde, o, "inconnu")


def test_l_emetteur_ne_repond_pas_a_la_place_du_destinataire(monde):
    o = orienter(monde)
    with pytest.raises(ValidationError):
        changer(monde, o, Etat.ACCEPTEE, qui="agent")
    # mais il peut classer sans suite (l'usager renonce)
    assert changer(monde, o, Etat.SANS_SUITE, qui="agent").etat == Etat.SANS_SUITE


def test_hors_perimetre_introuvable(monde):
    o = orienter(monde)
    for qui in ("cnfs_b", "agent_b", "animateur", "national"):
        with pytest.raises(Orientation.DoesNotExist):
            changer(monde, o, Etat.ACCEPTEE, qui=qui)


def test_sens_inverse_la_france_services_repond(monde):
    o = orienter(monde, sens=Sens.VERS_FRANCE_SERVICES, besoin="demarche")
    assert o.emetteur == monde["lieu_a"] and o.destinataire == monde["s16"]
    with pytest.raises(ValidationError):
        changer(monde, o, Etat.ACCEPTEE, qui="cnfs")
    assert changer(monde, o, Etat.ACCEPTEE, qui="responsable").etat == Etat.ACCEPTEE


def test_purge_idempotente(monde):
    vieille = orienter(monde, il_y_a=timedelta(days=actions.purge_jours() + 1), precision="Jo a 80 ans")
    recente = orienter(monde, il_y_a=timedelta(days=2))
    assert actions.purger(dry_run=True) == 1
    assert actions.purger() == 1
    assert actions.purger() == 0
    vieille.refresh_from_db()
    recente.refresh_from_db()
    assert (vieille.prenom, vieille.telephone, vieille.courriel, vieille.precision) == ("", "", "", "")
    assert vieille.purgee_le is not None and vieille.besoin  # les chiffres restent
    assert recente.prenom == "Jo" and recente.purgee_le is None


def test_purge_reglable(monde, settings):
    settings.ORIENTATIONS_PURGE_JOURS = 1
    orienter(monde, il_y_a=timedelta(days=2))
    from django.core.management import call_command

    call_command("purger_orientations")
    assert Orientation.objects.get().purgee_le is not None
