"""Pages de l'animation départementale.

Qui voit quoi (hors périmètre → 404, comme un identifiant inconnu) :
- couverture en animateurs : équipe nationale, animateurs, préfectures (lecture) ; objectifs et grille de
  visite : équipe nationale seule (modification) ;
- accueil d'un département, ses visites et ses actions en retard : animateur et préfecture de ce département,
  équipe nationale ;
- créer ou modifier une visite : animateur du département, équipe nationale ;
- fiche d'une visite : les mêmes, la préfecture et le responsable de la France services visitée ;
- marquer une action faite : le porteur de l'action, l'animateur du département, l'équipe nationale.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.territoires.models import Departement

from . import accueil as accueil_
from . import actions, atypiques
from . import couverture as couverture_
from .forms import FiltresVisitesForm, ObjectifForm, PointControleForm, VisiteForm, actions_formset
from .models import ActionSuivi, ObjectifCouverture, PointControle, Visite

PAR_PAGE = 20


def _departement(request, code) -> Departement:
    """Le département, s'il est dans le périmètre d'animation de la personne (sinon 404)."""
    perimetre = perimetre_de(request.user)
    departement = get_object_or_404(Departement.objects.select_related("region"), code=code)
    if not (perimetre.national or departement.pk in perimetre.departements_pilotes):
        raise Http404
    return departement


def _peut_ecrire(perimetre, departement_id) -> bool:
    return perimetre.national or departement_id in perimetre.departements_animateur


def _refus_reseau(request):
    return refuser(
        request,
        "Animation du réseau",
        "Ces pages sont réservées aux animateurs départementaux, aux préfectures et à l'équipe nationale.",
    )


@require_GET
def index(request):
    perimetre = perimetre_de(request.user)
    if perimetre.national:
        return redirect("animation:couverture")
    pilotes = sorted(perimetre.departements_pilotes)
    if len(pilotes) == 1:
        return redirect("animation:departement", Departement.objects.get(pk=pilotes[0]).code)
    if pilotes:
        departements = Departement.objects.filter(pk__in=pilotes).order_by("code")
        return render(
            request,
            "animation/index.html",
            {"departements": departements, "titre": "Animation du réseau : vos départements"},
        )
    if perimetre.structures_responsable:
        return redirect("animation:visites")
    return _refus_reseau(request)


# — Couverture en animateurs —


@require_GET
def couverture(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_reseau:
        return _refus_reseau(request)
    c = couverture_.calculer()
    return render(
        request,
        "animation/couverture.html",
        {
            "titre": "Couverture du réseau en animateurs départementaux",
            "c": c,
            "national": perimetre.national,
            "objectifs": ObjectifCouverture.objects.order_by("echeance", "pk") if perimetre.national else [],
        },
    )


def _exiger_national(request):
    if not perimetre_de(request.user).national:
        raise Http404


@require_http_methods(["GET", "POST"])
def objectif(request, pk=None):
    _exiger_national(request)
    instance = get_object_or_404(ObjectifCouverture, pk=pk) if pk else None
    form = ObjectifForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        actions.enregistrer_objectif(par=request.user, form=form, request=request)
        messages.success(request, "Objectif de couverture enregistré.")
        return redirect("animation:couverture")
    return render(
        request,
        "animation/formulaire.html",
        {
            "titre": "Modifier l'objectif de couverture" if instance else "Nouvel objectif de couverture",
            "form": form,
            "bouton": "Enregistrer l'objectif",
            "annuler": reverse("animation:couverture"),
            "introduction": "La part cible est comptée sur les 101 départements (DROM compris). L'objectif en "
            "vigueur est celui dont l'échéance est la plus proche à venir, à défaut le plus récent.",
        },
    )


@require_http_methods(["GET", "POST"])
def grille(request, pk=None):
    _exiger_national(request)
    instance = get_object_or_404(PointControle, pk=pk) if pk else None
    form = PointControleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        actions.enregistrer_point(par=request.user, form=form, request=request)
        messages.success(request, "Grille de visite enregistrée.")
        return redirect("animation:grille")
    return render(
        request,
        "animation/grille.html",
        {
            "titre": "Grille des visites",
            "form": form,
            "instance": instance,
            "points": PointControle.objects.order_by("ordre", "pk"),
        },
    )


# — Accueil d'un département —


@require_GET
def departement(request, code):
    dep = _departement(request, code)
    perimetre = perimetre_de(request.user)
    a = accueil_.accueil(dep, request.user)
    return render(
        request,
        "animation/departement.html",
        {
            "titre": f"Animation du réseau : {dep.nom} ({dep.code})",
            "a": a,
            "dep": dep,
            "peut_ecrire": _peut_ecrire(perimetre, dep.pk),
            "explication": perimetre.explication(),
            "seuil": str(atypiques.SEUIL).replace(".", ","),
            "minimum_sites": atypiques.MINIMUM_SITES,
        },
    )


# — Visites —


def _visites_annotees(qs):
    en_retard = ActionSuivi.objects.en_retard().filter(visite=OuterRef("pk"))
    return qs.select_related("structure", "auteur").annotate(
        nb_actions=Count("actions"), en_retard=Exists(en_retard)
    )


@require_GET
def visites_departement(request, code):
    dep = _departement(request, code)
    filtres = FiltresVisitesForm(request.GET or None, departement=dep)
    qs = Visite.objects.visible_par(request.user).filter(structure__departement=dep)
    if filtres.is_valid():
        f = filtres.cleaned_data
        if f.get("structure"):
            qs = qs.filter(structure=f["structure"])
        if f.get("du"):
            qs = qs.filter(date__gte=f["du"])
        if f.get("au"):
            qs = qs.filter(date__lte=f["au"])
        if f.get("actions") == "en_retard":
            qs = qs.filter(Exists(ActionSuivi.objects.en_retard().filter(visite=OuterRef("pk"))))
    page = Paginator(_visites_annotees(qs).order_by("-date", "-pk"), PAR_PAGE).get_page(
        request.GET.get("page")
    )
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "animation/visites.html",
        {
            "titre": f"Visites des France services : {dep.nom} ({dep.code})",
            "dep": dep,
            "filtres": filtres,
            "page": page,
            "parametres": parametres.urlencode(),
            "peut_ecrire": _peut_ecrire(perimetre_de(request.user), dep.pk),
        },
    )


@require_GET
def mes_visites(request):
    perimetre = perimetre_de(request.user)
    if not (perimetre.voit_reseau or perimetre.structures_responsable):
        return _refus_reseau(request)
    qs = _visites_annotees(Visite.objects.visible_par(request.user)).order_by("-date", "-pk")
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    mes_actions = (
        ActionSuivi.objects.filter(porteur=request.user, faite_le__isnull=True)
        .select_related("visite__structure")
        .order_by("echeance")[:50]
    )
    return render(
        request,
        "animation/mes_visites.html",
        {
            "titre": "Visites de l'animation",
            "page": page,
            "parametres": "",
            "mes_actions": mes_actions,
            "aujourdhui": timezone.localdate(),
            "explication": perimetre.explication(),
        },
    )


def _formulaire_visite(request, dep, visite=None):
    perimetre = perimetre_de(request.user)
    if not _peut_ecrire(perimetre, dep.pk):
        raise Http404
    initial = {}
    if visite is None:
        initial = {"date": timezone.localdate(), "structure": request.GET.get("structure")}
    form = VisiteForm(request.POST or None, instance=visite, initial=initial, departement=dep)
    date_visite = None
    if request.method == "POST" and form.is_valid():
        date_visite = form.cleaned_data["date"]
    elif visite is not None:
        date_visite = visite.date
    formset = actions_formset(dep, data=request.POST or None, instance=visite, date_visite=date_visite)
    if request.method == "POST":
        formulaire_valide = form.is_valid()
        if formulaire_valide and formset.is_valid():
            v = actions.enregistrer_visite(par=request.user, form=form, actions=formset, request=request)
            messages.success(request, "Compte rendu de visite enregistré.")
            return redirect("animation:visite", v.pk)
    erreurs = len(form.errors) + sum(len(f.errors) for f in formset.forms) + len(formset.non_form_errors())
    return render(
        request,
        "animation/visite_form.html",
        {
            "titre": "Modifier le compte rendu de visite" if visite else "Nouvelle visite",
            "dep": dep,
            "form": form,
            "formset": formset,
            "visite": visite,
            "nombre_erreurs": erreurs,
            "annuler": reverse("animation:visite", args=[visite.pk])
            if visite
            else reverse("animation:departement", args=[dep.code]),
        },
    )


@require_http_methods(["GET", "POST"])
def nouvelle_visite(request, code):
    return _formulaire_visite(request, _departement(request, code))


@require_http_methods(["GET", "POST"])
def modifier_visite(request, pk):
    visite = get_object_or_404(
        Visite.objects.modifiables_par(request.user).select_related("structure"), pk=pk
    )
    dep = Departement.objects.get(pk=visite.structure.departement_id)
    return _formulaire_visite(request, dep, visite)


@require_GET
def visite(request, pk):
    v = get_object_or_404(
        Visite.objects.visible_par(request.user).select_related("structure__departement", "auteur"), pk=pk
    )
    perimetre = perimetre_de(request.user)
    ecrit = _peut_ecrire(perimetre, v.structure.departement_id)
    lignes = []
    for a in v.actions.select_related("porteur", "faite_par"):
        lignes.append((a, ecrit or a.porteur_id == request.user.pk))
    return render(
        request,
        "animation/visite.html",
        {
            "titre": f"Visite de {v.structure.nom} du {v.date:%d/%m/%Y}",
            "v": v,
            "reponses": v.reponses.all(),
            "actions": lignes,
            "peut_ecrire": ecrit,
            "pilote": perimetre.national or v.structure.departement_id in perimetre.departements_pilotes,
            "aujourdhui": timezone.localdate(),
        },
    )


@require_POST
def marquer_action(request, pk):
    perimetre = perimetre_de(request.user)
    visibles = ActionSuivi.objects.visibles_par(request.user).select_related("visite__structure")
    action = get_object_or_404(visibles, pk=pk)
    if not (
        action.porteur_id == request.user.pk
        or _peut_ecrire(perimetre, action.visite.structure.departement_id)
    ):
        raise Http404
    faite = request.POST.get("faite") != "non"
    actions.marquer_action(par=request.user, action=action, faite=faite, request=request)
    messages.success(request, "Action marquée comme faite." if faite else "Action rouverte.")
    suivant = request.POST.get("suivant", "")
    if suivant.startswith("/") and not suivant.startswith("//"):
        return redirect(suivant)
    return redirect("animation:visite", action.visite_id)


@require_GET
def actions_en_retard(request, code):
    dep = _departement(request, code)
    qs = (
        ActionSuivi.objects.en_retard()
        .filter(visite__structure__departement=dep)
        .select_related("visite__structure", "porteur")
        .order_by("echeance", "pk")
    )
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "animation/actions.html",
        {
            "titre": f"Actions de suivi en retard : {dep.nom} ({dep.code})",
            "dep": dep,
            "page": page,
            "parametres": "",
            "peut_ecrire": _peut_ecrire(perimetre_de(request.user), dep.pk),
            "aujourdhui": timezone.localdate(),
        },
    )
