from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from franceservices.structures.models import Format

from .models import COMMENTAIRE_OBLIGATOIRE, Critere, Etat, Mode
from .regles import PARAMETRES, Regle, defauts, valider_parametres


def _champ_parametre(p):
    messages = {
        "required": f"Indiquez : {p.libelle.lower()}.",
        "invalid": f"{p.libelle} : un nombre {'entier ' if p.entier else ''}est attendu.",
        "min_value": f"{p.libelle} : au moins {p.minimum:g}.",
        "max_value": f"{p.libelle} : au plus {p.maximum:g}.",
    }
    if p.entier:
        champ = forms.IntegerField(
            label=p.libelle, min_value=int(p.minimum), max_value=int(p.maximum), error_messages=messages
        )
    else:
        messages["max_decimal_places"] = f"{p.libelle} : deux décimales au plus."
        champ = forms.DecimalField(
            label=p.libelle,
            min_value=p.minimum,
            max_value=p.maximum,
            decimal_places=2,
            error_messages=messages,
        )
    champ.help_text = p.aide
    champ.widget.attrs["inputmode"] = "numeric" if p.entier else "decimal"
    return champ


class CritereForm(forms.ModelForm):
    """Modification d'un critère : libellé, aide, formats, ordre et les paramètres de sa règle (un champ par
    paramètre, bornes de `regles.PARAMETRES`). La règle et le mode ne changent pas (autre critère sinon)."""

    formats = forms.MultipleChoiceField(
        label="Formats concernés",
        choices=Format.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucun coché : tous les formats.",
    )

    class Meta:
        model = Critere
        fields = ["libelle", "description", "formats", "ordre"]
        error_messages = {"libelle": {"required": "Donnez un libellé au critère."}}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ordre"].error_messages.update(
            {"invalid": "L'ordre est un nombre entier.", "min_value": "L'ordre est un nombre positif."}
        )
        self.noms_parametres = []
        if self.instance.calcule:
            for p in PARAMETRES.get(self.instance.regle, ()):
                nom = f"p_{p.nom}"
                self.fields[nom] = _champ_parametre(p)
                self.fields[nom].initial = self.instance.parametres.get(p.nom, p.defaut)
                self.noms_parametres.append(nom)

    def clean(self):
        donnees = super().clean()
        if self.instance.calcule and not any(n in self.errors for n in self.noms_parametres):
            valeurs = {}
            for p in PARAMETRES.get(self.instance.regle, ()):
                v = donnees.get(f"p_{p.nom}")
                valeurs[p.nom] = int(v) if p.entier else float(v)
            try:
                self.instance.parametres = valider_parametres(self.instance.regle, valeurs)
            except ValidationError as e:
                raise ValidationError(e.message_dict.get("parametres", e.messages)) from e
        return donnees


class NouveauCritereForm(forms.ModelForm):
    formats = forms.MultipleChoiceField(
        label="Formats concernés",
        choices=Format.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucun coché : tous les formats.",
    )
    regle = forms.ChoiceField(
        label="Règle de calcul",
        choices=[("", "— (critère constaté à l'audit)"), *Regle.choices],
        required=False,
        help_text="Seulement pour un critère calculé ; ses seuils se règlent ensuite.",
    )

    class Meta:
        model = Critere
        fields = ["code", "libelle", "description", "mode", "regle", "formats", "ordre"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "mode": forms.RadioSelect}
        error_messages = {
            "code": {
                "required": "Donnez un code (lettres minuscules, chiffres et tirets).",
                "invalid": "Le code ne contient que des lettres minuscules sans accent, des chiffres et des tirets.",
                "unique": "Un critère porte déjà ce code.",
            },
            "libelle": {"required": "Donnez un libellé au critère."},
        }
        help_texts = {"code": "Identifiant stable, par exemple « accueil-telephonique »."}

    def clean(self):
        donnees = super().clean()
        mode, regle = donnees.get("mode"), donnees.get("regle")
        if mode == Mode.CALCULE and not regle:
            self.add_error("regle", "Choisissez la règle de calcul d'un critère calculé.")
        elif mode == Mode.CONSTATE and regle:
            self.add_error("regle", "Un critère constaté à l'audit n'a pas de règle de calcul.")
        elif mode == Mode.CALCULE:
            self.instance.parametres = defauts(regle)
        return donnees


class ReglageForm(forms.Form):
    duree_mois = forms.IntegerField(
        label="Durée entre deux audits (mois)",
        min_value=1,
        max_value=120,
        error_messages={
            "required": "Indiquez la durée entre deux audits.",
            "invalid": "La durée est un nombre entier de mois.",
            "min_value": "Au moins 1 mois.",
            "max_value": "Au plus 120 mois.",
        },
    )
    preavis_jours = forms.IntegerField(
        label="Préavis des rappels d'audit (jours)",
        min_value=1,
        max_value=365,
        error_messages={
            "required": "Indiquez le préavis.",
            "invalid": "Le préavis est un nombre entier de jours.",
            "min_value": "Au moins 1 jour.",
            "max_value": "Au plus 365 jours.",
        },
    )


class ConstatForm(forms.Form):
    critere = forms.ModelChoiceField(
        label="Critère",
        queryset=Critere.objects.none(),
        error_messages={
            "required": "Choisissez le critère constaté.",
            "invalid_choice": "Ce critère n'est pas constaté à l'audit.",
        },
    )
    conforme = forms.TypedChoiceField(
        label="Constat",
        choices=[("oui", "Conforme"), ("non", "Non conforme")],
        coerce=lambda v: v == "oui",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez si le critère est conforme.",
            "invalid_choice": "Réponse inconnue.",
        },
    )
    date = forms.DateField(
        label="Constaté le",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date du constat.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )
    commentaire = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire si le critère n'est pas conforme.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["critere"].queryset = Critere.objects.filter(mode=Mode.CONSTATE, actif=True).order_by(
            "ordre", "code"
        )
        self.fields["date"].initial = timezone.localdate()

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError("La date du constat ne peut pas être dans le futur.")
        return date

    def clean(self):
        donnees = super().clean()
        if donnees.get("conforme") is False and not (donnees.get("commentaire") or "").strip():
            self.add_error("commentaire", "Décrivez ce qui n'est pas conforme.")
        return donnees


class TransitionForm(forms.Form):
    vers = forms.ChoiceField(
        label="Nouvelle étape",
        error_messages={
            "required": "Choisissez l'étape.",
            "invalid_choice": "Cette étape n'est pas possible depuis l'état actuel.",
        },
    )
    date_effet = forms.DateField(
        label="Date d'effet",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date d'effet.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )
    commentaire = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour refuser, demander un plan correctif, suspendre ou retirer.",
    )

    def __init__(self, *args, permises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vers"].choices = [("", "— Choisir —")] + [(e, Etat(e).label) for e in permises]
        self.fields["date_effet"].initial = timezone.localdate()

    def clean_date_effet(self):
        date = self.cleaned_data["date_effet"]
        if date > timezone.localdate():
            raise ValidationError("La date d'effet ne peut pas être dans le futur.")
        return date

    def clean(self):
        donnees = super().clean()
        if donnees.get("vers") in COMMENTAIRE_OBLIGATOIRE and not (donnees.get("commentaire") or "").strip():
            self.add_error(
                "commentaire", "Un commentaire est obligatoire pour cette décision : indiquez le motif."
            )
        return donnees
