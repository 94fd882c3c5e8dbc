"""Actions sur les comptes : inviter, accepter, retirer une habilitation, désactiver, réactiver.

Chaque action vérifie le droit de celui qui agit (`par`) avec son périmètre, écrit le journal d'audit
et envoie ses courriels une fois la transaction validée. Les vues ne font qu'appeler ces fonctions.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .models import (
    TOUS_CHAMPS_PERIMETRE,
    Habilitation,
    Invitation,
    JetonAPI,
    Utilisateur,
    normaliser_email,
)

SEL_INVITATION = "franceservices.comptes.invitation"


class InvitationInvalide(Exception):
    """Le lien d'invitation ne peut pas servir ; `motif` : « invalide », « expiree », « utilisee », « annulee »."""

    def __init__(self, motif: str, invitation: Invitation | None = None):
        super().__init__(motif)
        self.motif = motif
        self.invitation = invitation


def _perimetre_de(element) -> dict:
    return {champ: getattr(element, champ) for champ in TOUS_CHAMPS_PERIMETRE}


def _ids_perimetre(element) -> dict:
    return {f"{champ}_id": getattr(element, f"{champ}_id") for champ in TOUS_CHAMPS_PERIMETRE}


def _details(element) -> dict:
    return {"role": element.role, "perimetre": element.libelle_perimetre}


def habilitations_en_cours(utilisateur):
    """Habilitations ni retirées ni échues, que le compte soit actif ou non (pour le réactiver)."""
    jour = timezone.localdate()
    return (
        utilisateur.habilitations.filter(Q(fin__isnull=True) | Q(fin__gte=jour), debut__lte=jour)
        .filter(revoquee_le__isnull=True)
        .select_related("structure", "departement", "partenaire", "lieu_mediation")
    )


def peut_changer_compte(par, utilisateur, habilitations=None) -> bool:
    """Désactiver ou réactiver : jamais soi-même ; l'équipe nationale toujours ; sinon il faut pouvoir
    retirer chacune des habilitations en cours de la personne (et qu'il y en ait au moins une)."""
    if par.pk == utilisateur.pk:
        return False
    perimetre = par.perimetre
    if perimetre.national:
        return True
    if habilitations is None:
        habilitations = list(habilitations_en_cours(utilisateur))
    return bool(habilitations) and all(perimetre.peut_accorder(h) for h in habilitations)


# — Invitations —


def lien_invitation(invitation: Invitation, request=None) -> str:
    """Lien absolu (signé : pk + nonce) à envoyer à la personne invitée."""
    jeton = signing.dumps(
        {"pk": invitation.pk, "nonce": invitation.nonce}, salt=SEL_INVITATION, compress=True
    )
    chemin = reverse("comptes:accepter_invitation", kwargs={"jeton": jeton})
    if request is not None:
        return request.build_absolute_uri(chemin)
    return settings.SITE_URL.rstrip("/") + chemin


def invitation_depuis_jeton(jeton: str) -> Invitation:
    """L'invitation du lien, si elle peut encore servir ; sinon `InvitationInvalide`."""
    duree = settings.INVITATION_DUREE_JOURS * 24 * 3600
    try:
        contenu = signing.loads(jeton, salt=SEL_INVITATION, max_age=duree)
    except signing.SignatureExpired:
        raise InvitationInvalide("expiree") from None
    except signing.BadSignature:
        raise InvitationInvalide("invalide") from None
    if not isinstance(contenu, dict):
        raise InvitationInvalide("invalide")
    invitation = (
        Invitation.objects.select_related(
            "invitee_par", "structure", "departement", "partenaire", "lieu_mediation"
        )
        .filter(pk=contenu.get("pk"), nonce=contenu.get("nonce"))
        .first()
    )
    if invitation is None:
        raise InvitationInvalide("invalide")
    if invitation.acceptee_le is not None:
        raise InvitationInvalide("utilisee", invitation)
    if invitation.annulee_le is not None:
        raise InvitationInvalide("annulee", invitation)
    if invitation.expire_le <= timezone.now():
        raise InvitationInvalide("expiree", invitation)
    return invitation


def _envoyer_invitation(invitation: Invitation, lien: str):
    contexte = {"invitation": invitation, "lien": lien, "duree": settings.INVITATION_DUREE_JOURS}
    EmailMessage(
        subject=render_to_string("comptes/courriel_invitation_sujet.txt", contexte).strip(),
        body=render_to_string("comptes/courriel_invitation.txt", contexte),
        to=[invitation.email],
    ).send()


