"""Formulaires publics de la prise de rendez-vous (validation seulement ; l'enregistrement passe par
`actions.reserver`)."""

from django import forms
from django.core.exceptions import ValidationError

from franceservices.core.telephone import normaliser_telephone
from franceservices.partenaires.models import Partenaire

from .messages import conservation_jours
from .models import TypeRendezVous


def _classes_dsfr(form) -> None:
    for champ in form.fields.values():
        widget = champ.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "fr-select")
        elif not isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "fr-input")


def partenaires_avec_rendez_vous():
    """Partenaires dont au moins une France services propose un type de rendez-vous actif (une requête)."""
    return Partenaire.objects.filter(
        actif=True,
        pk__in=TypeRendezVous.objects.filter(actif=True, partenaire__isnull=False).values("partenaire_id"),
    ).order_by("nom_court")


class RechercheForm(forms.Form):
    """Le besoin (partenaire, facultatif) et le lieu (commune, code postal ou code INSEE)."""

    partenaire = forms.ChoiceField(
        label="Votre besoin",
        required=False,
        help_text="Facultatif : l'organisme concerné par votre démarche.",
    )
    q = forms.CharField(
        label="Votre commune",
        max_length=100,
        help_text="Nom de la commune, code postal ou code INSEE. Exemple : Angoulême ou 16000.",
        error_messages={"required": "Indiquez votre commune ou son code postal."},
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "spellcheck": "false"}),
    )

    def __init__(self, *args, partenaires=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partenaires = {p.code: p for p in partenaires}
        self.fields["partenaire"].choices = [("", "Toutes démarches")] + [
            (p.code, p.nom_court) for p in partenaires
        ]
        _classes_dsfr(self)

    def clean_partenaire(self):
        code = self.cleaned_data.get("partenaire") or ""
        return self.partenaires.get(code)


class ReservationForm(forms.Form):
    nom = forms.CharField(
        label="Nom et prénom",
        max_length=150,
        error_messages={"required": "Indiquez votre nom."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    telephone = forms.CharField(
        label="Téléphone",
        required=False,
        max_length=30,
        help_text="Pour recevoir la confirmation et le rappel par SMS. Exemple : 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    courriel = forms.EmailField(
        label="Adresse électronique",
        required=False,
        max_length=254,
        help_text="Pour recevoir la confirmation par courriel. Format attendu : nom@domaine.fr.",
        error_messages={"invalid": "Adresse électronique invalide (ex. prenom.nom@exemple.fr)."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    consentement = forms.BooleanField(
        label="J'accepte que mes nom et coordonnées soient utilisés pour gérer ce rendez-vous.",
        error_messages={"required": "Cochez la case pour accepter le traitement de vos coordonnées."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consentement"].help_text = (
            "Finalité : confirmer, rappeler, déplacer ou annuler votre rendez-vous. Vos données sont vues "
            f"par la France services seulement et effacées {conservation_jours()} jours après le rendez-vous."
        )
        _classes_dsfr(self)

    def clean_nom(self):
        nom = self.cleaned_data["nom"].strip()
        if not nom:
            raise ValidationError("Indiquez votre nom.")
        return nom

    def clean_telephone(self):
        telephone = self.cleaned_data["telephone"].strip()
        return normaliser_telephone(telephone) if telephone else ""

    def clean(self):
        donnees = super().clean()
        if (
            not donnees.get("telephone")
            and not donnees.get("courriel")
            and "telephone" not in self.errors
            and "courriel" not in self.errors
        ):
            self.add_error(
                "telephone",
                "Indiquez un numéro de téléphone ou une adresse électronique pour être prévenu.",
            )
        return donnees
