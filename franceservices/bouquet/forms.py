"""Formulaires du bouquet (validation seulement ; les écritures passent par `actions.py`)."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from franceservices.activite.models import ModeOrientation, Regle
from franceservices.ui.forms import FormulaireDsfr

from .recherche import LONGUEUR_MAX

RELECTURE_PAR_DEFAUT = timedelta(days=365)


class RechercheForm(FormulaireDsfr):
    q = forms.CharField(
        label="Rechercher une fiche",
        help_text="Les mots de l'usager : « perte carte identité », « surendettement », « cni perdue »…",
        max_length=LONGUEUR_MAX,
        required=False,
        error_messages={"max_length": f"Requête trop longue : {LONGUEUR_MAX} caractères au plus."},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    partenaire = forms.TypedChoiceField(label="Partenaire", coerce=int, required=False, empty_value=None)
    a_revoir = forms.BooleanField(
        label="Seulement les fiches à relire (date de relecture dépassée)", required=False
    )

    def __init__(self, *args, partenaires=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].choices = [("", "Tous les partenaires")] + [
            (p.pk, p.nom_court) for p in partenaires
        ]
        self.fields["partenaire"].error_messages["invalid_choice"] = (
            "Partenaire inconnu ou hors de votre périmètre."
        )


class FicheForm(FormulaireDsfr):
    partenaire = forms.TypedChoiceField(label="Partenaire", coerce=int)
    titre = forms.CharField(label="Titre", max_length=200)
    resume = forms.CharField(
        label="Résumé", max_length=500, help_text="Une ou deux phrases, affichées en résultat de recherche."
    )
    contenu = forms.CharField(
        label="Contenu",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Paragraphes séparés par une ligne vide.",
    )
    mots_cles = forms.CharField(
        label="Mots-clés",
        max_length=300,
        required=False,
        help_text="Synonymes et mots que tapent les agents (« CNI », « papiers »), séparés par des virgules.",
    )
    demarches = forms.TypedMultipleChoiceField(
        label="Démarches concernées",
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    revoir_le = forms.DateField(
        label="À relire avant le", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    motif = forms.CharField(
        label="Motif de la modification",
        max_length=300,
        required=False,
        help_text="Gardé dans l'historique des versions (« mise à jour des pièces », « nouveau barème »…).",
    )

    def __init__(self, *args, partenaires=(), demarches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].choices = [(p.pk, p.nom_court) for p in partenaires]
        self.fields["partenaire"].error_messages["invalid_choice"] = (
            "Vous ne pouvez rédiger que les fiches de vos partenaires."
        )
        self.demarches_connues = {d.pk: d for d in demarches}
        self.fields["demarches"].choices = [
            (d.pk, f"{d.partenaire.nom_court} — {d.libelle}") for d in demarches
        ]
        if not self.is_bound and "revoir_le" not in self.initial:
            self.initial["revoir_le"] = timezone.localdate() + RELECTURE_PAR_DEFAUT

    def clean_revoir_le(self):
        jour = self.cleaned_data["revoir_le"]
        if jour < timezone.localdate() - timedelta(days=1):
            raise ValidationError("La date de relecture est passée : choisissez une date à venir.")
        return jour

    def clean(self):
        donnees = super().clean()
        partenaire, demarches = donnees.get("partenaire"), donnees.get("demarches") or []
        if partenaire is not None:
            autres = [self.demarches_connues[pk] for pk in demarches if pk in self.demarches_connues]
            if any(d.partenaire_id != partenaire for d in autres):
                self.add_error("demarches", "Choisissez des démarches du partenaire de la fiche.")
        return donnees


class StatutForm(FormulaireDsfr):
    statut = forms.ChoiceField(
        choices=[("publiee", "Publier"), ("archivee", "Archiver"), ("brouillon", "Brouillon")]
    )
    motif = forms.CharField(label="Motif", max_length=300, required=False)


class DemarcheForm(FormulaireDsfr):
    regle = forms.ChoiceField(
        label="Règle (valeur par défaut du projet, à confirmer par la charte du partenaire)",
        choices=Regle.choices,
    )
    mode_orientation = forms.ChoiceField(
        label="Mode d'orientation", choices=[("", "—"), *ModeOrientation.choices], required=False
    )
    precisions_orientation = forms.CharField(
        label="Précisions sur l'orientation",
        max_length=300,
        required=False,
        help_text="Numéro, horaires, conditions…",
    )
    pieces = forms.CharField(
        label="Pièces à apporter",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Une pièce par ligne.",
    )
    lien_en_ligne = forms.URLField(
        label="Démarche en ligne officielle", required=False, assume_scheme="https", max_length=200
    )
    lien_service_public = forms.URLField(
        label="Fiche service-public.fr", required=False, assume_scheme="https", max_length=200
    )

    def clean_lien_service_public(self):
        lien = self.cleaned_data.get("lien_service_public", "")
        if lien and not lien.startswith(("https://www.service-public.fr/", "https://service-public.fr/")):
            raise ValidationError(
                "Indiquez une adresse de service-public.fr (https://www.service-public.fr/…)."
            )
        return lien

    def clean_pieces(self):
        lignes = [ligne.strip(" -•\t") for ligne in self.cleaned_data.get("pieces", "").splitlines()]
        return "\n".join(ligne for ligne in lignes if ligne)

    def clean(self):
        donnees = super().clean()
        if donnees.get("regle") == Regle.ORIENTATION and not donnees.get("mode_orientation"):
            self.add_error("mode_orientation", "Précisez comment l'usager est orienté.")
        if donnees.get("regle") != Regle.ORIENTATION:
            donnees["mode_orientation"] = donnees.get("mode_orientation") or ""
        return donnees
