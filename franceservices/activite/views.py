"""Saisie de l'activité par les agents (une visite = un profil + des demandes), « Mes demandes », corrections.

Saisie : réservée aux agents et responsables d'une France services (`perimetre.structures`). Réponse JSON
si la requête accepte `application/json` (script de saisie, mesures de débit) : 201 / 400 / 403, jamais 500.
Listes et fiches : `Demande.objects.visible_par(request.user)` ; hors périmètre → 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.models import Utilisateur
from franceservices.comptes.perimetre import perimetre_de
from franceservices.structures.models import Structure

from . import actions
from .forms import (
    Catalogue,
    CorrectionForm,
    DemandeForm,
    DemandesFormSet,
    FiltreDemandesForm,
    MotifForm,
    VisiteForm,
    controler_visite,
    demandes_de,
    nouvelle_ligne,
    partenaires_proposes,
)
from .models import Autonomie, Canal, Demande, Favori, Origine

PREFIXE = "demandes"
PAR_PAGE = 50
RAPIDES_MAX = 8
SANS_SAISIE = (
    "La saisie de l'activité est réservée aux agents et aux responsables d'une France services : "
    "vous n'avez pas d'habilitation de ce type."
)


def _veut_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _pluriel(n: int, mot: str) -> str:
    return f"{n} {mot}{'s' if n > 1 else ''}"


def _erreurs(visite, demandes) -> dict[str, list[str]]:
    """Erreurs à plat, par nom de champ HTML (« structure », « demandes-0-theme », « __all__ »)."""
    erreurs: dict[str, list[str]] = {}
    if visite.errors:
        for champ, liste in visite.errors.items():
            erreurs[champ] = list(liste)
    if demandes.is_bound:
        if not demandes.management_form.is_valid():
            erreurs["__all__"] = ["Formulaire incomplet : rechargez la page et recommencez la saisie."]
            return erreurs
        for form in demandes.forms:
            for champ, liste in form.errors.items():
                cle = "__all__" if champ == "__all__" else form.add_prefix(champ)
                erreurs.setdefault(cle, []).extend(liste)
        if demandes.non_form_errors():
            erreurs.setdefault("__all__", []).extend(demandes.non_form_errors())
    return erreurs


def _resume(visite, demandes, rapides) -> list[dict]:
    """Récapitulatif des erreurs en haut de page : un lien vers chaque champ en erreur."""
    resume = []
    groupes = [("", visite)] + [(f"Demande {i + 1} — ", f) for i, f in enumerate(demandes.forms)]
    for prefixe, form in groupes:
        for nom, liste in form.errors.items():
            if nom == "__all__":
                continue
            ancre = form[nom].auto_id + ("_1" if nom == "demarche" and rapides else "")
            if nom == "demarche" and not rapides:
                ancre = form["demarche_catalogue"].auto_id
            resume.append({"ancre": ancre, "texte": f"{prefixe}{form.fields[nom].label} : {' '.join(liste)}"})
    return resume


def _structures_de_saisie(perimetre) -> list[Structure]:
    return list(
        Structure.objects.filter(pk__in=perimetre.structures)
        .select_related("departement")
        .only("pk", "nom", "departement__code", "departement__nom")
        .order_by("nom")
    )


def _rapides(user, catalogue: Catalogue) -> tuple[list[dict], list[int]]:
    """Démarches favorites puis récentes de l'agent (du catalogue actif), au plus RAPIDES_MAX."""
    favoris = list(
        Favori.objects.filter(agent=user).order_by("cree_le").values_list("demarche_id", flat=True)
    )
    recentes = (
        Demande.objects.filter(agent=user, demarche__isnull=False)
        .order_by("-cree_le")
        .values_list("demarche_id", flat=True)[:40]
    )
    rapides, vues = [], set()
    for pk, favori in [*((f, True) for f in favoris), *((r, False) for r in recentes)]:
        demarche = catalogue.demarches.get(pk)
        if demarche is None or pk in vues:
            continue
        vues.add(pk)
        rapides.append({"demarche": demarche, "favori": favori})
        if len(rapides) >= RAPIDES_MAX:
            break
    return rapides, favoris


