"""Dossiers de formation : le mien, celui d'un agent, l'état d'une France services et d'un département,
les résultats des avis, et le dépôt d'un avis après une session.

Qui voit quoi (hors périmètre → 404, comme pour un identifiant inconnu) :
- mon dossier : toute personne connectée ;
- dossier d'un agent : responsable de l'une de ses France services, animateur du département, équipe
  nationale ;
- état d'une France services : son responsable, l'animateur et la préfecture du département, l'équipe
  nationale ;
- état d'un département : animateur, préfecture, équipe nationale ;
- résultats des avis (agrégés, anonymes) : équipe nationale et animateurs (page « accès réservé » sinon).
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from franceservices.comptes.models import Habilitation, Utilisateur
from franceservices.comptes.perimetre import RIEN, perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from . import avis as avis_
from . import suivi
from .models import Inscription


def _filtre_structures_agents(perimetre) -> Q:
    """Structures dont la personne voit les dossiers individuels des agents (chemins relatifs à Structure)."""
    if perimetre.national:
        return Q()
    q = RIEN
    if perimetre.structures_responsable:
        q |= Q(pk__in=perimetre.structures_responsable)
    if perimetre.departements_animateur:
        q |= Q(departement_id__in=perimetre.departements_animateur)
    return q


def _filtre_structures_etat(perimetre) -> Q:
    """Structures dont la personne voit l'état (compteurs et liste des agents)."""
    if perimetre.national:
        return Q()
    q = _filtre_structures_agents(perimetre)
    if perimetre.departements_prefecture:
        q |= Q(departement_id__in=perimetre.departements_prefecture)
    return q


def _departements_visibles(perimetre):
    if perimetre.national:
        return Departement.objects.all()
    return Departement.objects.filter(
        pk__in=perimetre.departements_animateur | perimetre.departements_prefecture
    )


@require_GET
def index(request):
    return redirect("formations_dossiers:moi")


def _raccourcis(perimetre) -> list[tuple[str, str]]:
    """Liens vers les états que la personne peut consulter (ses France services, ses départements)."""
    liens = []
    for s in Structure.objects.filter(pk__in=perimetre.structures_responsable).order_by("nom"):
        liens.append(
            (f"Formation des agents de {s.nom}", reverse("formations_dossiers:structure", args=[s.pk]))
        )
    # L'équipe nationale voit tous les départements : pas de liste de cent liens ici.
    departements = [] if perimetre.national else _departements_visibles(perimetre).order_by("code")
    for d in departements:
        liens.append(
            (
                f"Formation des agents — {d.nom} ({d.code})",
                reverse("formations_dossiers:departement", args=[d.code]),
            )
        )
    if perimetre.national or perimetre.departements_animateur:
        liens.append(("Avis des agents sur les formations", reverse("formations_dossiers:avis")))
    return liens


@require_GET
def moi(request):
    dossier = suivi.dossier(request.user)
    maintenant = timezone.now()
    donnes = {i.pk for i in dossier.inscriptions if hasattr(i, "avis")}
    a_noter = {
        i.pk
        for i in dossier.inscriptions
        if i.pk not in donnes and avis_.raison_hors_avis(i, maintenant=maintenant) is None
    }
    return render(
        request,
        "formations/dossiers/dossier.html",
        {
            "titre": "Mon dossier de formation",
            "dossier": dossier,
            "moi": True,
            "raccourcis": _raccourcis(perimetre_de(request.user)),
            "a_noter": a_noter,
            "donnes": donnes,
            "delai": settings.FORMATION_INITIALE_DELAI_MOIS,
        },
    )


