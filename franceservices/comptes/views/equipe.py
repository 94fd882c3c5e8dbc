"""Équipe : les personnes du périmètre et leurs habilitations, invitations, désactivation, export.

Tout part de `Utilisateur.objects.visible_par(request.user)` : une personne hors du périmètre répond 404.
Les actions (inviter, retirer, désactiver…) sont dans `comptes.actions` ; chaque bouton mène d'abord à
une page de confirmation (GET), l'action se fait en POST.
"""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from franceservices.core.audit import journaliser
from franceservices.core.exports import Echo, neutraliser
from franceservices.core.limitation import limiter_debit
from franceservices.core.models import Evenement

from .. import actions
from ..forms_equipe import (
    ACTIFS,
    DESACTIVES,
    FiltresEquipe,
    FormulaireCompteExistant,
    FormulaireInvitation,
    FormulaireNouveauCompte,
)
from ..models import Habilitation, Invitation, Role, Utilisateur

PAR_PAGE = 50
BACKEND_CONNEXION = "franceservices.comptes.backends.ConnexionParCourriel"
ORDRE_NOMS = (Lower("last_name"), Lower("first_name"), "email")


# — Périmètre des habilitations et invitations —


def _filtre_habilitations_visibles(utilisateur) -> Q:
    """Habilitations que `utilisateur` peut voir : celles de son périmètre, et les siennes."""
    if utilisateur.perimetre.national:
        return Q()  # (Q() | autre) vaudrait `autre` : on ne combine pas
    filtre = utilisateur.perimetre.filtre_habilitations()
    return Q(utilisateur_id=utilisateur.pk) if filtre is None else filtre | Q(utilisateur_id=utilisateur.pk)


def _en_cours() -> Q:
    jour = timezone.localdate()
    return Q(revoquee_le__isnull=True, debut__lte=jour) & (Q(fin__isnull=True) | Q(fin__gte=jour))


def invitations_visibles(utilisateur):
    """Invitations envoyées par la personne, ou qu'elle pourrait envoyer (donc annuler)."""
    perimetre = utilisateur.perimetre
    invitations = Invitation.objects.select_related(
        "invitee_par", "structure__departement", "departement", "partenaire", "lieu_mediation", "acceptee_par"
    )
    if perimetre.national:
        return invitations
    filtre = Q(invitee_par=utilisateur)
    if perimetre.structures_responsable:
        filtre |= Q(role=Role.AGENT, structure_id__in=perimetre.structures_responsable)
    if perimetre.departements_animateur:
        filtre |= Q(
            role__in=[Role.AGENT, Role.RESPONSABLE],
            structure__departement_id__in=perimetre.departements_animateur,
        )
    return invitations.filter(filtre)


# — Liste, filtres, export —


def _personnes_filtrees(request):
    """(formulaire de filtres, personnes visibles filtrées et triées par nom)."""
    filtres = FiltresEquipe(request.GET or None, utilisateur=request.user)
    personnes = Utilisateur.objects.visible_par(request.user)
    donnees = filtres.cleaned_data if filtres.is_bound and filtres.is_valid() else {}
    if terme := donnees.get("q"):
        for mot in terme.split():
            personnes = personnes.filter(
                Q(first_name__icontains=mot) | Q(last_name__icontains=mot) | Q(email__icontains=mot)
            )
    habilitations = Habilitation.objects.filter(_en_cours())
    if role := donnees.get("role"):
        habilitations = habilitations.filter(role=role)
    if structure := donnees.get("structure"):
        habilitations = habilitations.filter(structure=structure)
    if departement := donnees.get("departement"):
        habilitations = habilitations.filter(
            Q(structure__departement=departement)
            | Q(departement=departement)
            | Q(lieu_mediation__departement=departement)
        )
    if role or structure or departement:
        personnes = personnes.filter(pk__in=habilitations.values("utilisateur_id"))
    if donnees.get("statut") == ACTIFS:
        personnes = personnes.filter(is_active=True)
    elif donnees.get("statut") == DESACTIVES:
        personnes = personnes.filter(is_active=False)
    prefetch = Prefetch(
        "habilitations",
        queryset=Habilitation.objects.filter(_en_cours())
        .filter(_filtre_habilitations_visibles(request.user))
        .select_related("structure", "departement", "partenaire", "lieu_mediation")
        .order_by("role", "pk"),
        to_attr="habilitations_visibles",
    )
    return filtres, personnes.order_by(*ORDRE_NOMS).prefetch_related(prefetch)


