"""Pages du label : liste bornée au périmètre, conformité d'un département (et son export CSV), d'une France
services (critères, constats, cycle, actions permises), saisie des constats, étapes du cycle, critères.

Qui voit quoi : `droits.py`. Une France services ou un département hors périmètre répond 404.
"""

import csv
import re
from collections import defaultdict
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.core.audit import journaliser
from franceservices.core.exports import Echo, neutraliser
from franceservices.core.models import Evenement
from franceservices.territoires.models import Region

from . import actions, droits
from .conformite import Statut, calculer, structures_pour_calcul
from .forms import ConstatForm, CritereForm, NouveauCritereForm, ReglageForm, TransitionForm
from .models import COMMENTAIRE_OBLIGATOIRE, Critere, Dossier, ReglageCycle

PAR_PAGE_DEPARTEMENTS = 25
PAR_PAGE_STRUCTURES = 50
PAR_PAGE_CRITERES = 50
FILTRES = {
    "": "Toutes",
    "non_conformes": "Au moins un critère non conforme",
    "a_verifier": "Au moins un critère à vérifier",
    "conformes": "Conformes à tous les critères",
    "echeance": "Audit à échéance ou dépassé",
}
TITRE_REFUS = "Label France services"
MESSAGE_REFUS = (
    "La conformité au label est réservée aux France services (agents, responsables), aux animateurs, "
    "aux préfectures et à l'équipe nationale."
)


def _perimetre_label(request):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        raise PermissionDenied
    return perimetre


def _departement(perimetre, code):
    if not re.fullmatch(r"[0-9A-Za-z]{2,3}", code):
        raise Http404("Code de département invalide.")
    return get_object_or_404(droits.departements_visibles(perimetre), code=code.upper())


def _a_echeance(conformite, limite) -> bool:
    e = conformite.cycle.echeance_audit
    return e is not None and e <= limite


def _lignes_departements(departements, aujourdhui):
    """Une ligne par département : France services, conformes, non conformes, à vérifier, audits à échéance."""
    reglage = ReglageCycle.courant()
    limite = aujourdhui + timedelta(days=reglage.preavis_jours)
    structures = structures_pour_calcul().filter(departement__in=[d.pk for d in departements])
    par_departement = defaultdict(list)
    for c in calculer(structures, aujourdhui=aujourdhui).values():
        par_departement[c.structure.departement_id].append(c)
    lignes = []
    for d in departements:
        cs = par_departement.get(d.pk, [])
        conformes = sum(1 for c in cs if c.conforme)
        lignes.append(
            {
                "departement": d,
                "structures": len(cs),
                "conformes": conformes,
                "taux": round(100 * conformes / len(cs)) if cs else None,
                "non_conformes": sum(1 for c in cs if c.non_conformes),
                "a_verifier": sum(1 for c in cs if c.a_verifier),
                "echeances": sum(1 for c in cs if _a_echeance(c, limite)),
            }
        )
    return lignes


@require_GET
def index(request):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        return refuser(request, TITRE_REFUS, MESSAGE_REFUS)
    aujourdhui = timezone.localdate()
    contexte = {
        "titre": "Label France services",
        "explication": perimetre.explication(),
        "aujourdhui": aujourdhui,
    }
    departements = droits.departements_visibles(perimetre).select_related("region").order_by("code")
    regions = None
    region = request.GET.get("region", "")
    if perimetre.national:
        regions = Region.objects.order_by("nom")
        if region.isdigit():
            departements = departements.filter(region__code=region)
    page_departements = None
    if perimetre.national or perimetre.departements_pilotes:
        page_departements = Paginator(departements, PAR_PAGE_DEPARTEMENTS).get_page(request.GET.get("page"))
        page_departements.lignes = _lignes_departements(list(page_departements), aujourdhui)
    structures = []
    if perimetre.structures:
        qs = structures_pour_calcul().filter(pk__in=perimetre.structures)
        structures = list(calculer(qs, aujourdhui=aujourdhui).values())
    contexte.update(
        {
            "page": page_departements,
            "regions": regions,
            "region": region,
            "parametres": urlencode({"region": region}) if region else "",
            "structures": structures,
            "voit_criteres": droits.voit_criteres(perimetre),
        }
    )
    return render(request, "label/index.html", contexte)


def _conformites_departement(departement, aujourdhui):
    return list(
        calculer(structures_pour_calcul().filter(departement=departement), aujourdhui=aujourdhui).values()
    )


def _filtrer(conformites, filtre, limite):
    if filtre == "non_conformes":
        return [c for c in conformites if c.non_conformes]
    if filtre == "a_verifier":
        return [c for c in conformites if c.a_verifier]
    if filtre == "conformes":
        return [c for c in conformites if c.conforme]
    if filtre == "echeance":
        return [c for c in conformites if _a_echeance(c, limite)]
    return conformites


