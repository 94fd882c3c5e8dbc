"""Pages des invitations : formulaire restreint au périmètre, liste, annulation, acceptation par le lien."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes import actions
from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Invitation, Role, Utilisateur
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import MOT_DE_PASSE, personne

pytestmark = pytest.mark.django_db

NOUVEAU_MOT_DE_PASSE = "Cantal-Salers-Aurillac-2026"


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def client_de(utilisateur) -> Client:
    """Client connecté ; second facteur tenu pour vérifié (exigé de l'équipe nationale)."""
    client = Client()
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return client


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
        "agent": personne(Role.AGENT, structure=s1, email="agent@exemple.fr"),
        "responsable": personne(Role.RESPONSABLE, structure=s1, email="responsable@exemple.fr"),
        "animateur": personne(Role.ANIMATEUR, departement=cantal, email="animateur@exemple.fr"),
        "animateur_ailleurs": personne(Role.ANIMATEUR, departement=charente, email="animateur16@exemple.fr"),
        "prefecture": personne(
            Role.COORDINATEUR_PREFECTURE, departement=cantal, email="prefecture@exemple.fr"
        ),
        "national": personne(Role.EQUIPE_NATIONALE, email="national@exemple.fr"),
    }


def chemin_du_lien(invitation) -> str:
    return "/invitation/" + actions.lien_invitation(invitation).rsplit("/invitation/", 1)[1]


# — Formulaire d'invitation —


@pytest.mark.parametrize(
    ("qui", "roles"),
    [
        ("agent", None),
        ("prefecture", None),
        ("responsable", {Role.AGENT}),
        ("animateur", {Role.AGENT, Role.RESPONSABLE}),
        ("national", set(Role)),
    ],
)
def test_roles_proposes(monde, qui, roles):
    reponse = client_de(monde[qui]).get(reverse("comptes:inviter"))
    if roles is None:
        assert reponse.status_code == 403
        return
    assert reponse.status_code == 200
    proposes = {valeur for valeur, _ in reponse.context["formulaire"].fields["role"].choices if valeur}
    assert proposes == {r.value for r in roles}


def test_structures_proposees(monde):
    formulaire = client_de(monde["responsable"]).get(reverse("comptes:inviter")).context["formulaire"]
    assert list(formulaire.fields["structure"].queryset) == [monde["s1"]]
    assert "departement" not in formulaire.fields
    formulaire = client_de(monde["animateur"]).get(reverse("comptes:inviter")).context["formulaire"]
    assert set(formulaire.fields["structure"].queryset) == set(
        Structure.objects.filter(departement=monde["cantal"])
    )


def test_inviter_par_la_page_envoie_le_courriel(monde, serveur_smtp, django_capture_on_commit_callbacks):
    client = client_de(monde["responsable"])
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("comptes:inviter"),
            {"email": "Nouvel.Agent@Exemple.fr", "role": Role.AGENT, "structure": monde["s1"].pk},
        )
    assert reponse.status_code == 302 and reponse["Location"] == reverse("comptes:invitations")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.structure) == (
        "nouvel.agent@exemple.fr",
        Role.AGENT,
        monde["s1"],
    )
    (message,) = serveur_smtp.attendre(1)
    assert message["To"] == "nouvel.agent@exemple.fr"
    lien = re.search(r"https?://\S+/invitation/\S+", message.get_content()).group(0)
    assert lien.startswith("http://testserver/invitation/")
    assert Client().get(lien.removeprefix("http://testserver")).status_code == 200
    liste = texte(client.get(reverse("comptes:invitations")))
    assert "nouvel.agent@exemple.fr" in liste and "En attente" in liste


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"email": "pas-une-adresse", "role": "agent"}, "email", "Saisissez une adresse de courriel valide."),
        ({"email": "a@exemple.fr", "role": "agent"}, "structure", "demande ce champ"),
        ({"email": "a@exemple.fr", "role": "animateur"}, "role", "Sélectionnez un choix valide"),
        (
            {"email": "a@exemple.fr", "role": "agent", "structure": "ailleurs"},
            "structure",
            "Sélectionnez un choix valide",
        ),
    ],
)
def test_validation_en_francais_responsable(monde, donnees, champ, message):
    if donnees.get("structure") == "ailleurs":
        donnees = {**donnees, "structure": monde["ailleurs"].pk}
    reponse = client_de(monde["responsable"]).post(reverse("comptes:inviter"), donnees)
    assert reponse.status_code == 200
    erreurs = reponse.context["formulaire"].errors
    assert message in " ".join(erreurs[champ])
    contenu = texte(reponse)
    assert f'id="id_{champ}_error"' in contenu and 'aria-invalid="true"' in contenu
    assert not Invitation.objects.exists()