@transaction.atomic
def inviter(
    *,
    par: Utilisateur,
    email: str,
    role: str,
    structure=None,
    departement=None,
    partenaire=None,
    lieu_mediation=None,
    request=None,
) -> Invitation:
    """Invite `email` à exercer `role` sur un élément de périmètre ; envoie le lien signé par courriel.

    Refuse (PermissionDenied) ce que `par` ne peut pas accorder ; refuse (ValidationError) un périmètre
    incomplet, une invitation déjà en attente ou une habilitation déjà détenue."""
    perimetre = par.perimetre
    if role not in perimetre.roles_invitables():
        raise PermissionDenied("Vous ne pouvez pas inviter à ce rôle.")
    invitation = Invitation(
        email=normaliser_email(email),
        role=role,
        structure=structure,
        departement=departement,
        partenaire=partenaire,
        lieu_mediation=lieu_mediation,
        invitee_par=par,
    )
    invitation.clean()
    if not perimetre.peut_accorder(invitation):
        raise PermissionDenied("Ce périmètre n'est pas dans le vôtre.")
    ids = _ids_perimetre(invitation)
    deja = Invitation.objects.en_attente().filter(email=invitation.email, role=role, **ids).first()
    if deja is not None:
        raise ValidationError(
            f"Une invitation est déjà en attente pour {invitation.email} à ce rôle "
            f"(envoyée le {timezone.localtime(deja.creee_le):%d/%m/%Y}) : annulez-la pour en envoyer une nouvelle."
        )
    if Habilitation.objects.actives().filter(utilisateur__email=invitation.email, role=role, **ids).exists():
        raise ValidationError(f"{invitation.email} a déjà cette habilitation : inutile de l'inviter.")
    invitation.save()
    journaliser(
        Evenement.INVITATION_ENVOYEE,
        request=request,
        acteur=par,
        cible=invitation,
        details={"email": invitation.email, **_details(invitation)},
    )
    lien = lien_invitation(invitation, request)
    transaction.on_commit(lambda: _envoyer_invitation(invitation, lien))
    return invitation


def peut_annuler_invitation(par, invitation) -> bool:
    return invitation.invitee_par_id == par.pk or par.perimetre.peut_accorder(invitation)


@transaction.atomic
def annuler_invitation(*, par: Utilisateur, invitation: Invitation, request=None) -> Invitation:
    if not peut_annuler_invitation(par, invitation):
        raise PermissionDenied("Vous ne pouvez pas annuler cette invitation.")
    if invitation.statut != "en attente":
        raise ValidationError(f"Cette invitation est déjà {invitation.statut}.")
    invitation.annulee_le = timezone.now()
    invitation.save(update_fields=["annulee_le"])
    journaliser(
        Evenement.INVITATION_ANNULEE,
        request=request,
        acteur=par,
        cible=invitation,
        details={"email": invitation.email, **_details(invitation)},
    )
    return invitation


@transaction.atomic
def accepter_invitation(
    *,
    invitation: Invitation,
    utilisateur_existant: Utilisateur | None = None,
    prenom: str = "",
    nom: str = "",
    mot_de_passe: str | None = None,
    request=None,
) -> Utilisateur:
    """Crée le compte (adresse de l'invitation) si besoin, puis l'habilitation promise ; usage unique."""
    # Verrou : deux acceptations simultanées du même lien n'en font qu'une.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.acceptee_le is not None:
        raise InvitationInvalide("utilisee", invitation)
    if invitation.annulee_le is not None:
        raise InvitationInvalide("annulee", invitation)
    if invitation.expire_le <= timezone.now():
        raise InvitationInvalide("expiree", invitation)
    if utilisateur_existant is not None:
        if utilisateur_existant.email != invitation.email:
            raise PermissionDenied("Cette invitation est adressée à une autre adresse.")
        if not utilisateur_existant.is_active:
            raise PermissionDenied("Ce compte est désactivé.")
        utilisateur = utilisateur_existant
    else:
        if Utilisateur.objects.filter(email=invitation.email).exists():
            raise ValidationError("Un compte existe déjà pour cette adresse : connectez-vous pour accepter.")
        utilisateur = Utilisateur.objects.create_user(
            email=invitation.email, password=mot_de_passe, first_name=prenom.strip(), last_name=nom.strip()
        )
    habilitation = Habilitation.objects.create(
        utilisateur=utilisateur,
        role=invitation.role,
        accordee_par=invitation.invitee_par,
        **_perimetre_de(invitation),
    )
    invitation.acceptee_le = timezone.now()
    invitation.acceptee_par = utilisateur
    invitation.save(update_fields=["acceptee_le", "acceptee_par"])
    journaliser(
        Evenement.INVITATION_ACCEPTEE,
        request=request,
        acteur=utilisateur,
        cible=invitation,
        details={
            "email": invitation.email,
            "compte_cree": utilisateur_existant is None,
            **_details(invitation),
        },
    )
    journaliser(
        Evenement.HABILITATION_ACCORDEE,
        request=request,
        acteur=invitation.invitee_par,
        cible=habilitation,
        details={"titulaire": utilisateur.email, "invitation": invitation.pk, **_details(habilitation)},
    )
    utilisateur._perimetre = None  # ses droits viennent de changer
    return utilisateur