def _phrase_perimetre(utilisateur, nombre: int) -> str:
    perimetre = utilisateur.perimetre
    personnes = f"{nombre} personne{'s' if nombre > 1 else ''}"
    ou = "sur tout le réseau France services" if perimetre.national else "sur votre périmètre"
    if perimetre.est_vide:
        return f"Vous ne voyez que votre propre compte, {perimetre.explication()}."
    return f"{personnes} habilitée{'s' if nombre > 1 else ''} {ou}, {perimetre.explication()}."


def liste(request):
    filtres, personnes = _personnes_filtrees(request)
    page = Paginator(personnes, PAR_PAGE).get_page(request.GET.get("page"))
    filtre_actif = bool(filtres.is_bound and filtres.is_valid() and filtres.valeurs())
    total = Utilisateur.objects.visible_par(request.user).count() if filtre_actif else page.paginator.count
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "comptes/equipe.html",
        {
            "titre": "Équipe",
            "filtres": filtres,
            "page": page,
            "filtre_actif": filtre_actif,
            "phrase": _phrase_perimetre(request.user, total),
            "peut_inviter": bool(request.user.perimetre.roles_invitables()),
            "parametres": parametres.urlencode(),
        },
    )


def export(request):
    filtres, personnes = _personnes_filtrees(request)
    nombre = personnes.count()
    journaliser(
        Evenement.EXPORT,
        request=request,
        details={"export": "equipe", "filtres": filtres.valeurs(), "lignes": nombre},
    )
    redacteur = csv.writer(Echo(), delimiter=";")

    def lignes():
        yield "\ufeff" + redacteur.writerow(
            ["Nom", "Prénom", "Adresse électronique", "Rôles", "Périmètres", "Actif", "Dernière connexion"]
        )
        # Par paquets de 500 : deux requêtes par paquet, quel que soit le nombre de lignes.
        for personne in personnes.iterator(chunk_size=500):
            habilitations = personne.habilitations_visibles
            yield redacteur.writerow(
                [
                    neutraliser(personne.last_name),
                    neutraliser(personne.first_name),
                    neutraliser(personne.email),
                    " | ".join(h.get_role_display() for h in habilitations),
                    neutraliser(" | ".join(h.libelle_perimetre for h in habilitations)),
                    "oui" if personne.is_active else "non",
                    timezone.localtime(personne.last_login).strftime("%d/%m/%Y %H:%M")
                    if personne.last_login
                    else "",
                ]
            )

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="equipe-{timezone.localdate():%Y-%m-%d}.csv"'
    return reponse


# — Fiche d'une personne —


def _personne_visible(request, pk) -> Utilisateur:
    return get_object_or_404(
        Utilisateur.objects.visible_par(request.user).select_related("desactive_par"), pk=pk
    )


def _statut_habilitation(h, jour) -> str:
    if h.revoquee_le:
        return "retirée"
    if h.fin and h.fin < jour:
        return "terminée"
    if h.debut > jour:
        return "à venir"
    return "en cours"


def fiche(request, pk):
    personne = _personne_visible(request, pk)
    soi_meme = personne.pk == request.user.pk
    perimetre = request.user.perimetre
    toutes = personne.habilitations.select_related(
        "structure__departement",
        "departement",
        "partenaire",
        "lieu_mediation",
        "accordee_par",
        "revoquee_par",
    ).order_by("-debut", "-pk")
    visibles = list(toutes if soi_meme else toutes.filter(_filtre_habilitations_visibles(request.user)))
    hors_perimetre = 0 if soi_meme else toutes.count() - len(visibles)
    jour = timezone.localdate()
    for h in visibles:
        h.statut = _statut_habilitation(h, jour)
        h.peut_retirer = h.statut in ("en cours", "à venir") and perimetre.peut_accorder(h)
    if not soi_meme:
        journaliser(
            Evenement.ACCES_DONNEES_PERSONNELLES,
            request=request,
            cible=personne,
            details={"page": "fiche équipe"},
        )
    return render(
        request,
        "comptes/personne.html",
        {
            "titre": str(personne),
            "personne": personne,
            "soi_meme": soi_meme,
            "habilitations": visibles,
            "hors_perimetre": hors_perimetre,
            "invitations": invitations_visibles(request.user).filter(email=personne.email),
            "peut_changer_compte": actions.peut_changer_compte(request.user, personne),
        },
    )


def _confirmer(request, *, titre, question, consequence, bouton, retour, danger=True):
    return render(
        request,
        "comptes/equipe_confirmation.html",
        {
            "titre": titre,
            "question": question,
            "consequence": consequence,
            "bouton": bouton,
            "retour": retour,
            "danger": danger,
        },
    )


def _agir(request, action, succes: str, **kwargs) -> bool:
    try:
        action(par=request.user, request=request, **kwargs)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
        return False
    messages.success(request, succes)
    return True


