"""Espace personnel : accueil après connexion, « Mon compte », mot de passe, second facteur."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from .. import double_facteur as totp
from ..forms import FormulaireChangementMotDePasse, FormulaireCode
from ..middleware import CLE_SESSION


def habilitations_de(utilisateur):
    return utilisateur.habilitations.select_related(
        "structure", "departement", "partenaire", "lieu_mediation", "accordee_par", "revoquee_par"
    )


@require_http_methods(["GET"])
def espace(request):
    utilisateur = request.user
    perimetre = utilisateur.perimetre
    contexte = {
        "titre": "Mon espace",
        "habilitations": habilitations_de(utilisateur).actives(),
        "explication": perimetre.explication(),
        "peut_inviter": bool(perimetre.roles_invitables()),
        "voit_journal_audit": perimetre.voit_journal_audit,
        "gere_des_structures": perimetre.national
        or bool(perimetre.structures_responsable or perimetre.departements_animateur),
        "saisit_des_demandes": perimetre.saisit_des_demandes,
        "voit_statistiques": perimetre.voit_statistiques,
        "voit_bouquet": not perimetre.est_vide,
        "voit_escalades": perimetre.voit_escalades,
        "voit_pilotes": perimetre.voit_pilotes,
        "voit_chiffres_escalades": perimetre.national
        or bool(perimetre.partenaires or perimetre.departements),
        "importe_l_activite": perimetre.national or bool(perimetre.structures_responsable),
    }
    return render(request, "comptes/espace.html", contexte)


@require_http_methods(["GET"])
def mon_compte(request):
    utilisateur = request.user
    habilitations = list(habilitations_de(utilisateur).order_by("-debut", "-pk"))
    actives = {h.pk for h in habilitations_de(utilisateur).actives()}
    contexte = {
        "titre": "Mon compte",
        "habilitations": [(h, h.pk in actives) for h in habilitations],
        "double_facteur": utilisateur.double_facteur_confirme,
        "double_facteur_obligatoire": not totp.peut_supprimer(utilisateur),
    }
    return render(request, "comptes/mon_compte.html", contexte)


@transaction.atomic
def changer_mot_de_passe_de(*, par, form, request) -> None:
    form.save()
    update_session_auth_hash(request, par)
    journaliser(Evenement.MOT_DE_PASSE_CHANGE, request=request, acteur=par, details={"moyen": "Mon compte"})


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def changer_mot_de_passe(request):
    form = FormulaireChangementMotDePasse(request.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        changer_mot_de_passe_de(par=request.user, form=form, request=request)
        messages.success(request, "Votre mot de passe a été modifié.")
        return redirect("comptes:mon_compte")
    return render(
        request, "comptes/mot_de_passe_changer.html", {"titre": "Changer de mot de passe", "form": form}
    )


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def second_facteur(request):
    """Activer (enrôlement puis premier code) ou désactiver le second facteur."""
    utilisateur = request.user
    actif = utilisateur.double_facteur_confirme
    obligatoire = not totp.peut_supprimer(utilisateur)
    form = FormulaireCode(request.POST if request.method == "POST" else None)
    suspendu = totp.essais_suspendus(utilisateur)
    dispositif = utilisateur.dispositif_totp if actif else totp.dispositif_a_enroler(utilisateur=utilisateur)
    if form.is_bound and not suspendu and actif and obligatoire:
        messages.error(
            request, "Le second facteur est obligatoire pour l'équipe nationale : il reste activé."
        )
        return redirect("comptes:mon_compte")
    if form.is_bound and not suspendu and form.is_valid():
        code = form.cleaned_data["code"]
        if not actif:
            if totp.activer_double_facteur(par=utilisateur, code=code, request=request):
                request.session[CLE_SESSION] = True
                messages.success(request, "Second facteur activé : il vous sera demandé à chaque connexion.")
                return redirect("comptes:mon_compte")
        elif totp.verifier_code(par=utilisateur, dispositif=dispositif, code=code, request=request):
            totp.supprimer_double_facteur(par=utilisateur, request=request)
            messages.success(request, "Second facteur désactivé.")
            return redirect("comptes:mon_compte")
        suspendu = totp.essais_suspendus(utilisateur)
        if not suspendu:
            form.add_error(
                "code",
                "Ce code n'est pas valide ou a déjà été utilisé. Saisissez le code affiché maintenant.",
            )
    contexte = {
        "titre": "Désactiver le second facteur" if actif else "Activer le second facteur",
        "form": form,
        "actif": actif,
        "obligatoire": obligatoire,
        "suspendu": suspendu,
        "secret": "" if actif else totp.secret_lisible(dispositif),
        "qr_code": "" if actif else totp.qr_code_svg(dispositif),
    }
    return render(request, "comptes/double_facteur_gerer.html", contexte, status=429 if suspendu else 200)
