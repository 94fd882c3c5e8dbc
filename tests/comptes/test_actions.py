"""Actions sur les comptes (comptes.actions) : droits de celui qui agit, effets en base, journal, courriel."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from franceservices.comptes import actions
from franceservices.comptes.backends import ConnexionParCourriel
from franceservices.comptes.models import Habilitation, Invitation, JetonAPI, Role, Utilisateur
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import MOT_DE_PASSE, HabilitationFactory, UtilisateurFactory, personne

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    cantal = Departement.objects.get(code="15")
    charente = Departement.objects.get(code="16")
    s1, s2 = Structure.objects.filter(departement=cantal).order_by("pk")[:2]
    ailleurs = Structure.objects.filter(departement=charente).order_by("pk").first()
    return {
        "cantal": cantal,
        "charente": charente,
        "s1": s1,
        "s2": s2,
        "ailleurs": ailleurs,
        "caf": Partenaire.objects.get(code="cnaf"),
        "agent": personne(Role.AGENT, structure=s1, email="agent@exemple.fr"),
        "responsable": personne(Role.RESPONSABLE, structure=s1, email="responsable@exemple.fr"),
        "animateur": personne(Role.ANIMATEUR, departement=cantal, email="animateur@exemple.fr"),
        "prefecture": personne(
            Role.COORDINATEUR_PREFECTURE, departement=cantal, email="prefecture@exemple.fr"
        ),
        "national": personne(Role.EQUIPE_NATIONALE, email="national@exemple.fr"),
    }


def evenements(nom):
    return EvenementAudit.objects.filter(evenement=nom)


# — Inviter : qui peut inviter qui —


@pytest.mark.parametrize(
    ("qui", "role", "ou", "permis"),
    [
        ("responsable", Role.AGENT, "s1", True),
        ("responsable", Role.AGENT, "s2", False),  # une autre France services du département
        ("responsable", Role.RESPONSABLE, "s1", False),
        ("agent", Role.AGENT, "s1", False),
        ("prefecture", Role.AGENT, "s1", False),
        ("animateur", Role.AGENT, "s2", True),
        ("animateur", Role.RESPONSABLE, "s2", True),
        ("animateur", Role.RESPONSABLE, "ailleurs", False),
        ("animateur", Role.ANIMATEUR, "cantal", False),
        ("national", Role.ANIMATEUR, "charente", True),
        ("national", Role.RESPONSABLE, "ailleurs", True),
        ("national", Role.EQUIPE_NATIONALE, None, True),
    ],
)
def test_matrice_inviter(monde, qui, role, ou, permis):
    perimetre = {}
    if ou in ("s1", "s2", "ailleurs"):
        perimetre["structure"] = monde[ou]
    elif ou:
        perimetre["departement"] = monde[ou]
    if permis:
        invitation = actions.inviter(par=monde[qui], email="Nouveau@Exemple.fr", role=role, **perimetre)
        assert invitation.pk and invitation.email == "nouveau@exemple.fr"
        assert invitation.invitee_par == monde[qui]
        assert evenements(Evenement.INVITATION_ENVOYEE).get().cible_id == str(invitation.pk)
    else:
        with pytest.raises(PermissionDenied):
            actions.inviter(par=monde[qui], email="nouveau@exemple.fr", role=role, **perimetre)
        assert not Invitation.objects.exists()
        assert not evenements(Evenement.INVITATION_ENVOYEE).exists()


def test_referent_partenaire_demande_partenaire_et_departement(monde):
    with pytest.raises(ValidationError) as erreur:
        actions.inviter(
            par=monde["national"],
            email="caf@exemple.fr",
            role=Role.REFERENT_PARTENAIRE,
            departement=monde["cantal"],
        )
    assert "partenaire" in erreur.value.message_dict
    invitation = actions.inviter(
        par=monde["national"],
        email="caf@exemple.fr",
        role=Role.REFERENT_PARTENAIRE,
        departement=monde["cantal"],
        partenaire=monde["caf"],
    )
    assert invitation.libelle_perimetre.startswith(str(monde["caf"]))


def test_invitation_en_double_refusee_puis_permise_apres_annulation(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    with pytest.raises(ValidationError, match="déjà en attente"):
        actions.inviter(par=monde["animateur"], email="X@exemple.fr", role=Role.AGENT, structure=monde["s1"])
    # Même personne, autre périmètre : permis.
    actions.inviter(par=monde["animateur"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s2"])
    actions.annuler_invitation(par=monde["responsable"], invitation=invitation)
    assert evenements(Evenement.INVITATION_ANNULEE).get().acteur == monde["responsable"]
    actions.inviter(par=monde["responsable"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s1"])


def test_invitation_inutile_si_deja_habilite(monde):
    with pytest.raises(ValidationError, match="a déjà cette habilitation"):
        actions.inviter(
            par=monde["responsable"], email="agent@exemple.fr", role=Role.AGENT, structure=monde["s1"]
        )


def test_annuler_invitation_droits(monde):
    invitation = actions.inviter(
        par=monde["animateur"], email="x@exemple.fr", role=Role.RESPONSABLE, structure=monde["s1"]
    )
    with pytest.raises(PermissionDenied):  # un responsable n'accorde pas le rôle de responsable
        actions.annuler_invitation(par=monde["responsable"], invitation=invitation)
    actions.annuler_invitation(par=monde["national"], invitation=invitation)
    with pytest.raises(ValidationError, match="déjà annulée"):
        actions.annuler_invitation(par=monde["animateur"], invitation=invitation)


def test_courriel_envoye_par_smtp_apres_validation(monde, serveur_smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as rappels:
        invitation = actions.inviter(
            par=monde["responsable"], email="nouvel.agent@exemple.fr", role=Role.AGENT, structure=monde["s1"]
        )
        assert serveur_smtp.messages == []  # rien avant la validation de la transaction
    assert len(rappels) == 1
    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == "nouvel.agent@exemple.fr"
    assert "Invitation" in message["Subject"]
    corps = message.get_content()
    assert f"agent france services ({monde['s1'].nom})" in corps
    lien = next(ligne for ligne in corps.splitlines() if "/invitation/" in ligne).strip()
    jeton = lien.rsplit("/invitation/", 1)[1].strip("/")
    assert actions.invitation_depuis_jeton(jeton) == invitation


# — Jeton signé —


def test_jeton_signe_falsifie_expire(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    jeton = actions.lien_invitation(invitation).rsplit("/invitation/", 1)[1].strip("/")
    assert actions.invitation_depuis_jeton(jeton) == invitation
    for faux in (jeton[:-2] + ("AA" if not jeton.endswith("AA") else "BB"), "n-importe-quoi", ""):
        with pytest.raises(actions.InvitationInvalide) as erreur:
            actions.invitation_depuis_jeton(faux)
        assert erreur.value.motif == "invalide"
    # Un autre nonce (invitation recréée avec la même clé) : invalide.
    Invitation.objects.filter(pk=invitation.pk).update(nonce="autre")
    with pytest.raises(actions.InvitationInvalide, match="invalide"):
        actions.invitation_depuis_jeton(jeton)


def test_jeton_expire_par_la_signature(monde, monkeypatch):
    invitation = actions.inviter(
        par=monde["responsable"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    jeton = actions.lien_invitation(invitation).rsplit("/invitation/", 1)[1].strip("/")
    import time

    plus_tard = time.time() + 8 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: plus_tard)
    with pytest.raises(actions.InvitationInvalide) as erreur:
        actions.invitation_depuis_jeton(jeton)
    assert erreur.value.motif == "expiree"


def test_jeton_expire_par_la_date(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    jeton = actions.lien_invitation(invitation).rsplit("/invitation/", 1)[1].strip("/")
    Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - timedelta(minutes=1))
    with pytest.raises(actions.InvitationInvalide) as erreur:
        actions.invitation_depuis_jeton(jeton)
    assert erreur.value.motif == "expiree"
    assert invitation.__class__.objects.get(pk=invitation.pk).statut == "expirée"


# — Accepter —


def test_accepter_cree_le_compte_et_l_habilitation(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="neuf@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    utilisateur = actions.accepter_invitation(
        invitation=invitation, prenom=" Léa ", nom="Martin", mot_de_passe="Un-mot-de-passe-solide-2026"
    )
    assert utilisateur.email == "neuf@exemple.fr" and utilisateur.first_name == "Léa"
    assert utilisateur.check_password("Un-mot-de-passe-solide-2026")
    habilitation = utilisateur.habilitations.get()
    assert (habilitation.role, habilitation.structure, habilitation.accordee_par) == (
        Role.AGENT,
        monde["s1"],
        monde["responsable"],
    )
    assert habilitation.est_active
    invitation.refresh_from_db()
    assert (
        invitation.acceptee_le and invitation.acceptee_par == utilisateur and invitation.statut == "acceptée"
    )
    assert evenements(Evenement.INVITATION_ACCEPTEE).get().acteur == utilisateur
    accordee = evenements(Evenement.HABILITATION_ACCORDEE).get()
    assert accordee.acteur == monde["responsable"] and accordee.cible_id == str(habilitation.pk)
    # Usage unique.
    with pytest.raises(actions.InvitationInvalide, match="utilisee"):
        actions.accepter_invitation(invitation=invitation, prenom="A", nom="B", mot_de_passe="x")
    assert Habilitation.objects.filter(utilisateur=utilisateur).count() == 1


def test_accepter_avec_un_compte_existant(monde):
    invitation = actions.inviter(
        par=monde["animateur"], email="agent@exemple.fr", role=Role.RESPONSABLE, structure=monde["s1"]
    )
    actions.accepter_invitation(invitation=invitation, utilisateur_existant=monde["agent"])
    assert set(monde["agent"].habilitations.values_list("role", flat=True)) == {Role.AGENT, Role.RESPONSABLE}
    assert Utilisateur.objects.filter(email="agent@exemple.fr").count() == 1


def test_accepter_refuse_un_autre_compte(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="neuf@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    with pytest.raises(PermissionDenied):
        actions.accepter_invitation(invitation=invitation, utilisateur_existant=monde["agent"])
    actions.annuler_invitation(par=monde["responsable"], invitation=invitation)
    with pytest.raises(actions.InvitationInvalide, match="annulee"):
        actions.accepter_invitation(invitation=invitation, prenom="A", nom="B", mot_de_passe="x")
    assert not Utilisateur.objects.filter(email="neuf@exemple.fr").exists()


# — Retirer, désactiver, réactiver, accorder —


def test_retirer_habilitation(monde):
    habilitation = monde["agent"].habilitations.get()
    with pytest.raises(PermissionDenied):
        actions.retirer_habilitation(par=monde["prefecture"], habilitation=habilitation)
    actions.retirer_habilitation(par=monde["responsable"], habilitation=habilitation)
    habilitation.refresh_from_db()
    assert habilitation.revoquee_le and habilitation.revoquee_par == monde["responsable"]
    assert not Habilitation.objects.actives().filter(pk=habilitation.pk).exists()
    evenement = evenements(Evenement.HABILITATION_RETIREE).get()
    assert evenement.details["titulaire"] == "agent@exemple.fr"


def _connexion_possible(email) -> bool:
    request = RequestFactory().post("/connexion/")
    return ConnexionParCourriel().authenticate(request, username=email, password=MOT_DE_PASSE) is not None


def test_desactiver_garde_l_historique(monde):
    agent = monde["agent"]
    assert _connexion_possible("agent@exemple.fr")
    jeton, _ = JetonAPI.generer(
        utilisateur=agent, nom="a", portees=[], expire_le=timezone.now() + timedelta(days=9)
    )
    deja_revoque, _ = JetonAPI.generer(
        utilisateur=agent, nom="b", portees=[], expire_le=timezone.now() + timedelta(days=9)
    )
    JetonAPI.objects.filter(pk=deja_revoque.pk).update(revoque_le=timezone.now() - timedelta(days=1))
    actions.desactiver_compte(par=monde["responsable"], utilisateur=agent)
    agent.refresh_from_db()
    assert not agent.is_active and agent.desactive_par == monde["responsable"]
    assert not _connexion_possible("agent@exemple.fr")
    jeton.refresh_from_db()
    assert jeton.revoque_le is not None and not jeton.est_valide
    assert evenements(Evenement.COMPTE_DESACTIVE).get().details["jetons_revoques"] == 1
    # Tout est encore là.
    assert Utilisateur.objects.filter(pk=agent.pk).exists()
    assert agent.habilitations.count() == 1 and agent.habilitations.get().revoquee_le is None
    assert EvenementAudit.objects.filter(cible_id=str(agent.pk)).exists()
    with pytest.raises(ValidationError):
        actions.desactiver_compte(par=monde["responsable"], utilisateur=agent)

    actions.reactiver_compte(par=monde["animateur"], utilisateur=agent)
    agent.refresh_from_db()
    assert agent.is_active and agent.desactive_le is None
    assert _connexion_possible("agent@exemple.fr")


def test_desactiver_droits(monde):
    agent = monde["agent"]
    with pytest.raises(PermissionDenied):
        actions.desactiver_compte(par=monde["responsable"], utilisateur=monde["responsable"])  # soi-même
    with pytest.raises(PermissionDenied):
        actions.desactiver_compte(par=monde["prefecture"], utilisateur=agent)
    HabilitationFactory(utilisateur=agent, role=Role.AGENT, structure=monde["ailleurs"])
    with pytest.raises(PermissionDenied):  # il travaille aussi hors de son périmètre
        actions.desactiver_compte(par=monde["responsable"], utilisateur=agent)
    actions.desactiver_compte(par=monde["national"], utilisateur=agent)
    sans_habilitation = UtilisateurFactory()
    with pytest.raises(PermissionDenied):
        actions.desactiver_compte(par=monde["animateur"], utilisateur=sans_habilitation)


def test_accorder_habilitation(monde):
    cible = UtilisateurFactory()
    with pytest.raises(PermissionDenied):
        actions.accorder_habilitation(
            par=monde["animateur"], utilisateur=cible, role=Role.AGENT, structure=monde["s1"]
        )
    habilitation = actions.accorder_habilitation(
        par=monde["national"], utilisateur=cible, role=Role.ANIMATEUR, departement=monde["charente"]
    )
    assert habilitation.accordee_par == monde["national"] and habilitation.est_active
    assert evenements(Evenement.HABILITATION_ACCORDEE).get().cible_id == str(habilitation.pk)
    with pytest.raises(ValidationError):
        actions.accorder_habilitation(
            par=monde["national"], utilisateur=cible, role=Role.ANIMATEUR, departement=monde["charente"]
        )
    with pytest.raises(ValidationError):
        actions.accorder_habilitation(par=monde["national"], utilisateur=cible, role=Role.ANIMATEUR)
