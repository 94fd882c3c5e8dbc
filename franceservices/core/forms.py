"""Filtres du journal d'audit : ils ne font que valider la saisie (messages en français)."""

import re
from datetime import date

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.forms.boundfield import BoundField

from .models import Evenement

# Bornes des dates acceptées : au-delà, rien n'est journalisé et les calculs de fuseau déborderaient.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2999, 12, 31)
DEBUT_D_IP = re.compile(r"^[0-9a-fA-F:.]{1,45}$")


class ChampDSFR(BoundField):
    """Champ rendu avec les classes du DSFR ; Django relie l'aide et l'erreur (aria-describedby)."""

    @property
    def groupe(self) -> str:
        return "select" if isinstance(self.field.widget, forms.Select) else "input"

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        classe = f"fr-{self.groupe}"
        if self.errors:
            classe += f" fr-{self.groupe}--error"
        attrs["class"] = f"{attrs.get('class', '')} {classe}".strip()
        return attrs


class ChampDate(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
    default_error_messages = {"invalid": "Saisissez une date valide, par exemple 25/11/2026."}

    def validate(self, valeur):
        super().validate(valeur)
        if valeur and not DATE_MIN <= valeur <= DATE_MAX:
            raise ValidationError(
                f"Saisissez une date entre le {DATE_MIN:%d/%m/%Y} et le {DATE_MAX:%d/%m/%Y}.",
                code="hors_bornes",
            )


def types_de_cible() -> list[tuple[str, str]]:
    """Les modèles du projet (ce que le journal enregistre comme cible), par libellé."""
    modeles = [m for m in apps.get_models() if m.__module__.startswith("franceservices.")]
    choix = sorted(
        ((m._meta.label, f"{m._meta.verbose_name.capitalize()} ({m._meta.label})") for m in modeles),
        key=lambda c: c[1].lower(),
    )
    return [("", "Tous"), *choix]


class FiltresJournal(forms.Form):
    bound_field_class = ChampDSFR

    evenement = forms.ChoiceField(
        label="Événement", required=False, choices=[("", "Tous"), *Evenement.choices]
    )
    acteur = forms.CharField(
        label="Acteur",
        help_text="Adresse électronique, ou une partie.",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    cible_type = forms.ChoiceField(label="Type de cible", required=False)
    cible_id = forms.CharField(label="Identifiant de la cible", required=False, max_length=60)
    du = ChampDate(label="Du", help_text="Date incluse.", required=False)
    au = ChampDate(label="Au", help_text="Date incluse.", required=False)
    ip = forms.CharField(
        label="Adresse IP",
        help_text="Adresse complète, ou son début (ex. 192.168.1.).",
        required=False,
        max_length=45,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cible_type"].choices = types_de_cible()
        for nom in ("acteur", "cible_id", "ip"):
            self.fields[nom].widget.attrs["autocomplete"] = "off"

    def clean_acteur(self):
        return self.cleaned_data["acteur"].strip()

    def clean_cible_id(self):
        return self.cleaned_data["cible_id"].strip()

    def clean_ip(self):
        ip = self.cleaned_data["ip"].strip()
        if ip and not DEBUT_D_IP.match(ip):
            raise ValidationError(
                "Saisissez une adresse IP (IPv4 ou IPv6) ou son début, par exemple 192.168.1.", code="ip"
            )
        return ip

    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("du"), donnees.get("au")
        if du and au and au < du:
            self.add_error("au", "La date de fin doit être postérieure ou égale à la date de début.")
        return donnees

    @property
    def ip_complete(self) -> bool:
        try:
            validate_ipv46_address(self.cleaned_data.get("ip", ""))
        except ValidationError:
            return False
        return True

    def valeurs(self) -> dict[str, str]:
        """Filtres valides et renseignés, en texte (pour le journal de l'export)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {nom: str(valeur) for nom, valeur in self.cleaned_data.items() if valeur not in ("", None)}


MOTIF_ANNULATION_MAX = 300


class FormulaireAnnulation(forms.Form):
    """Annulation (session de formation, événement du réseau…) : un motif communiqué aux personnes concernées
    (espaces réduits) et une case de confirmation. Les sous-classes donnent `aide_motif` et
    `libelle_confirmation`."""

    aide_motif = ""
    libelle_confirmation = "Je confirme l'annulation."

    motif = forms.CharField(
        label="Motif de l'annulation",
        max_length=MOTIF_ANNULATION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Indiquez le motif de l'annulation.",
            "max_length": f"Le motif tient en {MOTIF_ANNULATION_MAX} caractères au plus.",
        },
    )
    confirmation = forms.BooleanField(
        error_messages={"required": "Cochez la case pour confirmer l'annulation."},
    )

    def __init__(self, *args, **kwargs):
        from dsfr.utils import dsfr_input_class_attr

        super().__init__(*args, **kwargs)
        self.fields["motif"].help_text = self.aide_motif
        self.fields["confirmation"].label = self.libelle_confirmation
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def clean_motif(self):
        motif = " ".join((self.cleaned_data.get("motif") or "").split())
        if not motif:
            raise ValidationError("Indiquez le motif de l'annulation.")
        return motif
