"""Jetons d'API personnels : liste, création (valeur montrée une seule fois), révocation."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from ..forms_jetons import FormulaireJeton, portees_offertes
from ..models import JetonAPI, Portee

PAR_PAGE = 50


@transaction.atomic
def creer_jeton(*, par, nom: str, portees: list[str], duree_jours: int, request=None) -> tuple[JetonAPI, str]:
    """Crée le jeton de `par` ; renvoie aussi sa valeur en clair (seule l'empreinte est gardée)."""
    jeton, valeur = JetonAPI.generer(
        utilisateur=par, nom=nom, portees=portees, expire_le=timezone.now() + timedelta(days=duree_jours)
    )
    journaliser(
        Evenement.JETON_CREE,
        request=request,
        acteur=par,
        cible=jeton,
        details={"portees": jeton.portees, "expire_le": jeton.expire_le.isoformat()},
    )
    return jeton, valeur


@transaction.atomic
def revoquer_jeton_de(*, par, jeton: JetonAPI, request=None) -> bool:
    """Révoque le jeton (une seule fois) ; faux s'il l'était déjà."""
    if jeton.revoque_le is not None:
        return False
    jeton.revoque_le = timezone.now()
    jeton.save(update_fields=["revoque_le"])
    journaliser(Evenement.JETON_REVOQUE, request=request, acteur=par, cible=jeton)
    return True


def _exiger_habilitation(utilisateur):
    if utilisateur.perimetre.est_vide:
        raise PermissionDenied("Il faut une habilitation active pour utiliser les jetons d'API.")


def statut(jeton: JetonAPI, maintenant) -> tuple[str, str]:
    """Libellé et variante de badge DSFR."""
    if jeton.revoque_le is not None:
        return "Révoqué", "error"
    if jeton.expire_le <= maintenant:
        return "Expiré", "warning"
    return "Actif", "success"


@never_cache
@require_http_methods(["GET", "POST"])
def jetons(request):
    utilisateur = request.user
    _exiger_habilitation(utilisateur)
    portees = portees_offertes(utilisateur.perimetre)
    form = FormulaireJeton(request.POST if request.method == "POST" else None, portees=portees)
    nouveau, valeur = None, ""
    if form.is_bound and form.is_valid():
        nouveau, valeur = creer_jeton(
            par=utilisateur,
            nom=form.cleaned_data["nom"],
            portees=form.cleaned_data["portees"],
            duree_jours=form.cleaned_data["duree_jours"],
            request=request,
        )
        form = FormulaireJeton(portees=portees)
    maintenant = timezone.now()
    page = Paginator(JetonAPI.objects.filter(utilisateur=utilisateur).order_by("-cree_le", "-pk"), PAR_PAGE)
    page = page.get_page(request.GET.get("page"))
    libelles = dict(Portee.choices)
    lignes = [
        {
            "jeton": j,
            "portees": [libelles.get(p, p) for p in j.portees],
            "statut": statut(j, maintenant),
            "actif": j.revoque_le is None and j.expire_le > maintenant,
        }
        for j in page
    ]
    contexte = {
        "titre": "Mes jetons d'API",
        "form": form,
        "portees_disponibles": bool(portees),
        "nouveau": nouveau,
        "valeur": valeur,
        "lignes": lignes,
        "page": page,
        "url_api": request.build_absolute_uri(reverse("api:api-root")),
    }
    return render(request, "comptes/jetons.html", contexte, status=200)


@require_POST
def revoquer_jeton(request, pk):
    _exiger_habilitation(request.user)
    jeton = get_object_or_404(JetonAPI.objects.filter(utilisateur=request.user), pk=pk)
    if revoquer_jeton_de(par=request.user, jeton=jeton, request=request):
        messages.success(
            request, f"Le jeton « {jeton.nom} » est révoqué : il ne permet plus d'appeler l'API."
        )
    else:
        messages.info(request, f"Le jeton « {jeton.nom} » était déjà révoqué.")
    return redirect("comptes:jetons")
