"""Habilitations, périmètre et `visible_par` : qui voit quelles France services et quelles personnes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.comptes.perimetre import perimetre_de
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from .factories import UtilisateurFactory, personne

pytestmark = pytest.mark.django_db


@pytest.fixture
def cantal():
    return Departement.objects.get(code="15")


@pytest.fixture
def charente():
    return Departement.objects.get(code="16")


@pytest.fixture
def s15(cantal):
    return list(Structure.objects.filter(departement=cantal).order_by("pk")[:2])


@pytest.fixture
def s16(charente):
    return Structure.objects.filter(departement=charente).order_by("pk").first()


@pytest.fixture
def caf():
    return Partenaire.objects.get(code="cnaf")


def test_equipe_nationale_voit_tout():
    national = personne(Role.EQUIPE_NATIONALE)
    assert Structure.objects.visible_par(national).count() == Structure.objects.count()
    autre = personne(Role.AGENT, structure=Structure.objects.first())
    assert autre in Utilisateur.objects.visible_par(national)
    assert perimetre_de(national).voit_journal_audit


def test_agent_voit_sa_structure_et_ses_collegues(s15, s16):
    agent = personne(Role.AGENT, structure=s15[0])
    collegue = personne(Role.RESPONSABLE, structure=s15[0])
    ailleurs = personne(Role.AGENT, structure=s15[1])
    assert list(Structure.objects.visible_par(agent)) == [s15[0]]
    visibles = set(Utilisateur.objects.visible_par(agent))
    assert visibles == {agent, collegue}
    assert ailleurs not in visibles
    assert not perimetre_de(agent).peut_gerer_structure(s15[0])
    assert perimetre_de(agent).roles_invitables() == set()


def test_agent_de_plusieurs_structures(s15, s16):
    agent = personne(Role.AGENT, structure=s15[0])
    Habilitation.objects.create(utilisateur=agent, role=Role.AGENT, structure=s16)
    assert set(Structure.objects.visible_par(agent)) == {s15[0], s16}


def test_responsable_gere_sa_structure_et_invite_des_agents(s15):
    responsable = personne(Role.RESPONSABLE, structure=s15[0])
    p = perimetre_de(responsable)
    assert p.peut_gerer_structure(s15[0])
    assert not p.peut_gerer_structure(s15[1])
    assert p.roles_invitables() == {Role.AGENT}
    assert p.peut_accorder(Habilitation(role=Role.AGENT, structure=s15[0]))
    assert not p.peut_accorder(Habilitation(role=Role.AGENT, structure=s15[1]))
    assert not p.peut_accorder(Habilitation(role=Role.RESPONSABLE, structure=s15[0]))


def test_animateur_voit_son_departement(cantal, s15, s16):
    animateur = personne(Role.ANIMATEUR, departement=cantal)
    visibles = Structure.objects.visible_par(animateur)
    assert visibles.count() == Structure.objects.filter(departement=cantal).count()
    assert s16 not in visibles
    agent15 = personne(Role.AGENT, structure=s15[1])
    agent16 = personne(Role.AGENT, structure=s16)
    prefecture15 = personne(Role.COORDINATEUR_PREFECTURE, departement=cantal)
    equipe = set(Utilisateur.objects.visible_par(animateur))
    assert {agent15, prefecture15, animateur} <= equipe
    assert agent16 not in equipe
    p = perimetre_de(animateur)
    assert p.peut_gerer_structure(s15[0]) and not p.peut_gerer_structure(s16)
    assert p.roles_invitables() == {Role.RESPONSABLE, Role.AGENT}
    assert p.peut_accorder(Habilitation(role=Role.RESPONSABLE, structure=s15[1]))
    assert not p.peut_accorder(Habilitation(role=Role.RESPONSABLE, structure=s16))
    assert not p.peut_accorder(Habilitation(role=Role.ANIMATEUR, departement=cantal))


def test_coordinateur_prefecture_voit_sans_gerer(cantal, s15):
    prefecture = personne(Role.COORDINATEUR_PREFECTURE, departement=cantal)
    assert s15[0] in Structure.objects.visible_par(prefecture)
    p = perimetre_de(prefecture)
    assert not p.peut_gerer_structure(s15[0])
    assert p.roles_invitables() == set()


def test_referent_partenaire(caf, cantal, charente, s15, s16):
    referent = personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal)
    assert s15[0] in Structure.objects.visible_par(referent)
    assert s16 not in Structure.objects.visible_par(referent)
    meme_partenaire = personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal)
    autre_partenaire = personne(
        Role.REFERENT_PARTENAIRE, partenaire=Partenaire.objects.get(code="msa"), departement=cantal
    )
    autre_departement = personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=charente)
    agent = personne(Role.AGENT, structure=s15[0])
    visibles = set(Utilisateur.objects.visible_par(referent))
    assert meme_partenaire in visibles
    assert not visibles & {autre_partenaire, autre_departement, agent}
    assert not perimetre_de(referent).peut_gerer_structure(s15[0])


def test_referent_national_d_un_partenaire(caf, cantal, charente, s15, s16):
    """Un référent sans département est le référent national de son partenaire : il voit les demandes de son
    partenaire partout, et ses pairs référents de ce partenaire, mais ne gère aucune structure."""
    from franceservices.activite.models import Demande

    national_caf = personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=None)
    h = national_caf.habilitations.get()
    h.full_clean()
    assert h.libelle_perimetre == f"{caf.nom_court} — national"
    p = perimetre_de(national_caf)
    assert p.partenaires == {(caf.pk, None)}
    assert p.partenaires_nationaux == {caf.pk}
    assert p.departements == frozenset()
    assert not p.est_vide
    referent_cantal = personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal)
    referent_msa = personne(
        Role.REFERENT_PARTENAIRE, partenaire=Partenaire.objects.get(code="msa"), departement=None
    )
    visibles = set(Utilisateur.objects.visible_par(national_caf))
    assert referent_cantal in visibles
    assert referent_msa not in visibles
    filtre = str(Demande.objects.visible_par(national_caf).query)
    assert "partenaire_id" in filtre and "departement_id" not in filtre
    assert not p.peut_gerer_structure(s15[0])
    assert not p.peut_gerer_structure(s16)


def test_conseiller_numerique(charente):
    lieu = LieuMediation.objects.create(identifiant="test-1", nom="Espace numérique", departement=charente)
    conseiller = personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu)
    p = perimetre_de(conseiller)
    assert p.lieux_mediation == {lieu.pk}
    assert not Structure.objects.visible_par(conseiller).exists()
    animateur = personne(Role.ANIMATEUR, departement=charente)
    assert conseiller in Utilisateur.objects.visible_par(animateur)


def test_sans_habilitation_ne_voit_que_soi(s15):
    seul = UtilisateurFactory()
    personne(Role.AGENT, structure=s15[0])
    assert not Structure.objects.visible_par(seul).exists()
    assert list(Utilisateur.objects.visible_par(seul)) == [seul]
    assert "aucune habilitation" in perimetre_de(seul).explication()


def test_habilitation_finie_ou_retiree_ou_future_ne_compte_plus(s15):
    agent = personne(Role.AGENT, structure=s15[0])
    h = agent.habilitations.get()
    aujourd_hui = timezone.localdate()
    h.fin = aujourd_hui - timedelta(days=1)
    h.debut = aujourd_hui - timedelta(days=30)
    h.save()
    assert not Structure.objects.visible_par(Utilisateur.objects.get(pk=agent.pk)).exists()
    h.fin = None
    h.debut = aujourd_hui + timedelta(days=1)
    h.save()
    assert not Structure.objects.visible_par(Utilisateur.objects.get(pk=agent.pk)).exists()
    h.debut = aujourd_hui
    h.revoquee_le = timezone.now()
    h.save()
    assert not Structure.objects.visible_par(Utilisateur.objects.get(pk=agent.pk)).exists()
    h.revoquee_le = None
    h.save()
    assert Structure.objects.visible_par(Utilisateur.objects.get(pk=agent.pk)).exists()


def test_compte_desactive_ne_voit_rien(s15):
    agent = personne(Role.AGENT, structure=s15[0])
    agent.is_active = False
    agent.save()
    assert not Structure.objects.visible_par(agent).exists()
    assert not agent.a_une_habilitation_active()


def test_cumul_et_explication(caf, cantal, s15):
    p_user = personne(Role.AGENT, structure=s15[0])
    Habilitation.objects.create(
        utilisateur=p_user, role=Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal
    )
    explication = perimetre_de(p_user).explication()
    assert explication.startswith("parce que vous êtes agent france services")
    assert " et référent partenaire (Caf — Cantal" in explication


def test_perimetre_calcule_une_fois_par_objet(s15, django_assert_num_queries):
    agent = Utilisateur.objects.get(pk=personne(Role.AGENT, structure=s15[0]).pk)
    with django_assert_num_queries(1):
        perimetre_de(agent)
        perimetre_de(agent)
        Structure.objects.visible_par(agent)


@pytest.mark.parametrize(
    ("role", "champs"),
    [
        (Role.AGENT, {}),
        (Role.ANIMATEUR, {"structure": True}),
        (Role.EQUIPE_NATIONALE, {"departement": True}),
        (Role.REFERENT_PARTENAIRE, {"departement": True}),
    ],
)
def test_perimetre_incoherent_refuse(role, champs, cantal, s15):
    valeurs = {"structure": s15[0], "departement": cantal}
    h = Habilitation(utilisateur=UtilisateurFactory(), role=role, **{c: valeurs[c] for c in champs})
    with pytest.raises(ValidationError):
        h.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        h.save()


def test_fin_avant_debut_refusee(s15):
    aujourd_hui = timezone.localdate()
    h = Habilitation(
        utilisateur=UtilisateurFactory(),
        role=Role.AGENT,
        structure=s15[0],
        debut=aujourd_hui,
        fin=aujourd_hui - timedelta(days=1),
    )
    with pytest.raises(ValidationError):
        h.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        h.save()


def test_adresse_insensible_a_la_casse():
    u = UtilisateurFactory(email="Marie.Curie@Exemple.FR")
    assert u.email == "marie.curie@exemple.fr"
    assert Utilisateur.objects.get_by_natural_key("MARIE.curie@exemple.fr") == u
