"""Formulaires des orientations et du diagnostic (validation seule)."""

from django import forms
from django.core.exceptions import ValidationError

from franceservices.activite.forms import resoudre_commune
from franceservices.activite.models import Autonomie
from franceservices.core.telephone import normaliser_telephone

from . import diagnostic
from .models import Besoin, Etat

VIDE = [("", "—")]


def _classes(form):
    for champ in form.fields.values():
        widget = champ.widget
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.HiddenInput)):
            continue
        classe = "fr-select" if isinstance(widget, forms.Select) else "fr-input"
        widget.attrs.setdefault("class", classe)


class Formulaire(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _classes(self)


class RechercheForm(Formulaire):
    """Étape 1 (GET) : d'où oriente-t-on, près de quelle commune."""

    depuis = forms.TypedChoiceField(label="Depuis", coerce=int, required=False)
    commune = forms.CharField(
        label="Commune de l'usager",
        help_text="Facultatif : code postal, code INSEE ou nom. Sinon, près de votre lieu.",
        max_length=100,
        required=False,
    )

    def __init__(self, *args, origines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depuis"].choices = [(o.pk, o.nom) for o in origines]
        self.origines = {o.pk: o for o in origines}

    def clean_depuis(self):
        pk = self.cleaned_data.get("depuis")
        if pk in (None, ""):
            return next(iter(self.origines.values()))
        return self.origines[pk]

    def clean_commune(self):
        texte = self.cleaned_data.get("commune", "")
        pk, erreur = resoudre_commune(texte)
        if erreur:
            raise ValidationError(erreur)
        return pk


class OrientationForm(Formulaire):
    destinataire = forms.TypedChoiceField(
        label="Destinataire",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le destinataire.",
            "invalid_choice": "Choisissez un destinataire de la liste.",
        },
    )
    besoin = forms.ChoiceField(
        label="Besoin de l'usager",
        choices=VIDE + Besoin.choices,
        error_messages={"required": "Choisissez le besoin."},
    )
    precision = forms.CharField(
        label="Précision",
        max_length=200,
        required=False,
        help_text="Courte, sans donnée sensible (200 caractères).",
    )
    prenom = forms.CharField(label="Prénom ou initiales", max_length=60, required=False)
    telephone = forms.CharField(label="Téléphone", max_length=30, required=False)
    courriel = forms.EmailField(
        label="Courriel",
        max_length=254,
        required=False,
        error_messages={"invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."},
    )
    autonomie = forms.ChoiceField(
        label="Autonomie numérique (diagnostic)", choices=VIDE + Autonomie.choices, required=False
    )
    consentement = forms.BooleanField(
        label="L'usager a lu (ou s'est fait lire) le texte ci-dessus et accepte la transmission",
        required=True,
        error_messages={"required": "Le consentement de l'usager est obligatoire pour l'orienter."},
    )

    def __init__(self, *args, destinataires=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destinataire"].choices = [
            (d.pk, f"{d.nom}" + (f" — {km:.1f} km".replace(".", ",") if km is not None else ""))
            for d, km in destinataires
        ]
        self.destinataires = {d.pk: d for d, _ in destinataires}

    def clean_destinataire(self):
        return self.destinataires[self.cleaned_data["destinataire"]]

    def clean_telephone(self):
        texte = self.cleaned_data.get("telephone", "").strip()
        return normaliser_telephone(texte) if texte else ""

    def clean(self):
        donnees = super().clean()
        if not self.errors and not (donnees.get("telephone") or donnees.get("courriel")):
            raise ValidationError("Indiquez un téléphone ou un courriel pour que l'usager soit recontacté.")
        return donnees


class EtatForm(Formulaire):
    etat = forms.ChoiceField(choices=Etat.choices, widget=forms.HiddenInput)
    motif = forms.CharField(label="Motif du refus", max_length=300, required=False)
    creneau_le = forms.DateTimeField(
        label="Date et heure du créneau",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Saisissez une date et une heure valides, par exemple 12/01/2027 14:30."},
    )
    creneau_lieu = forms.CharField(label="Lieu du créneau", max_length=200, required=False)


class FiltreForm(Formulaire):
    etat = forms.ChoiceField(label="État", choices=[("", "Tous"), *Etat.choices], required=False)
    boite = forms.ChoiceField(
        label="Orientations",
        choices=[("", "Reçues et envoyées"), ("recues", "Reçues"), ("envoyees", "Envoyées")],
        required=False,
    )


class DiagnosticForm(Formulaire):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, libelle in diagnostic.QUESTIONS:
            self.fields[code] = forms.ChoiceField(
                label=libelle,
                choices=diagnostic.REPONSES,
                widget=forms.RadioSelect,
                error_messages={"required": "Choisissez une réponse."},
            )