def test_validation_national(monde):
    client = client_de(monde["national"])
    caf = Partenaire.objects.get(code="cnaf")
    reponse = client.post(
        reverse("comptes:inviter"),
        {"email": "ref@exemple.fr", "role": Role.REFERENT_PARTENAIRE, "departement": monde["cantal"].pk},
    )
    assert "demande ce champ" in " ".join(reponse.context["formulaire"].errors["partenaire"])
    reponse = client.post(
        reverse("comptes:inviter"),
        {
            "email": "ref@exemple.fr",
            "role": Role.ANIMATEUR,
            "departement": monde["cantal"].pk,
            "partenaire": caf.pk,
        },
    )
    assert "ne porte pas sur ce champ" in " ".join(reponse.context["formulaire"].errors["partenaire"])
    reponse = client.post(
        reverse("comptes:inviter"), {"email": "ag@exemple.fr", "role": Role.AGENT, "structure": "X"}
    )
    assert "Aucune France services n'a cet identifiant." in texte(reponse)
    reponse = client.post(
        reverse("comptes:inviter"),
        {"email": "ag@exemple.fr", "role": Role.AGENT, "structure": monde["ailleurs"].id_fs},
    )
    assert reponse.status_code == 302
    assert Invitation.objects.get().structure == monde["ailleurs"]


def test_national_invite_un_referent_national(monde):
    """Un référent partenaire sans département : le référent national de son partenaire."""
    client = client_de(monde["national"])
    caf = Partenaire.objects.get(code="cnaf")
    reponse = client.post(
        reverse("comptes:inviter"),
        {"email": "ref.national@exemple.fr", "role": Role.REFERENT_PARTENAIRE, "partenaire": caf.pk},
    )
    assert reponse.status_code == 302
    invitation = Invitation.objects.get(email="ref.national@exemple.fr")
    assert invitation.partenaire == caf and invitation.departement is None


def test_doublon_affiche_en_erreur(monde):
    client = client_de(monde["responsable"])
    donnees = {"email": "x@exemple.fr", "role": Role.AGENT, "structure": monde["s1"].pk}
    assert client.post(reverse("comptes:inviter"), donnees).status_code == 302
    reponse = client.post(reverse("comptes:inviter"), donnees)
    assert reponse.status_code == 200
    assert "déjà en attente" in texte(reponse)
    assert Invitation.objects.count() == 1


# — Liste et annulation —


def test_liste_selon_perimetre(monde):
    de_responsable = actions.inviter(
        par=monde["responsable"], email="a@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    de_national = actions.inviter(
        par=monde["national"], email="b@exemple.fr", role=Role.AGENT, structure=monde["ailleurs"]
    )

    def visibles(qui):
        reponse = client_de(monde[qui]).get(reverse("comptes:invitations"))
        assert reponse.status_code == 200
        return {i.pk for i in reponse.context["page"]}

    assert visibles("responsable") == {de_responsable.pk}
    assert visibles("animateur") == {de_responsable.pk}
    assert visibles("animateur_ailleurs") == {de_national.pk}
    assert visibles("national") == {de_responsable.pk, de_national.pk}
    assert visibles("agent") == set()
    assert "Aucune invitation" in texte(client_de(monde["agent"]).get(reverse("comptes:invitations")))


