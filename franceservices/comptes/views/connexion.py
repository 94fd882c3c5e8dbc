"""Connexion par adresse + mot de passe (ou ProConnect), verrouillage, déconnexion, mot de passe oublié,
second facteur."""

import secrets
from urllib.parse import urlencode

from axes.utils import reset as lever_verrouillage
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from franceservices.core.audit import journaliser
from franceservices.core.limitation import limiter_debit
from franceservices.core.models import Evenement

from .. import double_facteur as totp
from ..forms import (
    FormulaireCode,
    FormulaireConnexion,
    FormulaireMotDePasseOublie,
    FormulaireNouveauMotDePasse,
)
from ..middleware import CLE_SESSION
from ..models import Utilisateur

MESSAGE_IDENTIFIANTS = (
    "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie ; après 5 échecs, "
    "le compte est verrouillé pendant 15 minutes."
)
MESSAGE_SANS_HABILITATION = (
    "Votre mot de passe est correct mais votre compte n'a aucune habilitation active : "
    "demandez à votre responsable de structure ou à votre animateur départemental de vous en accorder une."
)
MESSAGE_PROCONNECT = (
    "La connexion avec ProConnect n'a pas abouti : votre adresse n'est rattachée à aucun compte habilité, "
    "ou l'échange avec ProConnect a échoué. Réessayez, ou connectez-vous avec votre mot de passe."
)


def message_verrouillage() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Trop d'échecs : compte verrouillé pendant {minutes} minutes. Réessayez plus tard, "
        "ou utilisez « mot de passe oublié » pour en choisir un nouveau, ce qui lève le verrouillage."
    )


