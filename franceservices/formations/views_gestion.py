"""Gestion de la formation dans l'outil : sessions organisées (équipe nationale : toutes ; animateur : celles
de ses départements) et catalogue des modules (équipe nationale).

Les sessions gérables partent de `_gerables(perimetre)` : une session hors périmètre → 404. Les autres rôles
voient la page « accès réservé ». L'annulation d'une session passe par `actions.annuler_session`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement

from . import actions
from .forms_gestion import AnnulationSessionForm, ModuleForm, SessionForm, confirmees
from .models import Module, Session

PAR_PAGE = 20
SANS_GESTION = (
    "L'organisation des sessions de formation est réservée aux animateurs départementaux (sessions de leur "
    "département) et à l'équipe nationale."
)
SANS_CATALOGUE = "Le catalogue des modules de formation est tenu par l'équipe nationale."
PERIODES = {"a_venir": "À venir", "passees": "Passées", "annulees": "Annulées"}


def _peut_organiser(perimetre) -> bool:
    return perimetre.national or bool(perimetre.departements_animateur)


def _gerables(perimetre):
    if perimetre.national:
        return Session.objects.all()
    return Session.objects.filter(departement_id__in=perimetre.departements_animateur)


def _session_geree(request, perimetre, pk) -> Session:
    return get_object_or_404(_gerables(perimetre).select_related("module", "departement", "formateur"), pk=pk)


@require_GET
def gestion(request):
    perimetre = perimetre_de(request.user)
    if not _peut_organiser(perimetre):
        return refuser(request, "Organiser des formations", SANS_GESTION)
    maintenant = timezone.now()
    periode = request.GET.get("periode")
    if periode not in PERIODES:
        periode = "a_venir"
    sessions = _gerables(perimetre).avec_places().select_related("module", "departement", "formateur")
    if periode == "a_venir":
        sessions = sessions.filter(fin__gt=maintenant, annulee_le__isnull=True).order_by("debut", "pk")
    elif periode == "passees":
        sessions = sessions.filter(fin__lte=maintenant, annulee_le__isnull=True).order_by("-debut", "-pk")
    else:
        sessions = sessions.filter(annulee_le__isnull=False).order_by("-debut", "-pk")
    page = Paginator(sessions, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "formations/gestion/sessions.html",
        {
            "titre": "Organiser des sessions de formation",
            "page": page,
            "periode": periode,
            "periodes": PERIODES,
            "parametres": f"periode={periode}",
            "maintenant": maintenant,
            "national": perimetre.national,
        },
    )


def _formulaire_session(request, perimetre, instance=None):
    creation = instance is None
    instance = instance or Session(organisee_par=request.user)
    form = SessionForm(request.POST or None, instance=instance, perimetre=perimetre)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if not creation:  # verrou : la capacité est revue face aux inscriptions du moment
                    Session.objects.select_for_update(of=("self",)).get(pk=instance.pk)
                    if form.cleaned_data["capacite"] < confirmees(instance):
                        raise ValidationError("La capacité est passée sous le nombre d'inscrits confirmés.")
                if creation:
                    form.instance.organisee_par = request.user
                session = form.save()
                _journaliser(request, session, "session_creee" if creation else "session_modifiee", form)
        except (ValidationError, IntegrityError):
            form.add_error(
                "capacite" if not creation else None,
                "La session n'a pas pu être enregistrée : les inscriptions ont changé entre-temps, "
                "vérifiez la capacité et réessayez.",
            )
        else:
            messages.success(
                request, "Session créée." if creation else "Modifications de la session enregistrées."
            )
            return redirect("formations:gestion")
    return render(
        request,
        "formations/gestion/session_form.html",
        {
            "titre": "Nouvelle session de formation" if creation else "Modifier la session",
            "form": form,
            "s": None if creation else instance,
            "inscrits": None if creation else confirmees(instance),
        },
    )


@require_http_methods(["GET", "POST"])
def nouvelle_session(request):
    perimetre = perimetre_de(request.user)
    if not _peut_organiser(perimetre):
        return refuser(request, "Organiser des formations", SANS_GESTION)
    return _formulaire_session(request, perimetre)


@require_http_methods(["GET", "POST"])
def modifier_session(request, pk):
    perimetre = perimetre_de(request.user)
    if not _peut_organiser(perimetre):
        return refuser(request, "Organiser des formations", SANS_GESTION)
    s = _session_geree(request, perimetre, pk)
    if s.annulee_le is not None:
        messages.error(request, "Cette session est annulée : elle ne peut plus être modifiée.")
        return redirect("formations:gestion")
    return _formulaire_session(request, perimetre, s)


@require_http_methods(["GET", "POST"])
def annuler_session(request, pk):
    perimetre = perimetre_de(request.user)
    if not _peut_organiser(perimetre):
        return refuser(request, "Organiser des formations", SANS_GESTION)
    s = _session_geree(request, perimetre, pk)
    form = AnnulationSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            nombre = actions.annuler_session(par=request.user, session=s, motif=form.cleaned_data["motif"])
        except ValidationError as erreur:
            form.add_error(None, " ".join(erreur.messages))
        else:
            messages.success(
                request,
                f"Session annulée ; {nombre} inscription{'s' if nombre > 1 else ''} annulée"
                f"{'s' if nombre > 1 else ''}, les agents sont prévenus.",
            )
            return redirect("formations:gestion")
    return render(
        request,
        "formations/gestion/annuler.html",
        {"titre": "Annuler la session", "form": form, "s": s, "inscrits": confirmees(s)},
    )


# — Catalogue des modules (équipe nationale) —


def _national(request):
    perimetre = perimetre_de(request.user)
    return perimetre.national


@require_GET
def modules(request):
    if not _national(request):
        return refuser(request, "Catalogue des modules", SANS_CATALOGUE)
    qs = (
        Module.objects.select_related("partenaire", "ouvre_pilote")
        .annotate(nb_sessions=Count("sessions", filter=Q(sessions__annulee_le__isnull=True)))
        .order_by("-actif", "categorie", "titre")
    )
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "formations/gestion/modules.html",
        {"titre": "Catalogue des modules de formation", "page": page, "parametres": ""},
    )


def _journaliser(request, objet, action: str, form=None) -> None:
    details = {"action": action}
    if form is not None:
        details["champs"] = sorted(form.changed_data)
    journaliser(Evenement.FORMATION_CATALOGUE, request=request, cible=objet, details=details)


def _formulaire_module(request, instance=None):
    creation = instance is None
    form = ModuleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                module = form.save()
                _journaliser(request, module, "module_cree" if creation else "module_modifie", form)
        except IntegrityError:
            form.add_error("code", "Un module porte déjà ce code : choisissez-en un autre.")
        else:
            messages.success(request, "Module créé." if creation else "Module enregistré.")
            return redirect("formations:gestion_modules")
    return render(
        request,
        "formations/gestion/module_form.html",
        {"titre": "Nouveau module" if creation else "Modifier le module", "form": form, "m": instance},
    )


@require_http_methods(["GET", "POST"])
def nouveau_module(request):
    if not _national(request):
        return refuser(request, "Catalogue des modules", SANS_CATALOGUE)
    return _formulaire_module(request)


@require_http_methods(["GET", "POST"])
def modifier_module(request, pk):
    if not _national(request):
        return refuser(request, "Catalogue des modules", SANS_CATALOGUE)
    return _formulaire_module(request, get_object_or_404(Module, pk=pk))


@require_POST
def basculer_module(request, pk):
    """Désactiver (ou réactiver) un module : il sort du catalogue, les sessions passées restent."""
    if not _national(request):
        return refuser(request, "Catalogue des modules", SANS_CATALOGUE)
    module = get_object_or_404(Module, pk=pk)
    module.actif = not module.actif
    module.save(update_fields=["actif", "modifie_le"])
    _journaliser(request, module, "module_reactive" if module.actif else "module_desactive")
    if module.actif:
        messages.success(request, f"Module « {module.titre} » réactivé : il est de nouveau au catalogue.")
    else:
        messages.success(
            request,
            f"Module « {module.titre} » désactivé : il n'est plus proposé ; les sessions déjà prévues restent.",
        )
    return redirect("formations:gestion_modules")
