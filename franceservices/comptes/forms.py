"""Formulaires de connexion, de mot de passe et de second facteur (validation de la saisie seulement)."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.forms.boundfield import BoundField

from .models import normaliser_email

# Bornes de saisie : au-delà, la saisie est refusée avant toute requête en base ou tout hachage.
LONGUEUR_EMAIL = 254
LONGUEUR_MOT_DE_PASSE = 256


class ChampDsfr(BoundField):
    """Champ rendu avec les classes du DSFR (les liens aria-describedby vers l'aide et l'erreur sont ceux
    de Django : `<id>_helptext`, `<id>_error`)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        classes = ["fr-input"]
        if self.errors:
            classes.append("fr-input--error")
        attrs["class"] = " ".join(classes)
        return attrs


class FormulaireDsfr(forms.Form):
    bound_field_class = ChampDsfr


class FormulaireConnexion(FormulaireDsfr):
    # « username » : le nom que django-axes lit pour compter les échecs par adresse.
    username = forms.EmailField(
        label="Adresse électronique",
        help_text="Format attendu : nom@domaine.fr",
        max_length=LONGUEUR_EMAIL,
        error_messages={
            "required": "Saisissez votre adresse électronique.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        max_length=LONGUEUR_MOT_DE_PASSE,
        strip=False,
        error_messages={"required": "Saisissez votre mot de passe."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self):
        return normaliser_email(self.cleaned_data["username"])


class FormulaireMotDePasseOublie(PasswordResetForm):
    bound_field_class = ChampDsfr

    email = forms.EmailField(
        label="Adresse électronique",
        help_text="L'adresse de votre compte. Format attendu : nom@domaine.fr",
        max_length=LONGUEUR_EMAIL,
        error_messages={
            "required": "Saisissez votre adresse électronique.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_email(self):
        return normaliser_email(self.cleaned_data["email"])

    def get_users(self, email):
        """Comptes actifs seulement (un compte désactivé ne peut pas revenir par ce chemin)."""
        return (u for u in super().get_users(normaliser_email(email)) if u.is_active)


class _MotsDePasseFrancais:
    """Libellés et aides en français pour les deux champs « nouveau mot de passe »."""

    bound_field_class = ChampDsfr

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password1"].help_text = (
            "Au moins 12 caractères, ni trop courant, ni uniquement des chiffres, ni proche de votre nom "
            "ou de votre adresse."
        )
        self.fields["new_password2"].label = "Confirmez le nouveau mot de passe"
        self.fields["new_password2"].help_text = "Saisissez-le une seconde fois."
        for nom in ("new_password1", "new_password2"):
            self.fields[nom].max_length = LONGUEUR_MOT_DE_PASSE
            self.fields[nom].widget.attrs["maxlength"] = str(LONGUEUR_MOT_DE_PASSE)
            self.fields[nom].validators.append(MaxLengthValidator(LONGUEUR_MOT_DE_PASSE))
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "Les deux mots de passe ne sont pas identiques.",
        }


class FormulaireNouveauMotDePasse(_MotsDePasseFrancais, SetPasswordForm):
    pass


class FormulaireChangementMotDePasse(_MotsDePasseFrancais, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.fields["old_password"].max_length = LONGUEUR_MOT_DE_PASSE
        self.fields["old_password"].validators.append(MaxLengthValidator(LONGUEUR_MOT_DE_PASSE))
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "Votre mot de passe actuel est incorrect. Saisissez-le à nouveau.",
        }


class FormulaireCode(FormulaireDsfr):
    code = forms.CharField(
        label="Code à 6 chiffres",
        help_text="Le code affiché par votre application d'authentification ; il change toutes les 30 secondes.",
        max_length=12,
        error_messages={
            "required": "Saisissez le code affiché par votre application.",
            "max_length": "Le code compte 6 chiffres.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError("Le code compte exactement 6 chiffres, par exemple 123456.")
        return code