@require_http_methods(["GET", "POST"])
def desactiver(request, pk):
    personne = _personne_visible(request, pk)
    if not actions.peut_changer_compte(request.user, personne):
        raise PermissionDenied("Vous ne pouvez pas désactiver ce compte.")
    if request.method == "POST":
        _agir(
            request,
            actions.desactiver_compte,
            f"Le compte de {personne} est désactivé.",
            utilisateur=personne,
        )
        return redirect("comptes:personne", pk=personne.pk)
    return _confirmer(
        request,
        titre=f"Désactiver le compte de {personne}",
        question=f"Désactiver le compte de {personne} ({personne.email}) ?",
        consequence="La personne ne pourra plus se connecter et ses jetons d'API seront révoqués. "
        "Son historique (habilitations, journal) est conservé ; le compte pourra être réactivé.",
        bouton="Désactiver le compte",
        retour=reverse("comptes:personne", args=[personne.pk]),
    )


@require_http_methods(["GET", "POST"])
def reactiver(request, pk):
    personne = _personne_visible(request, pk)
    if not actions.peut_changer_compte(request.user, personne):
        raise PermissionDenied("Vous ne pouvez pas réactiver ce compte.")
    if request.method == "POST":
        _agir(
            request, actions.reactiver_compte, f"Le compte de {personne} est réactivé.", utilisateur=personne
        )
        return redirect("comptes:personne", pk=personne.pk)
    return _confirmer(
        request,
        titre=f"Réactiver le compte de {personne}",
        question=f"Réactiver le compte de {personne} ({personne.email}) ?",
        consequence="La personne pourra de nouveau se connecter avec ses habilitations en cours.",
        bouton="Réactiver le compte",
        retour=reverse("comptes:personne", args=[personne.pk]),
        danger=False,
    )


@require_http_methods(["GET", "POST"])
def retirer_habilitation(request, pk):
    habilitation = get_object_or_404(
        Habilitation.objects.filter(_filtre_habilitations_visibles(request.user)).select_related(
            "utilisateur", "structure__departement", "departement", "partenaire", "lieu_mediation"
        ),
        pk=pk,
    )
    if not request.user.perimetre.peut_accorder(habilitation):
        raise PermissionDenied("Vous ne pouvez pas retirer cette habilitation.")
    personne = habilitation.utilisateur
    if request.method == "POST":
        _agir(
            request,
            actions.retirer_habilitation,
            f"L'habilitation « {habilitation} » de {personne} est retirée.",
            habilitation=habilitation,
        )
        return redirect("comptes:personne", pk=personne.pk)
    return _confirmer(
        request,
        titre="Retirer une habilitation",
        question=f"Retirer à {personne} l'habilitation « {habilitation} » ?",
        consequence="La personne perd aussitôt les droits qui en découlent. L'habilitation reste visible dans "
        "son historique, avec la date et l'auteur du retrait.",
        bouton="Retirer l'habilitation",
        retour=reverse("comptes:personne", args=[personne.pk]),
    )


# — Invitations —


def invitations(request):
    liste_invitations = invitations_visibles(request.user).order_by("-creee_le", "-pk")
    page = Paginator(liste_invitations, PAR_PAGE).get_page(request.GET.get("page"))
    for invitation in page:
        invitation.annulable = invitation.statut == "en attente" and actions.peut_annuler_invitation(
            request.user, invitation
        )
    perimetre = request.user.perimetre
    nombre = page.paginator.count
    if perimetre.national:
        phrase = (
            f"{nombre} invitation{'s' if nombre > 1 else ''} sur tout le réseau, {perimetre.explication()}."
        )
    else:
        phrase = (
            f"{nombre} invitation{'s' if nombre > 1 else ''} : celles que vous avez envoyées et celles des rôles "
            f"que vous pouvez accorder sur votre périmètre, {perimetre.explication()}."
        )
    return render(
        request,
        "comptes/invitations.html",
        {
            "titre": "Invitations",
            "page": page,
            "phrase": phrase,
            "peut_inviter": bool(perimetre.roles_invitables()),
        },
    )


@require_http_methods(["GET", "POST"])
def inviter(request):
    if not request.user.perimetre.roles_invitables():
        raise PermissionDenied("Votre rôle ne permet pas d'inviter des personnes.")
    formulaire = FormulaireInvitation(request.POST or None, utilisateur=request.user)
    if request.method == "POST" and formulaire.is_valid():
        try:
            invitation = actions.inviter(
                par=request.user,
                email=formulaire.cleaned_data["email"],
                role=formulaire.cleaned_data["role"],
                request=request,
                **formulaire.perimetre(),
            )
        except (ValidationError, PermissionDenied) as erreur:
            texte = " ".join(erreur.messages) if isinstance(erreur, ValidationError) else str(erreur)
            formulaire.add_error(None, texte)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {invitation.email} ({invitation.get_role_display()}, "
                f"{invitation.libelle_perimetre}). Le lien est valable {settings.INVITATION_DUREE_JOURS} jours.",
            )
            return redirect("comptes:invitations")
    return render(
        request,
        "comptes/invitation_nouvelle.html",
        {"titre": "Inviter une personne", "formulaire": formulaire, "duree": settings.INVITATION_DUREE_JOURS},
    )


