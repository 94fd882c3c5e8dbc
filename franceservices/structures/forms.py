from datetime import datetime

from django import forms
from django.utils import timezone

from franceservices.ui.forms import FormulaireDsfr

ANNEE_MIN, ANNEE_MAX = 1900, 2100  # bornes du filtre « Ouvert le »


class RechercheForm(FormulaireDsfr):
    q = forms.CharField(
        label="Votre commune, code postal ou code INSEE",
        help_text="Par exemple : Laval, 53000 ou Saint-Étienne.",
        max_length=100,
        required=False,
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    jour = forms.DateField(label="Ouvert le", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    heure = forms.TimeField(label="à", required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean_jour(self):
        jour = self.cleaned_data.get("jour")
        # Hors de ces bornes, la conversion vers le fuseau d'un lieu sortirait des dates représentables.
        if jour is not None and not ANNEE_MIN <= jour.year <= ANNEE_MAX:
            raise forms.ValidationError(f"Indiquez une date comprise entre {ANNEE_MIN} et {ANNEE_MAX}.")
        return jour

    def clean(self):
        donnees = super().clean()
        sans_position = donnees.get("lat") is None or donnees.get("lon") is None
        if not donnees.get("q") and sans_position and not self.errors:
            self.add_error("q", "Indiquez une commune, un code postal ou utilisez votre position.")
        elif not donnees.get("q") and ("lat" in self.errors or "lon" in self.errors):
            # lat et lon sont des champs cachés : leur erreur ne serait pas affichée.
            self.add_error(
                "q", "Votre position n'a pas pu être lue : indiquez une commune ou un code postal."
            )
        if donnees.get("heure") and not donnees.get("jour"):
            self.add_error("jour", "Indiquez le jour pour filtrer sur une heure d'ouverture.")
        return donnees

    def ouvert_le(self) -> datetime | None:
        jour, heure = self.cleaned_data.get("jour"), self.cleaned_data.get("heure")
        if not jour:
            return None
        return timezone.make_aware(datetime.combine(jour, heure or datetime.min.time().replace(hour=10)))
