"""Bouquet de services : catalogue des partenaires et de leurs démarches, base de connaissances (fiches).

Listes et fiches partent de `Partenaire.objects.proposes_a(user)` et `Fiche.objects.visible_par(user)` :
un partenaire pilote hors du périmètre de la personne n'existe pas pour elle (404). Rédaction : équipe
nationale (tout) et référents d'un partenaire (ses fiches, ses démarches) — `regles.peut_rediger`.
"""

import difflib
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.activite.models import Demarche, Regle
from franceservices.comptes.perimetre import perimetre_de
from franceservices.partenaires.models import Partenaire, Presence

from . import actions
from .forms import DemarcheForm, FicheForm, RechercheForm, StatutForm
from .models import Fiche, Statut
from .recherche import chercher
from .regles import peut_rediger, peut_rediger_pour

PAR_PAGE = 20


def url_escalade(**parametres) -> str:
    """Ouvrir une escalade (app escalades), pré-remplie par `demarche` ou `demande`."""
    try:
        base = reverse("escalades:ouvrir")
    except NoReverseMatch:
        base = "/escalades/nouvelle/"
    return f"{base}?{urlencode(parametres)}"


def _partenaires_rediges(utilisateur):
    droits = peut_rediger(utilisateur)
    if droits is True:
        return Partenaire.objects.filter(actif=True).order_by("nom_court")
    return Partenaire.objects.filter(pk__in=droits).order_by("nom_court")


# — Catalogue —


