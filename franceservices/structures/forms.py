from datetime import datetime

from django import forms
from django.utils import timezone

from franceservices.ui.forms import FormulaireDsfr


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

    def clean(self):
        donnees = super().clean()
        sans_position = donnees.get("lat") is None or donnees.get("lon") is None
        if not donnees.get("q") and sans_position and not self.errors:
            self.add_error("q", "Indiquez une commune, un code postal ou utilisez votre position.")
        if donnees.get("heure") and not donnees.get("jour"):
            self.add_error("jour", "Indiquez le jour pour filtrer sur une heure d'ouverture.")
        return donnees

    def ouvert_le(self) -> datetime | None:
        jour, heure = self.cleaned_data.get("jour"), self.cleaned_data.get("heure")
        if not jour:
            return None
        return timezone.make_aware(datetime.combine(jour, heure or datetime.min.time().replace(hour=10)))
