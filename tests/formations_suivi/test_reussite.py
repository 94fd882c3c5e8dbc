"""Présence et réussite : permissions, code d'attestation unique, formation au pilote d'un partenaire."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.formations import reussite
from franceservices.formations.models import ALPHABET_CODE, LONGUEUR_CODE, Presence, Source, Statut
from franceservices.partenaires.models import FormationPilote
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cas():
    s = f.structure()
    formateur = personne()
    session = f.session(formateur=formateur, departement=s.departement)
    agent = f.agent(s)
    return {
        "structure": s,
        "formateur": formateur,
        "session": session,
        "inscription": f.inscrire(session, agent),
    }


def test_reussite_pose_date_source_code_et_presence(cas):
    i = cas["inscription"]
    assert reussite.noter_reussite(par=cas["formateur"], inscription=i) is True
    i.refresh_from_db()
    assert i.reussie_le is not None and i.presence == Presence.PRESENT
    assert i.source_reussite == Source.FORMATEUR
    assert len(i.code_attestation) == LONGUEUR_CODE and set(i.code_attestation) <= set(ALPHABET_CODE)


def test_reussite_deux_fois_garde_le_meme_code(cas):
    i = cas["inscription"]
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    i.refresh_from_db()
    code = i.code_attestation
    assert reussite.noter_reussite(par=cas["formateur"], inscription=i, source=Source.IMPORT) is False
    i.refresh_from_db()
    assert i.code_attestation == code and i.source_reussite == Source.FORMATEUR


def test_code_en_collision_est_retire(cas):
    autre = f.inscrire(cas["session"], f.agent(cas["structure"]))
    reussite.noter_reussite(par=cas["formateur"], inscription=autre)
    autre.refresh_from_db()
    codes = iter([autre.code_attestation, autre.code_attestation, "ABCDEFGHJK"])
    with mock.patch("franceservices.formations.reussite.nouveau_code", lambda: next(codes)):
        reussite.noter_reussite(par=cas["formateur"], inscription=cas["inscription"])
    cas["inscription"].refresh_from_db()
    assert cas["inscription"].code_attestation == "ABCDEFGHJK"


def test_collisions_sans_fin_message_clair(cas):
    autre = f.inscrire(cas["session"], f.agent(cas["structure"]))
    reussite.noter_reussite(par=cas["formateur"], inscription=autre)
    autre.refresh_from_db()
    with (
        mock.patch("franceservices.formations.reussite.nouveau_code", lambda: autre.code_attestation),
        pytest.raises(ValidationError, match="code d'attestation unique"),
    ):
        reussite.noter_reussite(par=cas["formateur"], inscription=cas["inscription"])
    cas["inscription"].refresh_from_db()
    assert cas["inscription"].reussie_le is None


def test_presence_puis_absent_refuse_si_reussi(cas):
    i = cas["inscription"]
    assert reussite.noter_presence(par=cas["formateur"], inscription=i, presence=Presence.ABSENT) is True
    assert reussite.noter_presence(par=cas["formateur"], inscription=i, presence=Presence.ABSENT) is False
    with pytest.raises(ValidationError, match="absent"):
        reussite.noter_reussite(par=cas["formateur"], inscription=i)
    reussite.noter_presence(par=cas["formateur"], inscription=i, presence=Presence.PRESENT)
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    with pytest.raises(ValidationError, match="annulez d'abord"):
        reussite.noter_presence(par=cas["formateur"], inscription=i, presence=Presence.ABSENT)
    with pytest.raises(ValidationError, match="inconnue"):
        reussite.noter_presence(par=cas["formateur"], inscription=i, presence="peut-etre")


def test_annuler_reussite_efface_le_code(cas):
    i = cas["inscription"]
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    assert reussite.annuler_reussite(par=cas["formateur"], inscription=i) is True
    i.refresh_from_db()
    assert i.reussie_le is None and i.code_attestation is None and i.source_reussite == ""
    assert reussite.annuler_reussite(par=cas["formateur"], inscription=i) is False


@pytest.mark.parametrize("statut", [Statut.DEMANDEE, Statut.ATTENTE, Statut.ANNULEE, Statut.REFUSEE])
def test_seules_les_inscriptions_confirmees(cas, statut):
    i = f.inscrire(f.session(formateur=cas["formateur"]), f.agent(cas["structure"]), statut=statut)
    with pytest.raises(ValidationError, match="pas inscrit"):
        reussite.noter_reussite(par=cas["formateur"], inscription=i)


def test_session_future_ou_annulee(cas):
    from django.utils import timezone

    future = f.inscrire(f.session(formateur=cas["formateur"], jours=3), f.agent(cas["structure"]))
    with pytest.raises(ValidationError, match="pas encore commencé"):
        reussite.noter_presence(par=cas["formateur"], inscription=future, presence=Presence.PRESENT)
    annulee = f.session(formateur=cas["formateur"], annulee_le=timezone.now())
    i = f.inscrire(annulee, f.agent(cas["structure"]))
    with pytest.raises(ValidationError, match="annulée"):
        reussite.noter_reussite(par=cas["formateur"], inscription=i)


def _qui(nom, cas):
    s = cas["structure"]
    autre_dep = Departement.objects.exclude(pk=s.departement_id).order_by("pk").first()
    return {
        "formateur": lambda: cas["formateur"],
        "organisateur": lambda: _organisateur(cas),
        "animateur": lambda: personne(Role.ANIMATEUR, departement=s.departement),
        "nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        "animateur_autre": lambda: personne(Role.ANIMATEUR, departement=autre_dep),
        "responsable": lambda: personne(Role.RESPONSABLE, structure=s),
        "agent_lui_meme": lambda: cas["inscription"].agent,
        "sans_role": lambda: personne(),
        "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=s.departement),
    }[nom]()


def _organisateur(cas):
    organisateur = personne()
    cas["session"].organisee_par = organisateur
    cas["session"].save()
    return organisateur


@pytest.mark.parametrize(
    "nom, autorise",
    [
        ("formateur", True),
        ("organisateur", True),
        ("animateur", True),
        ("nationale", True),
        ("animateur_autre", False),
        ("responsable", False),
        ("agent_lui_meme", False),
        ("sans_role", False),
        ("prefecture", False),
    ],
)
def test_matrice_qui_note(cas, nom, autorise):
    par = _qui(nom, cas)
    i = cas["inscription"]
    i.session.refresh_from_db()
    if autorise:
        assert reussite.noter_reussite(par=par, inscription=i)
        assert reussite.sessions_suivies(par).filter(pk=i.session_id).exists()
    else:
        with pytest.raises(PermissionDenied):
            reussite.noter_reussite(par=par, inscription=i)
        with pytest.raises(PermissionDenied):
            reussite.noter_presence(par=par, inscription=i, presence=Presence.PRESENT)
        i.refresh_from_db()
        assert i.reussie_le is None and i.presence == ""
        assert not reussite.sessions_suivies(par).filter(pk=i.session_id).exists()


def test_animateur_ne_suit_pas_une_session_nationale(cas):
    nationale = f.session(departement=None)
    animateur = personne(Role.ANIMATEUR, departement=cas["structure"].departement)
    i = f.inscrire(nationale, f.agent(cas["structure"]))
    with pytest.raises(PermissionDenied):
        reussite.noter_presence(par=animateur, inscription=i, presence=Presence.PRESENT)


def test_module_ouvrant_un_pilote_declare_l_agent_forme(cas):
    s = cas["structure"]
    pilote = f.pilote(departements=[s.departement])
    pilote_ailleurs = f.pilote(pilote.partenaire, structures=[f.structure("75")])
    pilote_termine = f.pilote(pilote.partenaire, departements=[s.departement], debut_jours=-90, fin_jours=-10)
    session = f.session(module_=f.module(ouvre_pilote=pilote.partenaire), formateur=cas["formateur"])
    i = f.inscrire(session, cas["inscription"].agent)
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    formations = FormationPilote.objects.filter(agent=i.agent)
    assert list(formations.values_list("pilote", flat=True)) == [pilote.pk]
    assert pilote_ailleurs.pk != pilote_termine.pk
    formation = formations.get()
    assert formation.declaree_par == cas["formateur"]
    assert EvenementAudit.objects.filter(
        evenement=Evenement.FORMATION_PILOTE, cible_id=str(formation.pk)
    ).exists()
    # Deux fois : rien de plus.
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    assert FormationPilote.objects.filter(agent=i.agent).count() == 1


def test_module_sans_pilote_en_cours_ne_cree_rien(cas):
    partenaire = f.pilote(departements=[f.structure("75").departement]).partenaire
    session = f.session(module_=f.module(ouvre_pilote=partenaire), formateur=cas["formateur"])
    i = f.inscrire(session, cas["inscription"].agent)
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    i.refresh_from_db()
    assert i.code_attestation
    assert not FormationPilote.objects.filter(agent=i.agent).exists()


def test_pilote_limite_a_des_france_services(cas):
    s = cas["structure"]
    voisine = f.structure(rang=1)
    pilote = f.pilote(structures=[s])
    session = f.session(module_=f.module(ouvre_pilote=pilote.partenaire), formateur=cas["formateur"])
    dedans = f.inscrire(session, cas["inscription"].agent)
    dehors = f.inscrire(session, f.agent(voisine))
    for i in (dedans, dehors):
        reussite.noter_reussite(par=cas["formateur"], inscription=i)
    assert FormationPilote.objects.filter(pilote=pilote, agent=dedans.agent).exists()
    assert not FormationPilote.objects.filter(agent=dehors.agent).exists()


def test_presence_reussite_et_retrait_journalises_une_fois(cas):
    i = cas["inscription"]
    reussite.noter_presence(par=cas["formateur"], inscription=i, presence=Presence.PRESENT)
    reussite.noter_presence(par=cas["formateur"], inscription=i, presence=Presence.PRESENT)  # rien ne change
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    reussite.noter_reussite(par=cas["formateur"], inscription=i)  # déjà notée : pas de second événement
    reussite.annuler_reussite(par=cas["formateur"], inscription=i)
    evenements = EvenementAudit.objects.filter(
        evenement=Evenement.FORMATION_SUIVI, cible_id=str(i.pk)
    ).order_by("pk")
    assert [e.details["action"] for e in evenements] == ["presence", "reussite", "reussite_retiree"]
    assert {e.acteur_id for e in evenements} == {cas["formateur"].pk}