def url_suivante(request, defaut: str | None = None) -> str:
    """La page demandée (`next`), si elle est sur ce site ; sinon l'espace personnel."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL) if defaut is None else defaut


def comptes_de_demo():
    """Comptes de démonstration listés sur la page de connexion (DEBUG seulement)."""
    if not settings.DEBUG:
        return []
    return list(
        Utilisateur.objects.filter(demo=True, is_active=True).prefetch_related(
            "habilitations__structure",
            "habilitations__departement",
            "habilitations__partenaire",
            "habilitations__lieu_mediation",
        )
    )


def page_connexion(request, form, *, erreur="", verrouillage=False, status=200):
    contexte = {
        "titre": "Connexion",
        "form": form,
        "erreur": erreur,
        "verrouillage": verrouillage,
        "suivant": url_suivante(request, defaut=""),
        "proconnect": bool(settings.OIDC_RP_CLIENT_ID),
        "echec_proconnect": request.GET.get("echec") == "proconnect",
        "comptes_demo": comptes_de_demo(),
        "mot_de_passe_demo": settings.MOT_DE_PASSE_DEMO if settings.DEBUG else "",
    }
    return render(request, "comptes/connexion.html", contexte, status=status)


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
@limiter_debit("connexion")
def connexion(request):
    if request.method == "POST" and ("code" in request.GET or "state" in request.GET):
        # Paramètres réservés au retour de ProConnect (/oidc/callback/) : ici, ils déclencheraient un
        # échange de jetons avec le fournisseur.
        return HttpResponseBadRequest("Paramètres inattendus.", content_type="text/plain; charset=utf-8")
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(url_suivante(request))
    form = FormulaireConnexion(request.POST if request.method == "POST" else None)
    erreur = ""
    if form.is_bound and form.is_valid():
        utilisateur = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if utilisateur is not None:
            login(request, utilisateur)
            if utilisateur.doit_avoir_double_facteur:
                return redirect(
                    f"{reverse('comptes:double_facteur')}?{urlencode({'next': url_suivante(request)})}"
                )
            messages.success(request, f"Bienvenue, {utilisateur.first_name or utilisateur.email}.")
            return redirect(url_suivante(request))
        if getattr(request, "axes_locked_out", False):
            erreur = message_verrouillage()  # la page est remplacée par `verrouille` (intergiciel d'axes)
        elif getattr(request, "connexion_refusee", False):
            erreur = MESSAGE_SANS_HABILITATION
        else:
            erreur = MESSAGE_IDENTIFIANTS
    return page_connexion(request, form, erreur=erreur)


@login_not_required
def verrouille(request, credentials=None, *args, **kwargs):
    """Réponse de django-axes (AXES_LOCKOUT_CALLABLE) quand le couple adresse + IP est verrouillé.

    Axes l'appelle avec (request, réponse d'origine, credentials) ou (request, credentials)."""
    donnees = request.POST if request.method == "POST" else None
    form = FormulaireConnexion(donnees)
    if donnees is not None:
        form.is_valid()
    return page_connexion(request, form, erreur=message_verrouillage(), verrouillage=True, status=429)


@login_not_required
@require_POST
def deconnexion(request):
    """Déconnexion (POST seulement) ; après ProConnect, aussi chez le fournisseur d'identité."""
    id_token = request.session.get("oidc_id_token")
    logout(request)
    if id_token and settings.OIDC_OP_LOGOUT_ENDPOINT:
        parametres = urlencode(
            {
                "id_token_hint": id_token,
                "state": secrets.token_urlsafe(16),
                "post_logout_redirect_uri": request.build_absolute_uri(reverse("comptes:connexion")),
            }
        )
        return redirect(f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{parametres}")
    messages.success(request, "Vous êtes déconnecté(e).")
    return redirect("comptes:connexion")


# — Second facteur —


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
@limiter_debit("connexion")
def double_facteur(request):
    """Vérification (ou premier enrôlement) du second facteur, après le mot de passe."""
    utilisateur = request.user
    suivant = url_suivante(request)
    if request.session.get(CLE_SESSION):
        return redirect(suivant)
    if not utilisateur.doit_avoir_double_facteur:
        return redirect(suivant)
    enrolement = not utilisateur.double_facteur_confirme
    dispositif = totp.dispositif_a_enroler(utilisateur=utilisateur)
    form = FormulaireCode(request.POST if request.method == "POST" else None)
    suspendu = totp.essais_suspendus(utilisateur)
    if form.is_bound and not suspendu and form.is_valid():
        code = form.cleaned_data["code"]
        if enrolement:
            valide = totp.activer_double_facteur(par=utilisateur, code=code, request=request)
        else:
            valide = totp.verifier_code(par=utilisateur, dispositif=dispositif, code=code, request=request)
        if valide:
            request.session.cycle_key()
            request.session[CLE_SESSION] = True
            if enrolement:
                messages.success(request, "Second facteur activé : il vous sera demandé à chaque connexion.")
            return redirect(suivant)
        suspendu = totp.essais_suspendus(utilisateur)
        if not suspendu:
            form.add_error(
                "code",
                "Ce code n'est pas valide ou a déjà été utilisé. Saisissez le code affiché maintenant.",
            )
    contexte = {
        "titre": "Activer le second facteur" if enrolement else "Second facteur",
        "form": form,
        "enrolement": enrolement,
        "suspendu": suspendu,
        "suivant": suivant,
        "secret": totp.secret_lisible(dispositif) if enrolement else "",
        "qr_code": totp.qr_code_svg(dispositif) if enrolement else "",
        "code_demo": totp.code_de_demonstration(dispositif) if settings.DEBUG and utilisateur.demo else "",
    }
    return render(request, "comptes/double_facteur.html", contexte, status=429 if suspendu else 200)


# — Mot de passe oublié —


def demander_reinitialisation(*, request, form: FormulaireMotDePasseOublie) -> None:
    """Journalise la demande et envoie le lien (après validation de la transaction), si le compte existe."""
    email = form.cleaned_data["email"]
    connu = any(True for _ in form.get_users(email))
    journaliser(
        Evenement.MOT_DE_PASSE_DEMANDE,
        request=request,
        acteur_email=email,
        details={"compte_actif_connu": connu},
    )
    if not connu:
        return
    options = {
        "request": request,
        "use_https": request.is_secure(),
        "subject_template_name": "comptes/courriel_mot_de_passe_objet.txt",
        "email_template_name": "comptes/courriel_mot_de_passe.txt",
        "from_email": settings.DEFAULT_FROM_EMAIL,
    }
    # robust : une panne du serveur de courriel est journalisée sans changer la réponse.
    transaction.on_commit(lambda: form.save(**options), robust=True)


@login_not_required
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@limiter_debit("mot_de_passe")
def mot_de_passe_oublie(request):
    form = FormulaireMotDePasseOublie(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        demander_reinitialisation(request=request, form=form)
        # Même réponse que l'adresse soit connue ou non : rien n'est révélé.
        return redirect("comptes:mot_de_passe_envoye")
    return render(request, "comptes/mot_de_passe_oublie.html", {"titre": "Mot de passe oublié", "form": form})


@login_not_required
def mot_de_passe_envoye(request):
    return render(request, "comptes/mot_de_passe_envoye.html", {"titre": "Vérifiez votre messagerie"})


class NouveauMotDePasse(PasswordResetConfirmView):
    form_class = FormulaireNouveauMotDePasse
    template_name = "comptes/mot_de_passe_nouveau.html"
    success_url = reverse_lazy("comptes:mot_de_passe_modifie")
    post_reset_login = False

    def get_context_data(self, **kwargs):
        contexte = super().get_context_data(**kwargs)
        contexte["titre"] = "Choisir un nouveau mot de passe"
        return contexte

    def form_valid(self, form):
        reponse = super().form_valid(form)
        utilisateur = form.user
        journaliser(
            Evenement.MOT_DE_PASSE_CHANGE,
            request=self.request,
            acteur=utilisateur,
            details={"moyen": "lien de réinitialisation"},
        )
        # Le verrouillage après échecs est levé : c'est la voie indiquée sur la page de verrouillage.
        lever_verrouillage(username=utilisateur.email)
        return reponse


mot_de_passe_nouveau = login_not_required(
    require_http_methods(["GET", "POST"])(limiter_debit("mot_de_passe")(NouveauMotDePasse.as_view()))
)


@login_not_required
def mot_de_passe_modifie(request):
    return render(request, "comptes/mot_de_passe_modifie.html", {"titre": "Mot de passe modifié"})
