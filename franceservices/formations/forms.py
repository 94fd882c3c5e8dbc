"""Formulaires de la formation (validation seulement) : filtres du catalogue, refus motivé, inscription
d'un groupe."""

from django import forms

from franceservices.escalades.forms import FormulaireDsfr

from .actions import MOTIF_MAX
from .models import Categorie, Format


class FiltreCatalogueForm(FormulaireDsfr):
    categorie = forms.ChoiceField(
        label="Catégorie", required=False, choices=[("", "Toutes les catégories"), *Categorie.choices]
    )
    format = forms.ChoiceField(
        label="Format", required=False, choices=[("", "Tous les formats"), *Format.choices]
    )
    q = forms.CharField(
        label="Rechercher",
        required=False,
        max_length=100,
        help_text="Titre, organisme ou description.",
    )
    places = forms.BooleanField(label="Seulement les modules avec une session à venir", required=False)


class RefusForm(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif du refus",
        max_length=MOTIF_MAX,
        help_text="Montré à l'agent. Ex. : service en sous-effectif ce jour-là, proposez une autre date.",
        error_messages={"required": "Indiquez le motif du refus : il sera montré à l'agent."},
    )

    def clean_motif(self):
        motif = " ".join(self.cleaned_data["motif"].split())
        if not motif:
            raise forms.ValidationError("Indiquez le motif du refus : il sera montré à l'agent.")
        return motif


class GroupeForm(FormulaireDsfr):
    agents = forms.ModelMultipleChoiceField(
        label="Agents à inscrire",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins un agent.",
            "invalid_choice": "Un des agents choisis n'est pas dans votre périmètre.",
            "invalid_pk_value": "Un des agents choisis n'est pas dans votre périmètre.",
        },
    )

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = agents
        self.fields["agents"].label_from_instance = lambda u: f"{u.get_full_name() or u.email} ({u.email})"