# — Habilitations et comptes —


@transaction.atomic
def accorder_habilitation(
    *, par: Utilisateur, utilisateur: Utilisateur, role: str, request=None, **perimetre
):
    """Accord direct, sans invitation : réservé à l'équipe nationale."""
    if not par.perimetre.national:
        raise PermissionDenied("Seule l'équipe nationale accorde une habilitation sans invitation.")
    habilitation = Habilitation(utilisateur=utilisateur, role=role, accordee_par=par, **perimetre)
    habilitation.full_clean(exclude=["utilisateur", "accordee_par"])
    ids = _ids_perimetre(habilitation)
    if Habilitation.objects.actives().filter(utilisateur=utilisateur, role=role, **ids).exists():
        raise ValidationError(f"{utilisateur} a déjà cette habilitation.")
    habilitation.save()
    journaliser(
        Evenement.HABILITATION_ACCORDEE,
        request=request,
        acteur=par,
        cible=habilitation,
        details={"titulaire": utilisateur.email, **_details(habilitation)},
    )
    return habilitation


@transaction.atomic
def retirer_habilitation(*, par: Utilisateur, habilitation: Habilitation, request=None) -> Habilitation:
    if not par.perimetre.peut_accorder(habilitation):
        raise PermissionDenied("Vous ne pouvez pas retirer cette habilitation.")
    if habilitation.revoquee_le is not None:
        raise ValidationError("Cette habilitation est déjà retirée.")
    habilitation.revoquee_le = timezone.now()
    habilitation.revoquee_par = par
    habilitation.save(update_fields=["revoquee_le", "revoquee_par"])
    journaliser(
        Evenement.HABILITATION_RETIREE,
        request=request,
        acteur=par,
        cible=habilitation,
        details={"titulaire": habilitation.utilisateur.email, **_details(habilitation)},
    )
    return habilitation


@transaction.atomic
def desactiver_compte(*, par: Utilisateur, utilisateur: Utilisateur, request=None) -> Utilisateur:
    """Le compte ne peut plus se connecter ; ses jetons d'API sont révoqués ; rien n'est supprimé."""
    if not peut_changer_compte(par, utilisateur):
        raise PermissionDenied("Vous ne pouvez pas désactiver ce compte.")
    if not utilisateur.is_active:
        raise ValidationError("Ce compte est déjà désactivé.")
    maintenant = timezone.now()
    utilisateur.is_active = False
    utilisateur.desactive_le = maintenant
    utilisateur.desactive_par = par
    utilisateur.save(update_fields=["is_active", "desactive_le", "desactive_par"])
    jetons = JetonAPI.objects.filter(
        utilisateur=utilisateur, revoque_le__isnull=True, expire_le__gt=maintenant
    )
    nombre_jetons = jetons.update(revoque_le=maintenant)
    journaliser(
        Evenement.COMPTE_DESACTIVE,
        request=request,
        acteur=par,
        cible=utilisateur,
        details={"email": utilisateur.email, "jetons_revoques": nombre_jetons},
    )
    return utilisateur


@transaction.atomic
def reactiver_compte(*, par: Utilisateur, utilisateur: Utilisateur, request=None) -> Utilisateur:
    if not peut_changer_compte(par, utilisateur):
        raise PermissionDenied("Vous ne pouvez pas réactiver ce compte.")
    if utilisateur.is_active:
        raise ValidationError("Ce compte est déjà actif.")
    utilisateur.is_active = True
    utilisateur.desactive_le = None
    utilisateur.desactive_par = None
    utilisateur.save(update_fields=["is_active", "desactive_le", "desactive_par"])
    journaliser(
        Evenement.COMPTE_REACTIVE,
        request=request,
        acteur=par,
        cible=utilisateur,
        details={"email": utilisateur.email},
    )
    return utilisateur
