"""Formulaire de création d'un jeton d'API personnel (validation de la saisie seulement).

Les portées proposées sont celles qui ont un sens pour les habilitations de la personne.
"""

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField

from .models import Portee
from .perimetre import Perimetre

DUREE_PAR_DEFAUT_JOURS = 90


def portees_offertes(perimetre: Perimetre) -> list[Portee]:
    """Les portées utiles à cette personne : lire des structures suppose d'en voir, lire une équipe aussi."""
    portees = []
    if perimetre.national or perimetre.structures or perimetre.departements:
        portees.append(Portee.STRUCTURES_LECTURE)
    if perimetre.national or perimetre.filtre_habilitations() is not None:
        portees.append(Portee.EQUIPE_LECTURE)
    return portees


class ChampJeton(BoundField):
    """Champ de saisie aux classes du DSFR (Django relie l'aide et l'erreur par aria-describedby)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if not isinstance(self.field.widget, forms.CheckboxSelectMultiple):
            attrs["class"] = "fr-input fr-input--error" if self.errors else "fr-input"
        return attrs


class FormulaireJeton(forms.Form):
    bound_field_class = ChampJeton

    nom = forms.CharField(
        label="Nom du jeton",
        help_text="Pour vous souvenir de son usage, par exemple « tableau de bord CAF 15 ».",
        max_length=100,
        error_messages={
            "required": "Donnez un nom à ce jeton.",
            "max_length": "Le nom doit comporter au plus 100 caractères.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    portees = forms.MultipleChoiceField(
        label="Portées",
        help_text="Ce que le jeton permet de lire, toujours limité à votre périmètre.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins une portée.",
            "invalid_choice": "Cette portée n'est pas disponible pour vos habilitations.",
        },
    )
    duree_jours = forms.IntegerField(
        label="Durée de validité (en jours)",
        help_text=f"De 1 à {settings.JETON_API_DUREE_MAXIMUM_JOURS} jours ; le jeton cesse ensuite de fonctionner.",
        min_value=1,
        max_value=settings.JETON_API_DUREE_MAXIMUM_JOURS,
        initial=DUREE_PAR_DEFAUT_JOURS,
        error_messages={
            "required": "Indiquez une durée de validité en jours.",
            "invalid": "Saisissez un nombre entier de jours.",
            "min_value": "La durée doit être d'au moins 1 jour.",
            "max_value": f"La durée ne peut pas dépasser {settings.JETON_API_DUREE_MAXIMUM_JOURS} jours.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, portees: list[Portee], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["portees"].choices = [(p.value, p.label) for p in portees]

    def clean_nom(self):
        nom = " ".join(self.cleaned_data["nom"].split())
        if not nom:
            raise forms.ValidationError("Donnez un nom à ce jeton.")
        return nom
