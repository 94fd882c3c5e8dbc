"""Formulaires des pilotes : ils valident seulement (les écritures passent par `actions`)."""

import re

from django import forms
from django.utils import timezone

from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from .models import Partenaire, Presence

SEPARATEURS = re.compile(r"[\s,;]+")


def _codes(texte: str) -> list[str]:
    return [c for c in SEPARATEURS.split(texte.strip()) if c]


class ChampDate(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PiloteForm(forms.Form):
    partenaire = forms.ModelChoiceField(
        queryset=Partenaire.objects.filter(presence=Presence.PILOTE).order_by("nom_court"),
        label="Partenaire",
        empty_label="Choisir un partenaire",
        help_text="Seuls les partenaires « en expérimentation » ont des pilotes (présence modifiable dans l'admin).",
        error_messages={"required": "Choisissez le partenaire du pilote."},
    )
    nom = forms.CharField(
        label="Nom du pilote",
        max_length=150,
        error_messages={"required": "Donnez un nom au pilote (ex. « Banque de France — pilote 2022 »)."},
    )
    departements = forms.CharField(
        label="Départements couverts",
        required=False,
        help_text="Codes INSEE séparés par des espaces ou des virgules (ex. 53 16 2A) : toutes leurs France services.",
    )
    structures = forms.CharField(
        label="France services couvertes une à une",
        required=False,
        help_text="Identifiants France services (id_fs) séparés par des espaces ou des virgules, en plus des départements.",
    )
    debut = ChampDate(label="Début", error_messages={"required": "Indiquez la date de début (jj/mm/aaaa)."})
    fin = ChampDate(label="Fin (incluse)", required=False, help_text="Vide : sans date de fin.")
    formation_requise = forms.BooleanField(
        label="Formation préalable exigée",
        required=False,
        initial=True,
        help_text="Les agents doivent être déclarés formés avant de proposer ce partenaire.",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_departements(self):
        codes = [c.upper() for c in _codes(self.cleaned_data["departements"])]
        connus = {d.code: d for d in Departement.objects.filter(code__in=codes)}
        inconnus = [c for c in codes if c not in connus]
        if inconnus:
            raise forms.ValidationError(f"Département(s) inconnu(s) : {', '.join(inconnus)}.")
        return list(dict.fromkeys(connus[c] for c in codes))

    def clean_structures(self):
        codes = _codes(self.cleaned_data["structures"])
        connues = {s.id_fs: s for s in Structure.objects.filter(id_fs__in=codes)}
        inconnues = [c for c in codes if c not in connues]
        if inconnues:
            raise forms.ValidationError(f"France services inconnue(s) (id_fs) : {', '.join(inconnues)}.")
        return list(dict.fromkeys(connues[c] for c in codes))

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", "La date de fin doit être postérieure ou égale à la date de début.")
        if (
            "departements" in donnees
            and "structures" in donnees
            and not donnees["departements"]
            and not donnees["structures"]
        ):
            raise forms.ValidationError(
                "Indiquez au moins un département ou une France services : sinon le pilote ne serait proposé nulle part."
            )
        return donnees

    @classmethod
    def initial_depuis(cls, pilote) -> dict:
        return {
            "partenaire": pilote.partenaire_id,
            "nom": pilote.nom,
            "departements": " ".join(pilote.departements.order_by("code").values_list("code", flat=True)),
            "structures": " ".join(pilote.structures.order_by("id_fs").values_list("id_fs", flat=True)),
            "debut": pilote.debut,
            "fin": pilote.fin,
            "formation_requise": pilote.formation_requise,
            "description": pilote.description,
        }


class FormationForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=None,
        label="Agent",
        empty_label="Choisir un agent",
        help_text="Agents et responsables des France services couvertes dont vous avez la charge.",
        error_messages={
            "required": "Choisissez l'agent à déclarer formé.",
            "invalid_choice": "Cet agent ne travaille pas dans une France services couverte que vous gérez.",
        },
    )
    formee_le = ChampDate(
        label="Formé(e) le", error_messages={"required": "Indiquez la date de la formation."}
    )

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents.order_by("last_name", "first_name", "email")
        self.fields["agent"].label_from_instance = lambda u: f"{u.get_full_name() or u.email} ({u.email})"
        self.fields["formee_le"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_formee_le(self):
        jour = self.cleaned_data["formee_le"]
        if jour > timezone.localdate():
            raise forms.ValidationError("La date de formation ne peut pas être dans le futur.")
        return jour
