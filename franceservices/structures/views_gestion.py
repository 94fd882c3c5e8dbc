"""Gestion des fiches par leur équipe : liste du périmètre, fiche (coordonnées, horaires), historique.

Tout part de `Structure.objects.visible_par(request.user)` : hors périmètre → 404. Voir sans gérer
(agent, coordinateur préfecture, référent partenaire) : fiche en lecture seule, POST → 403.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from franceservices.territoires.models import Departement

from .actions import CHAMPS_COORDONNEES, modifier_structure
from .forms_gestion import CoordonneesForm, FiltreStructuresForm, HorairesForm
from .horaires import JOURS, ecarts_au_label
from .importation import FORMATS_SOUMIS_AUX_HORAIRES_DU_LABEL
from .models import ModificationStructure, Structure

PAR_PAGE = 50

LIBELLES_CHAMPS = {
    "telephone": "Téléphone",
    "email": "Adresse électronique",
    "adresse": "Adresse",
    "complement_adresse": "Complément d'adresse",
    "code_postal": "Code postal",
    "prise_rdv": "Prise de rendez-vous",
    "commentaire": "Information publique",
    **{f"horaires_{jour}": f"Horaires du {jour}" for jour in JOURS},
    "heures_par_semaine": "Heures d'ouverture par semaine",
    "jours_ouverts": "Jours d'ouverture par semaine",
}
ORDRE_CHAMPS = {champ: rang for rang, champ in enumerate(LIBELLES_CHAMPS)}


def ecarts_au_label_de(structure: Structure) -> list[str]:
    """Pour un lieu fixe : ce qui manque à sa semaine pour le minimum du label (avertissement, pas erreur)."""
    if structure.format not in FORMATS_SOUMIS_AUX_HORAIRES_DU_LABEL:
        return []
    return ecarts_au_label(
        structure.heures_par_semaine,
        structure.jours_ouverts,
        settings.LABEL_HEURES_MINIMUM,
        settings.LABEL_JOURS_MINIMUM,
    )


def _phrase_perimetre(perimetre, total: int, departements: list[Departement]) -> str:
    nombre = f"{total:,}".replace(",", "\u202f")
    if total == 0:
        return f"Vous ne voyez aucune France services, {perimetre.explication()}."
    if perimetre.national:
        lieu = ""
    elif len(departements) <= 3:
        lieu = " (" + ", ".join(d.nom for d in departements) + ")"
    else:
        lieu = f" dans {len(departements)} départements"
    return f"Vous voyez {nombre} France services{lieu}, {perimetre.explication()}."


@require_GET
def liste(request):
    perimetre = request.user.perimetre
    visibles = Structure.objects.visible_par(request.user)
    departements = Departement.objects.filter(pk__in=visibles.values("departement_id")).order_by("code")
    liste_departements = list(departements)
    form = FiltreStructuresForm(request.GET or None, departements=departements)
    derniere = ModificationStructure.objects.filter(structure=OuterRef("pk")).order_by("-horodatage")
    structures = visibles.pour_affichage().annotate(
        derniere_modification=Subquery(derniere.values("horodatage")[:1])
    )
    filtre_actif = False
    if form.is_valid():
        if form.cleaned_data["q"]:
            structures = structures.recherche(form.cleaned_data["q"])
            filtre_actif = True
        if form.cleaned_data["departement"]:
            structures = structures.filter(departement=form.cleaned_data["departement"])
            filtre_actif = True
    page = Paginator(structures.order_by("departement__code", "nom", "pk"), PAR_PAGE).get_page(
        request.GET.get("page")
    )
    lignes = [
        {"structure": s, "gerable": perimetre.peut_gerer_structure(s), "ecarts": ecarts_au_label_de(s)}
        for s in page
    ]
    parametres = request.GET.copy()
    parametres.pop("page", None)
    total = visibles.count()
    return render(
        request,
        "structures/gestion_liste.html",
        {
            "titre": "France services de mon périmètre",
            "phrase": _phrase_perimetre(perimetre, total, liste_departements),
            "aucune": total == 0,
            "form": form,
            "plusieurs_departements": len(liste_departements) > 1,
            "filtre_actif": filtre_actif,
            "page": page,
            "lignes": lignes,
            "parametres": parametres.urlencode(),
            "heures_minimum": settings.LABEL_HEURES_MINIMUM,
            "jours_minimum": settings.LABEL_JOURS_MINIMUM,
        },
    )


def _structure_visible(request, pk) -> Structure:
    return get_object_or_404(Structure.objects.visible_par(request.user).pour_affichage(), pk=pk)


@require_http_methods(["GET", "POST"])
def modifier(request, pk):
    structure = _structure_visible(request, pk)
    perimetre = request.user.perimetre
    contexte = {
        "titre": f"Fiche de {structure.nom}",
        "structure": structure,
        "ecarts": ecarts_au_label_de(structure),
        "heures_minimum": settings.LABEL_HEURES_MINIMUM,
        "jours_minimum": settings.LABEL_JOURS_MINIMUM,
    }
    if not perimetre.peut_gerer_structure(structure):
        if request.method == "POST":
            raise PermissionDenied("Vous pouvez consulter cette fiche, pas la modifier.")
        return render(
            request,
            "structures/gestion_lecture.html",
            {**contexte, "explication": perimetre.explication()},
        )
    ajouter = request.POST.get("ajouter", "") if request.method == "POST" else ""
    if ajouter in JOURS:
        # « Ajouter une plage » : on réaffiche la saisie, sans valider ni enregistrer.
        coordonnees = CoordonneesForm(initial=request.POST.dict())
        horaires = HorairesForm(request.POST, semaine=structure.semaine, ajouter=ajouter)
    elif request.method == "POST":
        coordonnees = CoordonneesForm(request.POST)
        horaires = HorairesForm(request.POST, semaine=structure.semaine)
        if all([coordonnees.is_valid(), horaires.is_valid()]):
            modification = modifier_structure(
                par=request.user,
                structure=structure,
                donnees={**coordonnees.cleaned_data, "horaires": horaires.semaine},
                request=request,
            )
            if modification is None:
                messages.info(request, "Aucune modification : la fiche est inchangée.")
            else:
                champs = [
                    LIBELLES_CHAMPS.get(c, c).lower() for c in _champs_ordonnes(modification.changements)
                ]
                messages.success(request, "Fiche enregistrée. Modifié : " + ", ".join(champs) + ".")
            return redirect("structures:modifier", pk=structure.pk)
    else:
        coordonnees = CoordonneesForm(initial={c: getattr(structure, c) for c in CHAMPS_COORDONNEES})
        horaires = HorairesForm(semaine=structure.semaine)
    erreurs = [*coordonnees.non_field_errors(), *horaires.non_field_errors()] if coordonnees.is_bound else []
    nombre_erreurs = (
        sum(len(e) for e in coordonnees.errors.values()) + sum(len(e) for e in horaires.errors.values())
        if coordonnees.is_bound
        else 0
    )
    return render(
        request,
        "structures/gestion_fiche.html",
        {
            **contexte,
            "coordonnees": coordonnees,
            "horaires": horaires,
            "erreurs_generales": erreurs,
            "nombre_erreurs": nombre_erreurs,
        },
    )


def _champs_ordonnes(changements: dict) -> list[str]:
    return sorted(changements, key=lambda c: ORDRE_CHAMPS.get(c, len(ORDRE_CHAMPS)))


def _lisible(champ: str, valeur) -> str:
    if valeur is None or valeur == "":
        return "(vide)"
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if champ == "heures_par_semaine":
        return f"{valeur:g} h".replace(".", ",")
    if champ == "jours_ouverts":
        return f"{valeur} jour" + ("s" if valeur > 1 else "")
    return str(valeur)


@require_GET
def historique(request, pk):
    structure = _structure_visible(request, pk)
    modifications = structure.modifications.select_related("auteur")
    page = Paginator(modifications, PAR_PAGE).get_page(request.GET.get("page"))
    entrees = []
    for modification in page:
        changements = modification.changements if isinstance(modification.changements, dict) else {}
        lignes = []
        for champ in _champs_ordonnes(changements):
            avant, apres = [*changements[champ], None, None][:2]
            lignes.append(
                {
                    "libelle": LIBELLES_CHAMPS.get(champ, champ),
                    "avant": _lisible(champ, avant),
                    "apres": _lisible(champ, apres),
                }
            )
        entrees.append({"modification": modification, "lignes": lignes})
    return render(
        request,
        "structures/gestion_historique.html",
        {
            "titre": f"Historique de {structure.nom}",
            "structure": structure,
            "page": page,
            "entrees": entrees,
            "peut_gerer": request.user.perimetre.peut_gerer_structure(structure),
            "parametres": "",
        },
    )