@require_GET
def departement(request, code):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        raise Http404
    departement = _departement(perimetre, code)
    aujourdhui = timezone.localdate()
    reglage = ReglageCycle.courant()
    limite = aujourdhui + timedelta(days=reglage.preavis_jours)
    conformites = _conformites_departement(departement, aujourdhui)
    filtre = request.GET.get("filtre", "")
    if filtre not in FILTRES:
        filtre = ""
    retenues = _filtrer(conformites, filtre, limite)
    page = Paginator(retenues, PAR_PAGE_STRUCTURES).get_page(request.GET.get("page"))
    conformes = sum(1 for c in conformites if c.conforme)
    return render(
        request,
        "label/departement.html",
        {
            "titre": f"Label — {departement.nom} ({departement.code})",
            "departement": departement,
            "page": page,
            "filtre": filtre,
            "filtres": FILTRES,
            "parametres": urlencode({"filtre": filtre}) if filtre else "",
            "totaux": {
                "structures": len(conformites),
                "conformes": conformes,
                "taux": round(100 * conformes / len(conformites)) if conformites else None,
                "non_conformes": sum(1 for c in conformites if c.non_conformes),
                "a_verifier": sum(1 for c in conformites if c.a_verifier),
                "echeances": sum(1 for c in conformites if _a_echeance(c, limite)),
            },
            "limite": limite,
            "aujourdhui": aujourdhui,
        },
    )