def _lignes_envoyees(donnees, total: int) -> list[dict]:
    noms = list(DemandeForm.base_fields)
    return [{nom: donnees.get(f"{PREFIXE}-{i}-{nom}", "") for nom in noms} for i in range(total)]


def _autofocus(visite, demandes, *, nouvelle_ligne_index=None):
    """Le premier champ utile reçoit le focus : le premier en erreur, la ligne ajoutée, ou la démarche."""
    for form in [visite, *demandes.forms]:
        if form.is_bound:
            for nom in form.fields:
                if nom in form.errors:
                    if nom == "demarche":
                        form.focus_rapide = True
                    else:
                        form.fields[nom].widget.attrs["autofocus"] = True
                    return
    index = 0 if nouvelle_ligne_index is None else nouvelle_ligne_index
    if index < len(demandes.forms):
        demandes.forms[index].focus_rapide = True


@require_http_methods(["GET", "POST"])
def saisie(request):
    perimetre = perimetre_de(request.user)
    en_json = _veut_json(request)
    if not perimetre.structures:
        if en_json:
            return JsonResponse({"erreurs": {"__all__": [SANS_SAISIE]}}, status=403)
        return render(
            request,
            "activite/sans_saisie.html",
            {"titre": "Saisir l'activité", "message": SANS_SAISIE, "explication": perimetre.explication()},
            status=403,
        )
    structures = _structures_de_saisie(perimetre)
    catalogue = Catalogue.charger()
    proposes = partenaires_proposes(structures, catalogue)
    nouvelle = None
    fiche_consultee = None
    autonomie_diagnostic = ""
    if request.method == "POST" and "ajouter" in request.POST and not en_json:
        # « Ajouter une demande à cette visite » sans script : on réaffiche la saisie avec une ligne de plus.
        total = min(_entier_ou(request.POST.get(f"{PREFIXE}-TOTAL_FORMS"), 1), 19)
        lignes = [*_lignes_envoyees(request.POST, total), nouvelle_ligne()]
        visite = VisiteForm(initial=request.POST.dict(), structures=structures)
        demandes = DemandesFormSet(initial=lignes, prefix=PREFIXE, catalogue=catalogue, proposes=proposes)
        nouvelle = len(lignes) - 1
    elif request.method == "POST":
        visite = VisiteForm(request.POST, structures=structures)
        demandes = DemandesFormSet(request.POST, prefix=PREFIXE, catalogue=catalogue, proposes=proposes)
        valide = visite.is_valid()
        try:
            valide = demandes.is_valid() and valide
        except ValidationError:  # formulaire de gestion absent ou faussé
            valide = False
        # Partenaire pilote (formation, périmètre) et fiche consultée : selon l'agent et la France services.
        valide = valide and controler_visite(visite, demandes, request.user)
        if valide:
            try:
                resultat = actions.enregistrer(demandes_de(visite, demandes, request.user))
            except (IntegrityError, ValueError):
                message = "La visite n'a pas pu être enregistrée (soumission concurrente) : renvoyez-la."
                if en_json:
                    return JsonResponse({"erreurs": {"__all__": [message]}}, status=409)
                messages.error(request, message)
                return redirect("activite:saisie")
            creees, deja = len(resultat.creees), len(resultat.deja_enregistrees)
            if en_json:
                return JsonResponse(
                    {
                        "enregistrees": creees,
                        "deja_enregistrees": deja,
                        "cles": [str(d.cle_client) for d in resultat.toutes],
                    },
                    status=201,
                )
            texte = _pluriel(creees, "demande") + (" enregistrées" if creees > 1 else " enregistrée")
            if deja:
                texte += f" ({deja} déjà enregistrée{'s' if deja > 1 else ''} auparavant)"
            messages.success(request, texte + ".")
            return redirect("activite:saisie")
        if en_json:
            return JsonResponse({"erreurs": _erreurs(visite, demandes)}, status=400)
    else:
        derniere = (
            Demande.objects.filter(agent=request.user, origine=Origine.SAISIE)
            .order_by("-cree_le")
            .values("structure_id", "canal")
            .first()
        ) or {}
        structure = structures[0].pk if len(structures) == 1 else derniere.get("structure_id")
        # `?autonomie=` : niveau issu du diagnostic d'autonomie numérique (orientations:diagnostic).
        autonomie_diagnostic = (
            request.GET.get("autonomie") if request.GET.get("autonomie") in Autonomie.values else ""
        )
        visite = VisiteForm(
            initial={
                "structure": structure,
                "canal": derniere.get("canal") or Canal.ACCUEIL_PHYSIQUE,
                "autonomie": autonomie_diagnostic,
            },
            structures=structures,
        )
        ligne = nouvelle_ligne()
        if request.GET.get("fiche"):
            fiche_consultee = _fiche_consultee(request, catalogue)
            if fiche_consultee is not None:
                ligne["fiche"] = fiche_consultee.pk
                if len(fiche_consultee.demarches_du_catalogue) == 1:
                    ligne["demarche_catalogue"] = fiche_consultee.demarches_du_catalogue[0]
        demandes = DemandesFormSet(initial=[ligne], prefix=PREFIXE, catalogue=catalogue, proposes=proposes)
    rapides, favoris = _rapides(request.user, catalogue)
    if proposes() is not None:  # pas de raccourci vers un partenaire pilote non proposé ici
        rapides = [r for r in rapides if r["demarche"].partenaire_id in proposes()]
    _autofocus(visite, demandes, nouvelle_ligne_index=nouvelle)
    if not rapides:
        for form in demandes.forms:
            if form.focus_rapide:
                form.fields["demarche_catalogue"].widget.attrs["autofocus"] = True
    erreurs = _erreurs(visite, demandes) if visite.is_bound else {}
    return render(
        request,
        "activite/saisie.html",
        {
            "titre": "Saisir une visite",
            "fiche_consultee": fiche_consultee,
            "autonomie_diagnostic": Autonomie(autonomie_diagnostic).label if autonomie_diagnostic else "",
            "visite": visite,
            "demandes": demandes,
            "rapides": rapides,
            "favoris": [catalogue.demarches[pk] for pk in favoris if pk in catalogue.demarches],
            "catalogue": catalogue,
            "choix_favoris": catalogue.choix_demarches(proposes()),
            "correspondances": {d.pk: [d.partenaire_id, d.theme] for d in catalogue.demarches.values()},
            "une_structure": structures[0] if len(structures) == 1 else None,
            "nombre_erreurs": sum(len(v) for v in erreurs.values()),
            "erreurs_generales": erreurs.get("__all__", []),
            "resume_erreurs": _resume(visite, demandes, rapides) if erreurs else [],
        },
    )