@require_GET
def accueil(request):
    partenaires = list(
        Partenaire.objects.proposes_a(request.user)
        .filter(actif=True)
        .annotate(nombre_demarches=Count("demarches", filter=Q(demarches__actif=True), distinct=True))
        .order_by("presence", "nom_court")
    )
    fiches = dict(
        Fiche.objects.visible_par(request.user)
        .filter(statut=Statut.PUBLIEE)
        .values_list("partenaire_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for p in partenaires:
        p.nombre_fiches = fiches.get(p.pk, 0)
    droits = peut_rediger(request.user)
    a_relire = 0
    if droits:
        a_relire = Fiche.objects.visible_par(request.user).a_revoir().count()
    return render(
        request,
        "bouquet/accueil.html",
        {
            "titre": "Bouquet de services",
            "partenaires": partenaires,
            "redacteur": bool(droits),
            "a_relire": a_relire,
            "explication": perimetre_de(request.user).explication(),
        },
    )


@require_GET
def partenaire(request, code):
    partenaire = get_object_or_404(Partenaire.objects.proposes_a(request.user), code=code)
    fiches = Fiche.objects.visible_par(request.user).only(
        "pk", "titre", "statut", "revoir_le", "partenaire_id"
    )
    demarches = list(
        partenaire.demarches.filter(actif=True)
        .order_by("ordre", "libelle")
        .prefetch_related(Prefetch("fiches", queryset=fiches.order_by("titre"), to_attr="fiches_visibles"))
    )
    for d in demarches:
        d.url_escalade = url_escalade(demarche=d.pk) if d.regle == Regle.ESCALADE else ""
    return render(
        request,
        "bouquet/partenaire.html",
        {
            "titre": partenaire.nom_court,
            "partenaire": partenaire,
            "demarches": demarches,
            "peut_modifier": peut_rediger_pour(request.user, partenaire.pk),
            "nombre_fiches": fiches.filter(partenaire=partenaire).count(),
        },
    )


@require_http_methods(["GET", "POST"])
def modifier_demarche(request, pk):
    demarche = get_object_or_404(
        Demarche.objects.filter(partenaire__in=Partenaire.objects.proposes_a(request.user)).select_related(
            "partenaire"
        ),
        pk=pk,
    )
    if not peut_rediger_pour(request.user, demarche.partenaire_id):
        raise PermissionDenied("Réservé à l'équipe nationale et aux référents du partenaire.")
    if request.method == "POST":
        form = DemarcheForm(request.POST)
        if form.is_valid():
            actions.modifier_demarche(
                par=request.user, demarche=demarche, changements=form.cleaned_data, request=request
            )
            messages.success(request, f"Démarche « {demarche.libelle} » enregistrée.")
            return redirect("bouquet:partenaire", code=demarche.partenaire.code)
    else:
        form = DemarcheForm(initial={c: getattr(demarche, c) for c in actions.CHAMPS_DEMARCHE})
    return render(
        request,
        "bouquet/demarche_form.html",
        {"titre": f"Modifier « {demarche.libelle} »", "demarche": demarche, "form": form},
    )


# — Fiches —


def _page_de_fiches(ids_ou_qs, numero):
    """Page de fiches ; avec une liste d'identifiants classés, l'ordre du classement est gardé."""
    page = Paginator(ids_ou_qs, PAR_PAGE).get_page(numero)
    if isinstance(ids_ou_qs, list):
        ids = list(page.object_list)
        fiches = Fiche.objects.select_related("partenaire", "responsable").in_bulk(ids)
        page.object_list = [fiches[i] for i in ids if i in fiches]
    return page


@require_GET
def fiches(request):
    visibles = Fiche.objects.visible_par(request.user)
    partenaires = Partenaire.objects.proposes_a(request.user).filter(actif=True).order_by("nom_court")
    form = RechercheForm(request.GET or None, partenaires=partenaires)
    resultat, page, q = None, None, ""
    hors_perimetre = []
    liste = visibles
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"].strip()
        if form.cleaned_data["partenaire"]:
            liste = liste.filter(partenaire_id=form.cleaned_data["partenaire"])
        if form.cleaned_data["a_revoir"]:
            liste = liste.a_revoir()
    if not form.is_bound or form.is_valid():
        if q:
            resultat = chercher(liste, q)
            page = _page_de_fiches(resultat.ids, request.GET.get("page"))
            if not resultat.ids:
                hors_perimetre = _pilotes_hors_perimetre(request.user, q)
        else:
            page = _page_de_fiches(
                liste.select_related("partenaire", "responsable").order_by("titre", "pk"),
                request.GET.get("page"),
            )
    parametres = request.GET.copy()
    parametres.pop("page", None)
    contexte = {
        "titre": "Base de connaissances",
        "form": form,
        "q": q,
        "resultat": resultat,
        "page": page,
        "parametres": parametres.urlencode(),
        "aujourdhui": timezone.localdate(),
        "redacteur": bool(peut_rediger(request.user)),
        "hors_perimetre": hors_perimetre,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "bouquet/_resultats.html", contexte)
    return render(request, "bouquet/fiches.html", contexte)


def _pilotes_hors_perimetre(utilisateur, q: str) -> list[str]:
    """Partenaires en expérimentation non proposés à la personne dont des fiches publiées répondent à `q` :
    une recherche vide s'explique (« la Banque de France n'est pas proposée ici ») sans montrer les fiches."""
    autres = Fiche.objects.publiees().filter(partenaire__presence=Presence.PILOTE)
    autres = autres.exclude(partenaire__in=Partenaire.objects.proposes_a(utilisateur))
    ids = chercher(autres, q).ids[:50]
    if not ids:
        return []
    noms = Partenaire.objects.filter(fiches__in=ids).values_list("nom_court", flat=True).distinct()
    return sorted(noms)


def _fiche_visible(request, pk):
    return get_object_or_404(
        Fiche.objects.visible_par(request.user).select_related("partenaire", "responsable"), pk=pk
    )


@require_GET
def fiche(request, pk):
    fiche = _fiche_visible(request, pk)
    perimetre = perimetre_de(request.user)
    return render(
        request,
        "bouquet/fiche.html",
        {
            "titre": fiche.titre,
            "fiche": fiche,
            "paragraphes": [p.strip() for p in fiche.contenu.split("\n\n") if p.strip()],
            "demarches": list(fiche.demarches.select_related("partenaire").order_by("ordre")),
            "peut_modifier": peut_rediger_pour(request.user, fiche.partenaire_id),
            "peut_saisir": bool(perimetre.structures) and fiche.statut == Statut.PUBLIEE,
            "statut_form": StatutForm(),
        },
    )


def _editer(request, fiche):
    partenaires = list(_partenaires_rediges(request.user))
    if not partenaires:
        raise PermissionDenied("Réservé à l'équipe nationale et aux référents d'un partenaire.")
    demarches = Demarche.objects.filter(partenaire__in=partenaires, actif=True).select_related("partenaire")
    demarches = list(demarches.order_by("partenaire__nom_court", "ordre"))
    if request.method == "POST":
        form = FicheForm(request.POST, partenaires=partenaires, demarches=demarches)
        if form.is_valid():
            d = form.cleaned_data
            nouvelle = fiche is None
            if nouvelle:
                fiche = Fiche(responsable=request.user)
            for champ in ("titre", "resume", "contenu", "mots_cles", "revoir_le"):
                setattr(fiche, champ, d[champ])
            fiche.partenaire_id = d["partenaire"]
            actions.enregistrer_fiche(
                par=request.user, fiche=fiche, motif=d["motif"], demarches=d["demarches"], request=request
            )
            messages.success(
                request,
                "Fiche créée (brouillon)." if nouvelle else f"Fiche enregistrée (version {fiche.version}).",
            )
            return redirect("bouquet:fiche", pk=fiche.pk)
    else:
        initial = {"partenaire": request.GET.get("partenaire")}
        if fiche is not None:
            initial = {
                "partenaire": fiche.partenaire_id,
                "titre": fiche.titre,
                "resume": fiche.resume,
                "contenu": fiche.contenu,
                "mots_cles": fiche.mots_cles,
                "revoir_le": fiche.revoir_le,
                "demarches": list(fiche.demarches.values_list("pk", flat=True)),
            }
        form = FicheForm(initial=initial, partenaires=partenaires, demarches=demarches)
    return render(
        request,
        "bouquet/fiche_form.html",
        {
            "titre": "Nouvelle fiche" if fiche is None else f"Modifier « {fiche.titre} »",
            "fiche": fiche,
            "form": form,
            "nombre_erreurs": sum(len(v) for v in form.errors.values()) if form.is_bound else 0,
        },
    )


@require_http_methods(["GET", "POST"])
def nouvelle_fiche(request):
    return _editer(request, None)


@require_http_methods(["GET", "POST"])
def modifier_fiche(request, pk):
    fiche = _fiche_visible(request, pk)
    if not peut_rediger_pour(request.user, fiche.partenaire_id):
        raise PermissionDenied("Réservé à l'équipe nationale et aux référents du partenaire de la fiche.")
    return _editer(request, fiche)


@require_POST
def statut_fiche(request, pk):
    fiche = _fiche_visible(request, pk)
    if not peut_rediger_pour(request.user, fiche.partenaire_id):
        raise PermissionDenied("Réservé à l'équipe nationale et aux référents du partenaire de la fiche.")
    form = StatutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Statut inconnu.")
    elif form.cleaned_data["statut"] == fiche.statut:
        messages.info(request, f"La fiche est déjà « {fiche.get_statut_display().lower()} ».")
    else:
        actions.changer_statut_fiche(
            par=request.user,
            fiche=fiche,
            statut=form.cleaned_data["statut"],
            motif=form.cleaned_data["motif"],
            request=request,
        )
        messages.success(request, f"Fiche {fiche.get_statut_display().lower()} (version {fiche.version}).")
    return redirect("bouquet:fiche", pk=fiche.pk)


@require_GET
def versions(request, pk):
    fiche = _fiche_visible(request, pk)
    liste = list(fiche.versions.select_related("auteur").order_by("-numero"))
    return render(
        request,
        "bouquet/versions.html",
        {"titre": f"Historique de « {fiche.titre} »", "fiche": fiche, "versions": liste},
    )


def _lignes_diff(avant: str, apres: str) -> list[dict]:
    """Différence ligne à ligne : [{'type': 'egal'|'retire'|'ajoute', 'texte': …}]."""
    lignes = []
    for ligne in difflib.ndiff(avant.splitlines(), apres.splitlines()):
        code, texte = ligne[:2], ligne[2:]
        if code == "? ":
            continue
        lignes.append({"type": {"  ": "egal", "- ": "retire", "+ ": "ajoute"}[code], "texte": texte})
    return lignes


@require_GET
def difference(request, pk):
    fiche = _fiche_visible(request, pk)
    numeros = {v.numero: v for v in fiche.versions.select_related("auteur")}
    explicite = "de" in request.GET or "a" in request.GET
    try:
        de, a = int(request.GET.get("de", fiche.version - 1)), int(request.GET.get("a", fiche.version))
    except ValueError:
        de, a = 0, 0
    if de not in numeros or a not in numeros:
        return render(
            request,
            "bouquet/difference.html",
            {
                "titre": "Différence entre deux versions",
                "fiche": fiche,
                "erreur": True,
                "champs": [],
                "de": None,
                "a": None,
            },
            status=404 if explicite else 200,
        )
    v1, v2 = numeros[de], numeros[a]
    champs = []
    for nom, libelle in (
        ("titre", "Titre"),
        ("resume", "Résumé"),
        ("mots_cles", "Mots-clés"),
        ("contenu", "Contenu"),
        ("statut", "Statut"),
    ):
        avant, apres = getattr(v1, nom), getattr(v2, nom)
        champs.append({"libelle": libelle, "change": avant != apres, "lignes": _lignes_diff(avant, apres)})
    return render(
        request,
        "bouquet/difference.html",
        {
            "titre": f"Différence entre les versions {de} et {a}",
            "fiche": fiche,
            "erreur": False,
            "de": v1,
            "a": v2,
            "champs": champs,
        },
    )
