"""Appel reçu en une étape : un agent décroche, aide l'usager, et enregistre la demande (canal téléphone).

Formulaire minimal (partenaire ou démarche, thème si pas de démarche, issue, commune facultative) bâti sur les
formulaires de la saisie (`VisiteForm` + une ligne de `DemandesFormSet`) : mêmes validations, mêmes contrôles
(`controler_visite` : partenaire pilote, fiche), même écriture (`actions.enregistrer`, idempotente par
`cle_client`). `formulaires_appel` et `demandes_valides` servent aussi à la clôture d'un rappel
(`rappels.views`), pour enregistrer la demande traitée au téléphone.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from franceservices.comptes.perimetre import perimetre_de

from . import actions
from .forms import (
    Catalogue,
    DemandesFormSet,
    VisiteForm,
    controler_visite,
    demandes_de,
    nouvelle_ligne,
    partenaires_proposes,
)
from .models import Canal
from .views import SANS_SAISIE, _structures_de_saisie

PREFIXE = "appel"


def formulaires_appel(data=None, *, structures, catalogue=None, initial_visite=None, initial_demande=None):
    """(visite, demandes) : la visite forcée au canal téléphone, une seule ligne de demande."""
    catalogue = catalogue or Catalogue.charger()
    proposes = partenaires_proposes(structures, catalogue)
    if data is not None:
        data = data.copy()
        data["canal"] = Canal.TELEPHONE
        data.pop("date_heure", None)  # maintenant : un appel se saisit à la fin de l'appel
        visite = VisiteForm(data, structures=structures)
        demandes = DemandesFormSet(data, prefix=PREFIXE, catalogue=catalogue, proposes=proposes)
    else:
        initial = {"canal": Canal.TELEPHONE, **(initial_visite or {})}
        if len(structures) == 1:
            initial.setdefault("structure", structures[0].pk)
        visite = VisiteForm(initial=initial, structures=structures)
        ligne = {**nouvelle_ligne(), **(initial_demande or {})}
        demandes = DemandesFormSet(initial=[ligne], prefix=PREFIXE, catalogue=catalogue, proposes=proposes)
    return visite, demandes


def demandes_valides(visite, demandes, agent):
    """Les demandes (non enregistrées) si tout est valide, sinon None (les erreurs sont sur les formulaires)."""
    valide = visite.is_valid()
    try:
        valide = demandes.is_valid() and valide
    except ValidationError:  # formulaire de gestion absent ou faussé
        visite.add_error(None, "Formulaire incomplet : rechargez la page et recommencez la saisie.")
        return None
    if not valide or not controler_visite(visite, demandes, agent):
        return None
    return demandes_de(visite, demandes, agent)


def erreurs(visite, demandes) -> list[dict]:
    """Récapitulatif : un lien vers chaque champ en erreur (libellé : message)."""
    resume = []
    if not visite.is_bound:
        return resume
    formulaires = [
        visite,
        *(demandes.forms if demandes.is_bound and demandes.management_form.is_valid() else []),
    ]
    for form in formulaires:
        for nom, liste in form.errors.items():
            if nom == "__all__":
                resume.extend({"ancre": "", "texte": texte} for texte in liste)
                continue
            ancre = form["demarche_catalogue" if nom == "demarche" else nom].auto_id
            resume.append({"ancre": ancre, "texte": f"{form.fields[nom].label} : {' '.join(liste)}"})
    if demandes.is_bound and not demandes.management_form.is_valid():
        resume.append(
            {"ancre": "", "texte": "Formulaire incomplet : rechargez la page et recommencez la saisie."}
        )
    return resume


@require_http_methods(["GET", "POST"])
def appel(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.structures:
        return render(
            request,
            "activite/sans_saisie.html",
            {
                "titre": "Enregistrer un appel reçu",
                "message": SANS_SAISIE,
                "explication": perimetre.explication(),
            },
            status=403,
        )
    structures = _structures_de_saisie(perimetre)
    catalogue = Catalogue.charger()
    if request.method == "POST":
        visite, demandes = formulaires_appel(request.POST, structures=structures, catalogue=catalogue)
        nouvelles = demandes_valides(visite, demandes, request.user)
        if nouvelles is not None:
            try:
                resultat = actions.enregistrer(nouvelles)
            except (IntegrityError, ValueError):
                messages.error(
                    request, "L'appel n'a pas pu être enregistré (soumission concurrente) : renvoyez-le."
                )
                return redirect("activite:appel")
            demande = resultat.toutes[0]
            if resultat.creees:
                messages.success(request, "Appel enregistré (canal téléphone).")
            else:
                messages.info(request, "Cet appel était déjà enregistré.")
            if "suivant" in request.POST:
                return redirect("activite:appel")
            return redirect("activite:demande", pk=demande.pk)
    else:
        visite, demandes = formulaires_appel(structures=structures, catalogue=catalogue)
    resume = erreurs(visite, demandes)
    return render(
        request,
        "activite/appel.html",
        {
            "titre": "Enregistrer un appel reçu",
            "visite": visite,
            "demandes": demandes,
            "ligne": demandes.forms[0] if demandes.forms else demandes.empty_form,
            "une_structure": structures[0] if len(structures) == 1 else None,
            "resume_erreurs": resume,
        },
        status=200,
    )
