"""Pages des orientations : boîte (reçues et envoyées), orienter, fiche et réponse, statistiques, diagnostic.

Boîte et fiches : `Orientation.objects.visible_par(request.user)` ; hors périmètre → 404. Orienter : agents et
responsables (depuis leurs France services, vers un conseiller numérique), conseillers numériques (depuis leur
lieu, vers une France services).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.mediation.models import LieuMediation
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune, Region

from . import actions, diagnostic, proximite, statistiques
from .forms import DiagnosticForm, EtatForm, FiltreForm, OrientationForm, RechercheForm
from .models import Etat, Orientation, Sens

PAR_PAGE = 30
RESERVE = (
    "Les orientations sont réservées aux agents et responsables d'une France services et aux conseillers "
    "numériques : vous n'avez pas d'habilitation de ce type."
)


def _reserve(request, titre, message=RESERVE):
    return refuser(request, titre, message)


def _filtre_recues(perimetre, user):
    return Q(sens=Sens.VERS_MEDIATION, lieu_id__in=perimetre.lieux_mediation) | Q(
        sens=Sens.VERS_FRANCE_SERVICES, structure_id__in=perimetre.structures
    )


@require_GET
def boite(request):
    perimetre = perimetre_de(request.user)
    if not (perimetre.structures or perimetre.lieux_mediation):
        return _reserve(request, "Orientations")
    form = FiltreForm(request.GET or None)
    liste = Orientation.objects.visible_par(request.user).select_related("structure", "lieu")
    recues = _filtre_recues(perimetre, request.user)
    if form.is_valid():
        if form.cleaned_data["etat"]:
            liste = liste.filter(etat=form.cleaned_data["etat"])
        if form.cleaned_data["boite"] == "recues":
            liste = liste.filter(recues)
        elif form.cleaned_data["boite"] == "envoyees":
            liste = liste.exclude(recues)
    page = Paginator(liste.order_by("-envoyee_le", "-pk"), PAR_PAGE).get_page(request.GET.get("page"))
    ids_recues = set(
        Orientation.objects.filter(recues, pk__in=[o.pk for o in page]).values_list("pk", flat=True)
    )
    for o in page:
        o.recue = o.pk in ids_recues
    parametres = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    if perimetre.lieux_mediation and not perimetre.structures:
        explication = "les orientations envoyées à votre lieu de médiation et celles que vous avez envoyées"
    else:
        explication = "les orientations envoyées et reçues par vos France services" + (
            " et celles de vos lieux de médiation" if perimetre.lieux_mediation else ""
        )
    return render(
        request,
        "orientations/boite.html",
        {
            "titre": "Orientations",
            "form": form,
            "page": page,
            "parametres": parametres,
            "explication": explication,
            "peut_orienter": True,
        },
    )


def _sens_de(request, perimetre) -> str | None:
    voulu = request.GET.get("sens") or request.POST.get("sens")
    possibles = []
    if perimetre.structures:
        possibles.append(Sens.VERS_MEDIATION)
    if perimetre.lieux_mediation:
        possibles.append(Sens.VERS_FRANCE_SERVICES)
    if voulu in possibles:
        return voulu
    return possibles[0] if possibles else None


@require_http_methods(["GET", "POST"])
def orienter(request):
    perimetre = perimetre_de(request.user)
    sens = _sens_de(request, perimetre)
    if sens is None:
        return _reserve(request, "Orienter un usager")
    if sens == Sens.VERS_MEDIATION:
        origines = list(
            Structure.objects.filter(pk__in=perimetre.structures).select_related("commune").order_by("nom")
        )
        titre = "Orienter vers un conseiller numérique"
    else:
        origines = list(
            LieuMediation.objects.filter(pk__in=perimetre.lieux_mediation)
            .select_related("commune")
            .order_by("nom")
        )
        titre = "Orienter vers une France services"
    donnees = request.POST if request.method == "POST" else request.GET
    recherche = RechercheForm(
        {"depuis": donnees.get("depuis", ""), "commune": donnees.get("commune", "")}, origines=origines
    )
    if not recherche.is_valid():
        recherche_valide, origine, commune_pk = False, origines[0], None
    else:
        recherche_valide = True
        origine, commune_pk = recherche.cleaned_data["depuis"], recherche.cleaned_data["commune"]
    commune = Commune.objects.filter(pk=commune_pk).first() if commune_pk else None
    if commune is not None and commune.position:
        position = commune.position
    elif sens == Sens.VERS_MEDIATION:
        position = proximite.position_structure(origine)
    else:
        position = proximite.position_lieu(origine)
    if sens == Sens.VERS_MEDIATION:
        destinataires = proximite.lieux_proches(position, departement_id=origine.departement_id)
    else:
        destinataires = proximite.france_services_proches(position, departement_id=origine.departement_id)
    initial = {}
    if request.method == "GET" and request.GET.get("autonomie"):
        initial["autonomie"] = request.GET["autonomie"]
    form = OrientationForm(
        request.POST if request.method == "POST" else None, initial=initial, destinataires=destinataires
    )
    if request.method == "POST" and recherche_valide and form.is_valid():
        d = form.cleaned_data
        structure, lieu = (
            (origine, d["destinataire"]) if sens == Sens.VERS_MEDIATION else (d["destinataire"], origine)
        )
        try:
            orientation = actions.envoyer_orientation(
                par=request.user,
                sens=sens,
                structure=structure,
                lieu=lieu,
                besoin=d["besoin"],
                precision=d["precision"],
                prenom=d["prenom"],
                telephone=d["telephone"],
                courriel=d["courriel"],
                autonomie=d["autonomie"],
                consentement=d["consentement"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as erreur:
            form.add_error(None, erreur.messages[0] if hasattr(erreur, "messages") else str(erreur))
        else:
            messages.success(request, f"Orientation envoyée à {d['destinataire'].nom}.")
            return redirect("orientations:fiche", orientation.pk)
    return render(
        request,
        "orientations/orienter.html",
        {
            "titre": titre,
            "sens": sens,
            "deux_sens": bool(perimetre.structures and perimetre.lieux_mediation),
            "recherche": recherche,
            "form": form,
            "origines": origines,
            "origine": origine,
            "commune": commune,
            "destinataires": destinataires,
            "consentement": actions.texte_consentement("la structure choisie"),
        },
    )


@require_GET
def fiche(request, pk):
    orientation = get_object_or_404(
        Orientation.objects.visible_par(request.user).select_related(
            "structure", "lieu", "envoyee_par", "repondue_par", "consentement_par"
        ),
        pk=pk,
    )
    possibles = actions.actions_possibles(request.user, orientation)
    return render(
        request,
        "orientations/fiche.html",
        {
            "titre": f"Orientation du {orientation.envoyee_le:%d/%m/%Y}",
            "o": orientation,
            "possibles": possibles,
            "recue": actions.est_destinataire(request.user, orientation),
            "form": EtatForm(),
            "Etat": {e.name: e.value for e in Etat},
        },
    )


@require_POST
def changer_etat(request, pk):
    orientation = get_object_or_404(Orientation.objects.visible_par(request.user), pk=pk)
    form = EtatForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for liste in form.errors.values() for e in liste))
        return redirect("orientations:fiche", orientation.pk)
    d = form.cleaned_data
    try:
        actions.changer_etat(
            par=request.user,
            orientation_id=orientation.pk,
            etat=d["etat"],
            motif=d["motif"],
            creneau_le=d["creneau_le"],
            creneau_lieu=d["creneau_lieu"],
            request=request,
        )
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, f"Orientation : {Etat(d['etat']).label.lower()}.")
    return redirect("orientations:fiche", orientation.pk)


@require_GET
def statistiques_page(request):
    perimetre = perimetre_de(request.user)
    region = None
    if perimetre.national and request.GET.get("region"):
        region = Region.objects.filter(code=request.GET["region"][:3]).first()
    portee = statistiques.portee_de(perimetre, region)
    if portee is None:
        return _reserve(
            request,
            "Statistiques des orientations",
            "Vous n'avez pas d'habilitation donnant accès aux chiffres des orientations.",
        )
    orientations, groupe, phrase = portee
    lignes, total = statistiques.statistiques(orientations, groupe)
    if groupe == "region":
        codes = dict(Region.objects.values_list("pk", "code"))
        for ligne in lignes:
            ligne.code = codes.get(ligne.cle, "")
    return render(
        request,
        "orientations/statistiques.html",
        {
            "titre": "Statistiques des orientations",
            "lignes": lignes,
            "total": total,
            "groupe": groupe,
            "phrase": phrase,
            "region": region,
            "Etat": Etat,
            "Sens": Sens,
        },
    )


@require_GET
def diagnostic_page(request):
    perimetre = perimetre_de(request.user)
    form = DiagnosticForm(request.GET if "appareil" in request.GET else None)
    resultat = diagnostic.evaluer(form.cleaned_data) if form.is_bound and form.is_valid() else None
    return render(
        request,
        "orientations/diagnostic.html",
        {
            "titre": "Diagnostic d'autonomie numérique",
            "form": form,
            "resultat": resultat,
            "saisie": reverse("activite:saisie") + "?" + urlencode({"autonomie": resultat.niveau})
            if resultat
            else "",
            "orienter": reverse("orientations:orienter") + "?" + urlencode({"autonomie": resultat.niveau})
            if resultat
            else "",
            "saisit": perimetre.saisit_des_demandes,
        },
    )