def _fiche_consultee(request, catalogue):
    """La fiche de `?fiche=<pk>` si l'agent la voit (sinon un message), avec ses démarches du catalogue."""
    from franceservices.bouquet.models import Fiche

    texte = request.GET.get("fiche", "").strip()
    pk = int(texte) if texte.isdigit() and len(texte) < 12 else 0
    fiche = Fiche.objects.visible_par(request.user).filter(pk=pk).first()
    if fiche is None:
        messages.error(
            request, "Cette fiche n'existe pas ou ne vous est pas accessible : saisissez sans fiche."
        )
        return None
    fiche.demarches_du_catalogue = [
        pk for pk in fiche.demarches.values_list("pk", flat=True) if pk in catalogue.demarches
    ]
    return fiche


def _entier_ou(valeur, defaut: int) -> int:
    try:
        return max(int(valeur), 1)
    except (TypeError, ValueError):
        return defaut


@require_POST
def favori(request):
    """Ajoute ou retire une démarche des favorites de l'agent (`demarche`, `action` = ajouter | retirer)."""
    if not perimetre_de(request.user).structures:
        return redirect("activite:saisie")  # la page de saisie explique pourquoi elle est réservée
    catalogue = Catalogue.charger()
    demarche = catalogue.demarches.get(_entier_ou(request.POST.get("demarche"), 0))
    if demarche is None:
        messages.error(request, "Choisissez une démarche du catalogue.")
    elif request.POST.get("action") == "retirer":
        Favori.objects.filter(agent=request.user, demarche=demarche).delete()
        messages.success(request, f"« {demarche.libelle} » retirée de vos favorites.")
    else:
        Favori.objects.get_or_create(agent=request.user, demarche=demarche)
        messages.success(request, f"« {demarche.libelle} » ajoutée à vos favorites.")
    return redirect("activite:saisie")