def test_statuts_affiches(monde):
    client = client_de(monde["responsable"])
    attente = actions.inviter(
        par=monde["responsable"], email="a@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    expiree = actions.inviter(
        par=monde["responsable"], email="b@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    Invitation.objects.filter(pk=expiree.pk).update(expire_le=timezone.now() - timedelta(days=1))
    annulee = actions.inviter(
        par=monde["responsable"], email="c@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    actions.annuler_invitation(par=monde["responsable"], invitation=annulee)
    acceptee = actions.inviter(
        par=monde["responsable"], email="d@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    actions.accepter_invitation(invitation=acceptee, prenom="D", nom="D", mot_de_passe=NOUVEAU_MOT_DE_PASSE)
    contenu = texte(client.get(reverse("comptes:invitations")))
    for statut in ("En attente", "Expirée", "Annulée", "Acceptée"):
        assert statut in contenu
    # Seule l'invitation en attente peut être annulée.
    assert (
        contenu.count("/annuler/") == 1
        and reverse("comptes:annuler_invitation", args=[attente.pk]) in contenu
    )


def test_annuler_par_la_page(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="a@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    url = reverse("comptes:annuler_invitation", args=[invitation.pk])
    # Hors périmètre : 404 ; dans le périmètre sans le droit : 403.
    assert client_de(monde["animateur_ailleurs"]).post(url).status_code == 404
    assert client_de(monde["agent"]).post(url).status_code == 404
    assert client_de(monde["prefecture"]).post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.annulee_le is None
    client = client_de(monde["animateur"])
    assert "Annuler l'invitation de a@exemple.fr" in texte(client.get(url))
    reponse = client.post(url, follow=True)
    assert "est annulée" in texte(reponse)
    invitation.refresh_from_db()
    assert invitation.annulee_le is not None
    assert EvenementAudit.objects.filter(
        evenement=Evenement.INVITATION_ANNULEE, acteur=monde["animateur"]
    ).exists()
    # Le lien ne sert plus.
    reponse = Client().get(chemin_du_lien(invitation))
    assert reponse.status_code == 410 and "Invitation annulée" in texte(reponse)


# — Acceptation —


def test_accepter_nouveau_compte(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="neuf@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    client = Client()
    url = chemin_du_lien(invitation)
    page = client.get(url)
    assert page.status_code == 200
    contenu = texte(page)
    assert (
        "neuf@exemple.fr" in contenu and "agent france services" in contenu and "Créer votre accès" in contenu
    )

    # Erreurs en français ; rien n'est créé.
    reponse = client.post(
        url, {"prenom": "Léa", "nom": "Martin", "mot_de_passe": "court", "confirmation": "court"}
    )
    erreurs = " ".join(reponse.context["formulaire"].errors["mot_de_passe"])
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in erreurs
    reponse = client.post(
        url,
        {
            "prenom": "Léa",
            "nom": "Martin",
            "mot_de_passe": "12345678901234",
            "confirmation": "12345678901234",
        },
    )
    assert "entièrement numérique" in " ".join(reponse.context["formulaire"].errors["mot_de_passe"])
    reponse = client.post(
        url, {"prenom": "Léa", "nom": "Martin", "mot_de_passe": NOUVEAU_MOT_DE_PASSE, "confirmation": "autre"}
    )
    assert "Les deux mots de passe ne correspondent pas." in texte(reponse)
    reponse = client.post(url, {"prenom": "", "nom": "", "mot_de_passe": "", "confirmation": ""})
    assert "Ce champ est obligatoire." in texte(reponse)
    assert not Utilisateur.objects.filter(email="neuf@exemple.fr").exists()

    reponse = client.post(
        url,
        {
            "prenom": "Léa",
            "nom": "Martin",
            "mot_de_passe": NOUVEAU_MOT_DE_PASSE,
            "confirmation": NOUVEAU_MOT_DE_PASSE,
        },
    )
    assert reponse.status_code == 302 and reponse["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    utilisateur = Utilisateur.objects.get(email="neuf@exemple.fr")
    assert utilisateur.get_full_name() == "Léa Martin" and utilisateur.check_password(NOUVEAU_MOT_DE_PASSE)
    assert int(client.session["_auth_user_id"]) == utilisateur.pk  # connectée
    assert utilisateur.habilitations.get().accordee_par == monde["responsable"]
    assert EvenementAudit.objects.filter(evenement=Evenement.CONNEXION, acteur=utilisateur).exists()
    # Usage unique : le même lien, même par quelqu'un d'autre, ne sert plus.
    reponse = Client().get(url)
    assert reponse.status_code == 410 and "déjà été utilisée" in texte(reponse)


def test_lien_falsifie_ou_expire(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="x@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    url = chemin_du_lien(invitation)
    for faux in (url[:-3] + "abc/", "/invitation/n-importe-quoi/"):
        reponse = Client().get(faux)
        assert reponse.status_code == 404 and "Lien invalide" in texte(reponse)
    reponse = Client().post(url[:-3] + "abc/", {"prenom": "A"})
    assert reponse.status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - timedelta(seconds=1))
    reponse = Client().get(url)
    assert reponse.status_code == 410
    assert "demandez une nouvelle invitation" in texte(reponse)
    reponse = Client().post(
        url,
        {
            "prenom": "A",
            "nom": "B",
            "mot_de_passe": NOUVEAU_MOT_DE_PASSE,
            "confirmation": NOUVEAU_MOT_DE_PASSE,
        },
    )
    assert reponse.status_code == 410
    assert not Utilisateur.objects.filter(email="x@exemple.fr").exists()


def test_accepter_avec_compte_existant_sans_etre_connecte(monde):
    invitation = actions.inviter(
        par=monde["animateur"], email="agent@exemple.fr", role=Role.RESPONSABLE, structure=monde["s2"]
    )
    client = Client()
    url = chemin_du_lien(invitation)
    assert "Vous avez déjà un compte" in texte(client.get(url))
    reponse = client.post(url, {"mot_de_passe": "mauvais"})
    assert "Mot de passe incorrect." in texte(reponse)
    assert monde["agent"].habilitations.count() == 1
    reponse = client.post(url, {"mot_de_passe": MOT_DE_PASSE})
    assert reponse.status_code == 302
    assert int(client.session["_auth_user_id"]) == monde["agent"].pk
    assert set(monde["agent"].habilitations.values_list("role", flat=True)) == {Role.AGENT, Role.RESPONSABLE}


def test_accepter_connecte_avec_la_bonne_adresse(monde):
    invitation = actions.inviter(
        par=monde["animateur"], email="agent@exemple.fr", role=Role.RESPONSABLE, structure=monde["s2"]
    )
    client = client_de(monde["agent"])
    url = chemin_du_lien(invitation)
    assert "l'habilitation sera ajoutée à votre compte" in texte(client.get(url))
    assert client.post(url).status_code == 302
    assert monde["agent"].habilitations.filter(role=Role.RESPONSABLE, structure=monde["s2"]).exists()


def test_accepter_connecte_avec_une_autre_adresse(monde):
    invitation = actions.inviter(
        par=monde["responsable"], email="neuf@exemple.fr", role=Role.AGENT, structure=monde["s1"]
    )
    client = client_de(monde["agent"])
    url = chemin_du_lien(invitation)
    assert "Vous êtes connecté(e) avec une autre adresse" in texte(client.get(url))
    reponse = client.post(
        url,
        {
            "prenom": "A",
            "nom": "B",
            "mot_de_passe": NOUVEAU_MOT_DE_PASSE,
            "confirmation": NOUVEAU_MOT_DE_PASSE,
        },
    )
    assert reponse.status_code == 200
    invitation.refresh_from_db()
    assert invitation.acceptee_le is None
    assert monde["agent"].habilitations.count() == 1


def test_compte_desactive_ne_peut_pas_accepter(monde):
    actions.desactiver_compte(par=monde["responsable"], utilisateur=monde["agent"])
    invitation = actions.inviter(
        par=monde["animateur"], email="agent@exemple.fr", role=Role.AGENT, structure=monde["s2"]
    )
    client = Client()
    url = chemin_du_lien(invitation)
    assert "Compte désactivé" in texte(client.get(url))
    client.post(url, {"mot_de_passe": MOT_DE_PASSE})
    invitation.refresh_from_db()
    assert invitation.acceptee_le is None


def test_formulaire_national_leger(monde):
    """L'équipe nationale saisit l'identifiant de la France services : pas de liste de 2 800 options."""
    reponse = client_de(monde["national"]).get(reverse("comptes:inviter"))
    contenu = texte(reponse)
    assert '<input type="text" name="structure"' in contenu
    assert contenu.count("<option") < 300
