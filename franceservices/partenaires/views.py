"""Pages des pilotes : liste et fiche (selon le périmètre), création et modification (équipe nationale),
déclaration des agents formés (responsable, animateur du département, équipe nationale).

Listes et fiches partent de `Pilote.objects.visible_par(request.user)` ; hors périmètre → 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from franceservices.comptes.perimetre import perimetre_de

from . import actions
from .forms import FormationForm, PiloteForm
from .models import Etat, FormationPilote, Pilote
from .pilotes import (
    agents_declarables,
    formations_visibles,
    peut_declarer,
    peut_gerer_pilotes,
    pilotes_evaluables,
)

PAR_PAGE = 30


def _peut_evaluer(utilisateur, pilote) -> bool:
    """Même règle que la page d'évaluation (statistiques) : national, référents, territoire du pilote."""
    return pilotes_evaluables(utilisateur).filter(pk=pilote.pk).exists()


def liste(request):
    pilotes = (
        Pilote.objects.visible_par(request.user)
        .select_related("partenaire")
        .annotate(
            nb_departements=Count("departements", distinct=True),
            nb_structures=Count("structures", distinct=True),
        )
        .order_by("-debut", "nom")
    )
    page = Paginator(pilotes, PAR_PAGE).get_page(request.GET.get("page"))
    perimetre = perimetre_de(request.user)
    return render(
        request,
        "partenaires/pilotes.html",
        {
            "titre": "Pilotes des partenaires",
            "page": page,
            "explication": perimetre.explication(),
            "peut_creer": peut_gerer_pilotes(request.user),
            "parametres": "",
        },
    )


def fiche(request, pk):
    pilote = get_object_or_404(Pilote.objects.visible_par(request.user).select_related("partenaire"), pk=pk)
    declarant = peut_declarer(request.user, pilote)
    form = None
    if declarant:
        form = FormationForm(agents=agents_declarables(request.user, pilote))
    declarables = (
        set(agents_declarables(request.user, pilote).values_list("pk", flat=True)) if declarant else set()
    )
    return render(
        request,
        "partenaires/pilote.html",
        _contexte_fiche(request, pilote, form, _formations(request, pilote, declarables), declarant),
    )


def _formations(request, pilote, declarables: set) -> Page:
    """Une page des agents formés visibles ; chacun dit si la personne peut retirer sa formation."""
    page = Paginator(formations_visibles(request.user, pilote), PAR_PAGE).get_page(request.GET.get("page"))
    page.object_list = [{"f": f, "retirable": f.agent_id in declarables} for f in page.object_list]
    return page


def _contexte_fiche(request, pilote, form, formations, declarant):
    etat = pilote.etat()
    return {
        "titre": pilote.nom,
        "pilote": pilote,
        "etat": etat,
        "etat_classe": {Etat.EN_COURS: "success", Etat.A_VENIR: "info", Etat.TERMINE: "warning"}[etat],
        "departements": pilote.departements.order_by("code"),
        "structures": pilote.structures.select_related("departement").order_by("nom"),
        "nb_couvertes": pilote.structures_couvertes().count(),
        "formations": formations,
        "page": formations,
        "parametres": "",
        "form": form,
        "peut_declarer": declarant,
        "peut_modifier": peut_gerer_pilotes(request.user),
        "peut_evaluer": _peut_evaluer(request.user, pilote),
    }


@require_POST
def declarer(request, pk):
    pilote = get_object_or_404(Pilote.objects.visible_par(request.user).select_related("partenaire"), pk=pk)
    if not peut_declarer(request.user, pilote):
        raise PermissionDenied("Vous ne pouvez pas déclarer d'agents formés pour ce pilote.")
    agents = agents_declarables(request.user, pilote)
    form = FormationForm(request.POST, agents=agents)
    if form.is_valid():
        try:
            actions.declarer_formation(
                par=request.user,
                pilote=pilote,
                agent=form.cleaned_data["agent"],
                formee_le=form.cleaned_data["formee_le"],
                request=request,
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            agent = form.cleaned_data["agent"]
            messages.success(
                request, f"{agent.get_full_name() or agent.email} est déclaré(e) formé(e) au pilote."
            )
            return redirect("partenaires:pilote", pk=pilote.pk)
    declarables = set(agents.values_list("pk", flat=True))
    return render(
        request,
        "partenaires/pilote.html",
        _contexte_fiche(request, pilote, form, _formations(request, pilote, declarables), True),
        status=400,
    )


@require_POST
def retirer(request, pk, formation_pk):
    pilote = get_object_or_404(Pilote.objects.visible_par(request.user), pk=pk)
    formation = get_object_or_404(
        FormationPilote.objects.filter(pk__in=formations_visibles(request.user, pilote).values("pk")),
        pk=formation_pk,
    )
    actions.retirer_formation(par=request.user, formation=formation, request=request)
    messages.success(
        request, f"La formation de {formation.agent.get_full_name() or formation.agent.email} est retirée."
    )
    return redirect("partenaires:pilote", pk=pilote.pk)


@require_http_methods(["GET", "POST"])
def editer(request, pk=None):
    if not peut_gerer_pilotes(request.user):
        raise PermissionDenied("Seule l'équipe nationale crée ou modifie les pilotes.")
    pilote = get_object_or_404(Pilote, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = PiloteForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                pilote, changements = actions.enregistrer_pilote(
                    par=request.user,
                    pilote=pilote,
                    departements=d["departements"],
                    structures=d["structures"],
                    request=request,
                    **{c: d[c] for c in actions.CHAMPS_SIMPLES},
                )
            except ValidationError as erreur:
                form.add_error(None, erreur)
            else:
                messages.success(
                    request,
                    "Pilote enregistré." if changements else "Aucune modification : le pilote est inchangé.",
                )
                return redirect("partenaires:pilote", pk=pilote.pk)
    else:
        form = PiloteForm(initial=PiloteForm.initial_depuis(pilote) if pilote else None)
    erreurs = sum(len(e) for e in form.errors.values()) if form.is_bound else 0
    return render(
        request,
        "partenaires/pilote_form.html",
        {
            "titre": f"Modifier le pilote « {pilote.nom} »" if pilote else "Nouveau pilote",
            "pilote": pilote,
            "form": form,
            "nombre_erreurs": erreurs,
            "annuler": reverse("partenaires:pilote", args=[pilote.pk])
            if pilote
            else reverse("partenaires:pilotes"),
        },
        status=400 if erreurs else 200,
    )