@require_GET
def agent(request, pk):
    if pk == request.user.pk:
        return redirect("formations_dossiers:moi")
    perimetre = perimetre_de(request.user)
    structures = Structure.objects.filter(_filtre_structures_agents(perimetre))
    habilitations = Habilitation.objects.filter(role__in=suivi.ROLES_AGENTS, structure__in=structures)
    personne = get_object_or_404(
        Utilisateur.objects.filter(pk__in=habilitations.values("utilisateur_id")), pk=pk
    )
    ids = None if perimetre.national else list(structures.values_list("pk", flat=True))
    dossier = suivi.dossier(personne, structure_ids=ids)
    return render(
        request,
        "formations/dossiers/dossier.html",
        {
            "titre": f"Dossier de formation de {personne}",
            "dossier": dossier,
            "moi": False,
            "raccourcis": [],
            "a_noter": set(),
            "donnes": set(),
            "delai": settings.FORMATION_INITIALE_DELAI_MOIS,
        },
    )


@require_GET
def structure(request, pk):
    perimetre = perimetre_de(request.user)
    structure = get_object_or_404(
        Structure.objects.filter(_filtre_structures_etat(perimetre)).select_related("departement"), pk=pk
    )
    etat = suivi.etat_structure(structure)
    liens_agents = Structure.objects.filter(_filtre_structures_agents(perimetre), pk=pk).exists()
    voit_departement = _departements_visibles(perimetre).filter(pk=structure.departement_id).exists()
    return render(
        request,
        "formations/dossiers/structure.html",
        {
            "titre": f"Formation des agents — {structure.nom}",
            "etat": etat,
            "liens_agents": liens_agents,
            "voit_departement": voit_departement,
            "delai": settings.FORMATION_INITIALE_DELAI_MOIS,
        },
    )


@require_GET
def departement(request, code):
    if not re.fullmatch(r"[0-9A-Za-z]{2,3}", code):  # caractère nul, etc. : jamais jusqu'à la base
        raise Http404("Code de département invalide.")
    perimetre = perimetre_de(request.user)
    departement = get_object_or_404(_departements_visibles(perimetre), code=code.upper())
    lignes = suivi.etat_departement(departement)
    totaux = {
        "structures": len(lignes),
        "actifs": sum(e.actifs for e in lignes),
        "formes": sum(e.formes for e in lignes),
        "en_cours": sum(e.en_cours for e in lignes),
        "en_retard": sum(e.en_retard for e in lignes),
        "conformes": sum(e.conforme for e in lignes),
    }
    return render(
        request,
        "formations/dossiers/departement.html",
        {
            "titre": f"Formation des agents — {departement.nom} ({departement.code})",
            "departement": departement,
            "lignes": lignes,
            "totaux": totaux,
            "minimum": settings.FORMATION_AGENTS_FORMES_MINIMUM,
            "delai": settings.FORMATION_INITIALE_DELAI_MOIS,
        },
    )


@require_GET
def resultats_avis(request):
    perimetre = perimetre_de(request.user)
    if not (perimetre.national or perimetre.departements_animateur):
        return refuser(
            request,
            "Avis sur les formations",
            "Les résultats des avis sont réservés à l'équipe nationale et aux animateurs départementaux.",
        )
    return render(
        request,
        "formations/dossiers/avis_resultats.html",
        {
            "titre": "Avis des agents sur les formations",
            "resultats": avis_.resultats(),
            "seuil": avis_.SEUIL_ANONYMAT,
        },
    )


@require_http_methods(["GET", "POST"])
def donner_avis(request, inscription_pk):
    inscription = get_object_or_404(
        Inscription.objects.filter(agent=request.user).select_related("session__module"), pk=inscription_pk
    )
    raison = avis_.peut_donner_avis(inscription)
    form = None
    if raison is None:
        form = avis_.AvisForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                avis_.donner_avis(par=request.user, inscription=inscription, **form.cleaned_data)
            except ValidationError as erreur:
                form.add_error(None, erreur)
            else:
                messages.success(request, "Merci : votre avis est enregistré (il restera anonyme).")
                return redirect("formations_dossiers:moi")
    elif request.method == "POST":
        messages.info(request, raison)
        return redirect("formations_dossiers:moi")
    return render(
        request,
        "formations/dossiers/avis_form.html",
        {
            "titre": f"Mon avis sur « {inscription.session.module.titre} »",
            "inscription": inscription,
            "raison": raison,
            "form": form,
            "seuil": avis_.SEUIL_ANONYMAT,
        },
        status=200,
    )