@require_GET
def export_departement(request, code):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        raise Http404
    departement = _departement(perimetre, code)
    aujourdhui = timezone.localdate()
    conformites = _conformites_departement(departement, aujourdhui)
    criteres = conformites[0].verdicts if conformites else []
    entete = [
        "id_fs",
        "France services",
        "format",
        "état du label",
        "échéance d'audit",
        "conformes",
        "applicables",
    ]
    entete += [f"{v.critere.code}" for v in criteres]
    ids_fs = dict(structures_pour_calcul().filter(departement=departement).values_list("pk", "id_fs"))
    journaliser(
        Evenement.EXPORT,
        request=request,
        cible=departement,
        details={"export": "label_conformite", "lignes": len(conformites)},
    )

    def flux():
        ecrivain = csv.writer(Echo(), delimiter=";")
        yield "\ufeff" + ecrivain.writerow(entete)
        for c in conformites:
            s = c.structure
            ligne = [
                ids_fs.get(s.pk, ""),
                s.nom,
                s.get_format_display(),
                c.cycle.libelle,
                c.cycle.echeance_audit.isoformat() if c.cycle.echeance_audit else "",
                c.conformes,
                c.applicables,
            ]
            ligne += [f"{v.libelle_statut} : {v.explication}" for v in c.verdicts]
            yield ecrivain.writerow([neutraliser(x) for x in ligne])

    reponse = StreamingHttpResponse(flux(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = (
        f'attachment; filename="label-conformite-{departement.code}-{aujourdhui:%Y-%m-%d}.csv"'
    )
    return reponse


def _structure(perimetre, pk):
    return get_object_or_404(
        structures_pour_calcul(droits.structures_visibles(perimetre)).select_related("departement"), pk=pk
    )


def _page_structure(request, structure, perimetre, *, form_transition=None, status=200):
    aujourdhui = timezone.localdate()
    conformite = calculer([structure], aujourdhui=aujourdhui)[structure.pk]
    dossier = conformite.cycle.dossier
    permises = droits.transitions_permises(perimetre, structure, conformite.cycle.etat)
    if form_transition is None and permises:
        form_transition = TransitionForm(permises=permises)
    etapes = list(dossier.etapes.select_related("par")) if dossier else []
    constats = list(structure.constats_label.select_related("critere", "auteur")[:50])
    return render(
        request,
        "label/structure.html",
        {
            "titre": f"Label — {structure.nom}",
            "structure": structure,
            "conformite": conformite,
            "calcules": [v for v in conformite.verdicts if v.critere.calcule],
            "constates": [v for v in conformite.verdicts if not v.critere.calcule],
            "etapes": etapes,
            "constats": constats,
            "form": form_transition if permises else None,
            "commentaire_obligatoire": [str(e.label).lower() for e in COMMENTAIRE_OBLIGATOIRE],
            "peut_constater": droits.peut_constater(perimetre, structure),
            "voit_departement": perimetre.national
            or structure.departement_id in perimetre.departements_pilotes,
            "Statut": Statut,
        },
        status=status,
    )


@require_GET
def structure(request, pk):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        raise Http404
    return _page_structure(request, _structure(perimetre, pk), perimetre)


@require_POST
def transition(request, pk):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        raise Http404
    structure = _structure(perimetre, pk)
    dossier = Dossier.objects.filter(structure=structure).first()
    etat = actions.etat_courant(structure, dossier)
    permises = droits.transitions_permises(perimetre, structure, etat)
    if not permises:
        raise PermissionDenied
    form = TransitionForm(request.POST, permises=permises)
    if form.is_valid():
        try:
            etape = actions.changer_etat(
                par=request.user,
                structure=structure,
                vers=form.cleaned_data["vers"],
                commentaire=form.cleaned_data["commentaire"],
                date_effet=form.cleaned_data["date_effet"],
                request=request,
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, f"Étape enregistrée : {etape.get_vers_display().lower()}.")
            return redirect("label:structure", structure.pk)
    return _page_structure(request, structure, perimetre, form_transition=form)


@require_http_methods(["GET", "POST"])
def constat(request, pk):
    perimetre = perimetre_de(request.user)
    if not droits.voit_label(perimetre):
        raise Http404
    structure = _structure(perimetre, pk)
    if not droits.peut_constater(perimetre, structure):
        return refuser(
            request,
            "Constat d'audit",
            "Les constats d'audit sont saisis par la préfecture du département et l'équipe nationale.",
        )
    form = ConstatForm(request.POST or None, initial={"critere": request.GET.get("critere")})
    if request.method == "POST" and form.is_valid():
        try:
            actions.enregistrer_constat(
                par=request.user, structure=structure, request=request, **form.cleaned_data
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, "Constat enregistré : la conformité est recalculée.")
            return redirect("label:structure", structure.pk)
    return render(
        request,
        "label/constat.html",
        {"titre": f"Constat d'audit — {structure.nom}", "structure": structure, "form": form},
    )


# — Critères —


def _criteres_refus(request):
    return refuser(
        request,
        "Critères du label",
        "Les critères du label sont consultables par l'équipe nationale, les animateurs et les préfectures.",
    )


@require_http_methods(["GET", "POST"])
def criteres(request):
    perimetre = perimetre_de(request.user)
    if not droits.voit_criteres(perimetre):
        return _criteres_refus(request)
    gere = droits.gere_criteres(perimetre)
    reglage = ReglageCycle.courant()
    form_reglage = None
    if gere:
        initial = {"duree_mois": reglage.duree_mois, "preavis_jours": reglage.preavis_jours}
        form_reglage = ReglageForm(request.POST or None, initial=initial)
        if request.method == "POST" and form_reglage.is_valid():
            actions.regler_cycle(par=request.user, request=request, **form_reglage.cleaned_data)
            messages.success(
                request, "Réglages du cycle enregistrés : les échéances d'audit sont recalculées."
            )
            return redirect("label:criteres")
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(Critere.objects.order_by("-actif", "ordre", "code"), PAR_PAGE_CRITERES).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "label/criteres.html",
        {
            "titre": "Critères du label",
            "page": page,
            "gere": gere,
            "reglage": reglage,
            "form_reglage": form_reglage,
        },
    )


def _exiger_gestion(request):
    if not droits.gere_criteres(perimetre_de(request.user)):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def critere_modifier(request, pk):
    perimetre = perimetre_de(request.user)
    if not droits.voit_criteres(perimetre):
        return _criteres_refus(request)
    critere = get_object_or_404(Critere, pk=pk)
    gere = droits.gere_criteres(perimetre)
    if request.method == "POST" and not gere:
        raise PermissionDenied
    form = CritereForm(request.POST or None, instance=critere) if gere else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            actions.enregistrer_critere(par=request.user, critere=form.instance, request=request)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(
                request, f"Critère « {critere.libelle} » enregistré : la conformité est recalculée."
            )
            return redirect("label:criteres")
    return render(
        request,
        "label/critere.html",
        {
            "titre": f"Critère : {critere.libelle}"
            if not gere
            else f"Modifier le critère « {critere.libelle} »",
            "critere": Critere.objects.get(pk=critere.pk),
            "form": form,
            "modifications": critere.modifications.select_related("auteur")[:30],
        },
    )


@require_http_methods(["GET", "POST"])
def critere_nouveau(request):
    _exiger_gestion(request)
    form = NouveauCritereForm(request.POST or None, initial={"mode": "constate"})
    if request.method == "POST" and form.is_valid():
        try:
            critere = actions.enregistrer_critere(par=request.user, critere=form.instance, request=request)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, f"Critère « {critere.libelle} » créé.")
            if critere.calcule:
                return redirect("label:critere", critere.pk)
            return redirect("label:criteres")
    return render(request, "label/critere_nouveau.html", {"titre": "Nouveau critère du label", "form": form})


@require_POST
def critere_basculer(request, pk):
    _exiger_gestion(request)
    critere = get_object_or_404(Critere, pk=pk)
    actions.basculer_critere(par=request.user, critere=critere, request=request)
    if critere.actif:
        messages.success(request, f"Critère « {critere.libelle} » réactivé.")
    else:
        messages.success(
            request, f"Critère « {critere.libelle} » désactivé : il ne compte plus dans la conformité."
        )
    return redirect(reverse("label:criteres"))
