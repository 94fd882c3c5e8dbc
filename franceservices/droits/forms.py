"""Questionnaire guidé de l'estimation : validations claires (revenus négatifs, âges impossibles, loyer sans
location, conjoint sans couple…). Aucune saisie n'est enregistrée ; voir `enregistrement` pour le consentement."""

from django import forms

from franceservices.escalades.forms import FormulaireDsfr
from franceservices.territoires.models import Departement

from .situation import STATUTS_LOCATAIRE, STATUTS_LOGEMENT, ZONES, Questionnaire

AGE_MIN, AGE_MAX = 16, 120
ENFANTS_MAX, AGE_ENFANT_MAX = 10, 24
MONTANT_MAX = 100_000


def _montant(label, aide):
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_value=MONTANT_MAX, decimal_places=2, help_text=aide, localize=True,
        error_messages={
            "min_value": "Un montant ne peut pas être négatif.",
            "max_value": f"Montant trop élevé (au plus {MONTANT_MAX:,} €).".replace(",", " "),
            "invalid": "Saisissez un montant en euros, par exemple 1500 ou 1500,50.",
        },
    )  # fmt: skip


def _age(label, requis):
    return forms.IntegerField(
        label=label, required=requis, min_value=AGE_MIN, max_value=AGE_MAX,
        error_messages={
            "required": "Indiquez l'âge.",
            "min_value": f"Âge impossible : l'estimation concerne des adultes d'au moins {AGE_MIN} ans.",
            "max_value": f"Âge impossible : au plus {AGE_MAX} ans.",
            "invalid": "Saisissez un âge en années (nombre entier).",
        },
    )  # fmt: skip


class QuestionnaireForm(FormulaireDsfr):
    age = _age("Âge de l'usager", True)
    salaire_brut = _montant(
        "Salaire brut mensuel de l'usager (€)",
        "Le montant BRUT (avant cotisations), indiqué en haut de la fiche de paie — pas le net. Laisser vide si aucun.",
    )
    en_couple = forms.TypedChoiceField(
        label="Situation du foyer", choices=[("non", "Vit seul(e)"), ("oui", "En couple")],
        widget=forms.RadioSelect, coerce=lambda v: v == "oui", initial="non",
        error_messages={"required": "Indiquez si l'usager vit seul ou en couple."},
    )  # fmt: skip
    age_conjoint = _age("Âge du conjoint", False)
    salaire_brut_conjoint = _montant(
        "Salaire brut mensuel du conjoint (€)", "Brut, pas net. Laisser vide si aucun."
    )
    ages_enfants = forms.CharField(
        label="Âges des enfants à charge", required=False, max_length=60,
        help_text="Séparés par des virgules, par exemple : 3, 7, 12. Laisser vide si aucun enfant.",
    )  # fmt: skip
    logement = forms.ChoiceField(label="Logement", choices=STATUTS_LOGEMENT, initial="locataire_vide")
    loyer = _montant("Loyer mensuel hors charges (€)", "Seulement pour un logement loué.")
    zone = forms.ChoiceField(label="Zone du logement", choices=ZONES, initial="zone_3")
    departement = forms.ModelChoiceField(
        label="Département de résidence", queryset=Departement.objects.none(), required=False,
        to_field_name="code", empty_label="— Non précisé —",
        help_text="Facultatif ; demandé si l'usager accepte l'enregistrement anonymisé.",
    )  # fmt: skip
    consentement = forms.BooleanField(
        label="L'usager accepte un enregistrement anonymisé de cette estimation",
        required=False,
        help_text="Sans cet accord, rien n'est enregistré. Avec : tranches d'âge et de revenus, composition du "
        "foyer, logement, département et montants arrondis — aucun nom ni montant exact.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = Departement.objects.order_by("code")
        self.fields["departement"].label_from_instance = lambda d: f"{d.code} — {d.nom}"

    def clean_ages_enfants(self):
        texte = self.cleaned_data["ages_enfants"].replace(";", ",").strip()
        if not texte:
            return ()
        ages = []
        for morceau in (m.strip() for m in texte.split(",")):
            if not morceau.isdigit():
                raise forms.ValidationError(
                    f"« {morceau} » n'est pas un âge : saisissez des nombres entiers séparés par des virgules."
                )
            age = int(morceau)
            if age > AGE_ENFANT_MAX:
                raise forms.ValidationError(
                    f"Âge impossible pour un enfant à charge : {age} ans (au plus {AGE_ENFANT_MAX} ans)."
                )
            ages.append(age)
        if len(ages) > ENFANTS_MAX:
            raise forms.ValidationError(f"Au plus {ENFANTS_MAX} enfants.")
        return tuple(ages)

    def clean(self):
        donnees = super().clean()
        en_couple = donnees.get("en_couple")
        if en_couple and donnees.get("age_conjoint") is None and "age_conjoint" not in self.errors:
            self.add_error("age_conjoint", "Indiquez l'âge du conjoint (situation « en couple »).")
        if en_couple is False:
            if donnees.get("age_conjoint") is not None:
                self.add_error(
                    "age_conjoint", "Âge du conjoint saisi alors que l'usager vit seul : effacez-le."
                )
            if donnees.get("salaire_brut_conjoint"):
                self.add_error(
                    "salaire_brut_conjoint",
                    "Salaire du conjoint saisi alors que l'usager vit seul : effacez-le.",
                )
        logement, loyer = donnees.get("logement"), donnees.get("loyer")
        if logement in STATUTS_LOCATAIRE and not loyer and "loyer" not in self.errors:
            self.add_error(
                "loyer", "Indiquez le loyer mensuel : il est nécessaire pour estimer l'aide au logement."
            )
        if logement and logement not in STATUTS_LOCATAIRE and loyer:
            self.add_error(
                "loyer",
                "Un loyer n'est demandé que pour un logement loué : effacez-le ou changez le logement.",
            )
        if (
            donnees.get("consentement")
            and not donnees.get("departement")
            and "departement" not in self.errors
        ):
            self.add_error("departement", "Indiquez le département pour l'enregistrement anonymisé.")
        return donnees

    def questionnaire(self) -> Questionnaire:
        d = self.cleaned_data
        return Questionnaire(
            age=d["age"],
            salaire_brut=float(d.get("salaire_brut") or 0),
            en_couple=bool(d["en_couple"]),
            age_conjoint=d.get("age_conjoint"),
            salaire_brut_conjoint=float(d.get("salaire_brut_conjoint") or 0),
            ages_enfants=d["ages_enfants"],
            logement=d["logement"],
            loyer=float(d.get("loyer") or 0),
            zone=d["zone"],
        )