# — Mes demandes —


def _phrase(perimetre, total: int) -> str:
    nombre = f"{total:,}".replace(",", "\u202f")
    if total == 0:
        return f"Vous ne voyez aucune demande, {perimetre.explication()}."
    return f"Vous voyez {nombre} demande{'s' if total > 1 else ''}, {perimetre.explication()}."


@require_GET
def demandes(request):
    perimetre = perimetre_de(request.user)
    visibles = Demande.objects.visible_par(request.user)
    agents = []
    if perimetre.structures_responsable:
        agents = [
            (u.pk, str(u))
            for u in Utilisateur.objects.filter(
                habilitations__structure_id__in=perimetre.structures_responsable
            ).distinct()
        ]
    form = FiltreDemandesForm(request.GET or None, agents=agents)
    liste = visibles.select_related("structure", "agent", "partenaire", "demarche").order_by(
        "-date_heure", "-pk"
    )
    filtre_actif = False
    if form.is_valid():
        d = form.cleaned_data
        if d.get("du"):
            liste, filtre_actif = liste.filter(jour__gte=d["du"]), True
        if d.get("au"):
            liste, filtre_actif = liste.filter(jour__lte=d["au"]), True
        if d.get("agent"):
            liste, filtre_actif = liste.filter(agent_id=d["agent"]), True
    page = Paginator(liste, PAR_PAGE).get_page(request.GET.get("page"))
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "activite/demandes.html",
        {
            "titre": "Mes demandes",
            "phrase": _phrase(perimetre, visibles.count()),
            "form": form,
            "page": page,
            "filtre_actif": filtre_actif,
            "parametres": parametres.urlencode(),
            "peut_saisir": bool(perimetre.structures),
        },
    )


def _demande_visible(request, pk) -> Demande:
    return get_object_or_404(
        Demande.objects.visible_par(request.user).select_related(
            "structure__departement", "agent", "partenaire", "demarche", "commune", "fiche"
        ),
        pk=pk,
    )


def _libelle_valeur(champ: str, valeur, catalogue: Catalogue) -> str:
    if valeur is None or valeur == "":
        return "(vide)"
    if champ == "partenaire":
        p = catalogue.partenaires.get(valeur)
        return p.nom_court if p else str(valeur)
    if champ == "demarche":
        d = catalogue.demarches.get(valeur)
        return d.libelle if d else f"démarche n° {valeur}"
    if champ == "annulee_le":
        return "annulée"
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if champ == "date_heure":
        try:
            from datetime import datetime

            instant = timezone.localtime(datetime.fromisoformat(valeur))
            return instant.strftime("%d/%m/%Y %H:%M")
        except (TypeError, ValueError):
            return str(valeur)
    try:
        choix = dict(Demande._meta.get_field(champ).choices or [])
    except Exception:
        choix = {}
    return str(choix.get(valeur, valeur))