@require_http_methods(["GET", "POST"])
def annuler_invitation(request, pk):
    invitation = get_object_or_404(invitations_visibles(request.user), pk=pk)
    if not actions.peut_annuler_invitation(request.user, invitation):
        raise PermissionDenied("Vous ne pouvez pas annuler cette invitation.")
    if request.method == "POST":
        _agir(
            request,
            actions.annuler_invitation,
            f"L'invitation de {invitation.email} est annulée : son lien ne fonctionne plus.",
            invitation=invitation,
        )
        return redirect("comptes:invitations")
    return _confirmer(
        request,
        titre="Annuler une invitation",
        question=f"Annuler l'invitation de {invitation.email} ({invitation.get_role_display()}, "
        f"{invitation.libelle_perimetre}) ?",
        consequence="Le lien envoyé ne fonctionnera plus. Vous pourrez inviter de nouveau cette personne.",
        bouton="Annuler l'invitation",
        retour=reverse("comptes:invitations"),
    )


MOTIFS_INVALIDE = {
    "invalide": (
        404,
        "Lien invalide",
        "Ce lien d'invitation n'est pas valide. Vérifiez qu'il a été copié en entier.",
    ),
    "expiree": (
        410,
        "Lien expiré",
        "Ce lien d'invitation a expiré : demandez une nouvelle invitation à la personne qui vous a invité(e).",
    ),
    "utilisee": (
        410,
        "Invitation déjà utilisée",
        "Cette invitation a déjà été utilisée. Si c'est vous, connectez-vous avec votre adresse électronique.",
    ),
    "annulee": (
        410,
        "Invitation annulée",
        "Cette invitation a été annulée. Demandez une nouvelle invitation si besoin.",
    ),
}


def _invitation_invalide(request, motif: str):
    statut, titre, texte = MOTIFS_INVALIDE[motif]
    return render(
        request, "comptes/invitation_invalide.html", {"titre": titre, "texte": texte}, status=statut
    )


@login_not_required
@limiter_debit("connexion")
@require_http_methods(["GET", "POST"])
def accepter_invitation(request, jeton):
    try:
        invitation = actions.invitation_depuis_jeton(jeton)
    except actions.InvitationInvalide as erreur:
        return _invitation_invalide(request, erreur.motif)
    existant = Utilisateur.objects.filter(email=invitation.email).first()
    connecte = request.user if request.user.is_authenticated else None
    contexte = {"titre": "Accepter une invitation", "invitation": invitation, "jeton": jeton, "cas": ""}
    formulaire = None
    if connecte is not None and connecte.email != invitation.email:
        contexte["cas"] = "autre_compte"
    elif existant is not None and not existant.is_active:
        contexte["cas"] = "desactive"
    elif existant is not None and connecte is not None:
        contexte["cas"] = "connecte"
    elif existant is not None:
        contexte["cas"] = "compte_existant"
        formulaire = FormulaireCompteExistant(request.POST or None, utilisateur=existant)
    else:
        contexte["cas"] = "nouveau"
        formulaire = FormulaireNouveauCompte(request.POST or None, email=invitation.email)
    contexte["formulaire"] = formulaire

    peut_accepter = contexte["cas"] in ("connecte", "compte_existant", "nouveau")
    if request.method == "POST" and peut_accepter and (formulaire is None or formulaire.is_valid()):
        donnees = formulaire.cleaned_data if contexte["cas"] == "nouveau" else {}
        try:
            utilisateur = actions.accepter_invitation(
                invitation=invitation,
                utilisateur_existant=existant,
                prenom=donnees.get("prenom", ""),
                nom=donnees.get("nom", ""),
                mot_de_passe=donnees.get("mot_de_passe"),
                request=request,
            )
        except actions.InvitationInvalide as erreur:
            return _invitation_invalide(request, erreur.motif)
        if connecte is None:
            login(request, utilisateur, backend=BACKEND_CONNEXION)
        messages.success(
            request,
            f"Bienvenue : vous êtes maintenant {invitation.get_role_display().lower()} "
            f"({invitation.libelle_perimetre}).",
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "comptes/invitation_accepter.html", contexte)
