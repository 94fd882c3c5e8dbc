"""Import d'un historique d'activité depuis le navigateur (même code que `manage.py importer_activite`).

Réservé à l'équipe nationale (toutes les France services) et aux responsables (leurs France services
seulement : une ligne d'une autre France services est rejetée, donc rien n'est importé). Traitement direct
(fichier limité à `TAILLE_MAXIMUM`, quelques dizaines de milliers de lignes) ; le rapport s'affiche ensuite.
"""

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from franceservices.comptes.perimetre import perimetre_de
from franceservices.ui.forms import FormulaireDsfr

from .importation_historique import COLONNES, COLONNES_OBLIGATOIRES, FichierInvalide, importer

TAILLE_MAXIMUM = 10 * 1024 * 1024  # 10 Mo ≈ 60 000 lignes
REJETS_AFFICHES = 100


class ImportForm(FormulaireDsfr):
    fichier = forms.FileField(
        label="Fichier CSV (UTF-8)",
        help_text="Une ligne par demande ; séparateur « ; » ou « , » ; 10 Mo au plus.",
        error_messages={"required": "Choisissez un fichier CSV.", "empty": "Le fichier est vide."},
    )
    verifier = forms.BooleanField(
        label="Vérifier seulement (ne rien importer)", required=False, initial=False
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size > TAILLE_MAXIMUM:
            raise forms.ValidationError(
                "Le fichier dépasse 10 Mo : découpez-le ou utilisez la commande importer_activite."
            )
        return fichier


def _refus(request):
    return render(
        request,
        "activite/import_refus.html",
        {
            "titre": "Importer un historique d'activité",
            "explication": perimetre_de(request.user).explication(),
        },
        status=403,
    )


@require_http_methods(["GET", "POST"])
def importer_historique(request):
    perimetre = perimetre_de(request.user)
    if not (perimetre.national or perimetre.structures_responsable):
        return _refus(request)
    autorisees = None if perimetre.national else set(perimetre.structures_responsable)
    rapport, erreur = None, ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            fichier = form.cleaned_data["fichier"]
            try:
                rapport = importer(
                    fichier.read(),
                    fichier.name,
                    verifier=form.cleaned_data["verifier"],
                    par=request.user,
                    structures_autorisees=autorisees,
                )
            except FichierInvalide as exc:
                erreur = f"{exc} Rien n'a été importé."
    else:
        form = ImportForm()
    return render(
        request,
        "activite/import_historique.html",
        {
            "titre": "Importer un historique d'activité",
            "form": form,
            "rapport": rapport,
            "rejets": rapport.rejets[:REJETS_AFFICHES] if rapport else [],
            "rejets_masques": max(0, len(rapport.rejets) - REJETS_AFFICHES) if rapport else 0,
            "erreur": erreur,
            "colonnes": COLONNES,
            "obligatoires": COLONNES_OBLIGATOIRES,
            "explication": perimetre.explication(),
            "national": perimetre.national,
        },
        status=400 if (erreur or (rapport and rapport.rejets) or form.errors) else 200,
    )