def _historique(demande: Demande, catalogue: Catalogue) -> list[dict]:
    entrees = []
    for m in demande.modifications.select_related("auteur"):
        changements = []
        for champ, apres in m.apres.items():
            avant = m.avant.get(champ)
            if avant == apres:
                continue
            libelle = (
                "Annulation" if champ == "annulee_le" else str(Demande._meta.get_field(champ).verbose_name)
            )
            changements.append(
                {
                    "champ": libelle.capitalize(),
                    "avant": _libelle_valeur(champ, avant, catalogue),
                    "apres": _libelle_valeur(champ, apres, catalogue),
                }
            )
        entrees.append({"modification": m, "changements": changements})
    return entrees


def _contexte_fiche(request, demande: Demande, **extra) -> dict:
    perimetre = perimetre_de(request.user)
    limite = demande.cree_le + actions.delai_de_correction()
    responsable = perimetre.national or demande.structure_id in perimetre.structures_responsable
    return {
        "titre": f"Demande du {timezone.localtime(demande.date_heure):%d/%m/%Y}",
        "demande": demande,
        "peut_corriger": actions.peut_corriger(request.user, demande),
        "limite": limite,
        "auteur": demande.agent_id == request.user.pk,
        "responsable": responsable,
        "historique": _historique(demande, Catalogue.charger()),
        "url_escalade": (
            f"{reverse('escalades:ouvrir')}?demande={demande.pk}"
            if demande.structure_id in perimetre.structures and not demande.annulee_le
            else ""
        ),
        "motif_form": MotifForm(),
        "refus": "",
        **extra,
    }


@require_GET
def demande(request, pk):
    demande = _demande_visible(request, pk)
    return render(request, "activite/demande.html", _contexte_fiche(request, demande))


def _refus(request, demande, exc) -> object:
    message = str(exc) or "Vous ne pouvez pas modifier cette demande."
    if demande.annulee_le:
        message = "Cette demande est annulée : elle ne peut plus être modifiée."
    return render(
        request, "activite/demande.html", _contexte_fiche(request, demande, refus=message), status=403
    )


@require_http_methods(["GET", "POST"])
def corriger(request, pk):
    demande = _demande_visible(request, pk)
    if not actions.peut_corriger(request.user, demande):
        return _refus(
            request,
            demande,
            PermissionDenied(
                "Le délai de correction est passé : seul le responsable de la France services peut corriger."
            ),
        )
    catalogue = Catalogue.charger()
    if request.method == "POST":
        form = CorrectionForm(request.POST, catalogue=catalogue)
        if form.is_valid():
            try:
                actions.corriger(demande, form.changements(), request.user, form.cleaned_data["motif"])
            except PermissionDenied as exc:
                return _refus(request, demande, exc)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, "Demande corrigée.")
                return redirect("activite:demande", pk=demande.pk)
    else:
        form = CorrectionForm(initial=CorrectionForm.initial_de(demande), catalogue=catalogue)
    nombre = sum(len(v) for v in form.errors.values()) if form.is_bound else 0
    return render(
        request,
        "activite/corriger.html",
        {
            "titre": "Corriger la demande",
            "demande": demande,
            "form": form,
            "limite": demande.cree_le + actions.delai_de_correction(),
            "nombre_erreurs": nombre,
        },
    )


@require_POST
def annuler(request, pk):
    demande = _demande_visible(request, pk)
    form = MotifForm(request.POST)
    motif = form.cleaned_data["motif"] if form.is_valid() else ""
    try:
        actions.annuler(demande, request.user, motif)
    except PermissionDenied as exc:
        return _refus(request, demande, exc)
    messages.success(request, "Demande annulée : elle ne compte plus dans les statistiques.")
    return redirect("activite:demande", pk=demande.pk)
