"""Formulaires de l'équipe : filtres de la liste, invitation, acceptation d'une invitation.

Ils ne font que valider la saisie ; les choix proposés sont déjà restreints au périmètre de la personne.
"""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField

from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from .models import CHAMPS_FACULTATIFS, CHAMPS_PERIMETRE, TOUS_CHAMPS_PERIMETRE, Invitation, Role, Utilisateur

ACTIFS, DESACTIVES = "actifs", "desactives"


class ChampDSFR(BoundField):
    """Champ rendu avec les classes du DSFR ; Django ajoute aria-describedby (aide, erreur) et aria-invalid."""

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


class FormulaireDSFR(forms.Form):
    bound_field_class = ChampDSFR


class _ChoixStructure(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.nom} ({obj.departement.code})" if obj.departement_id else obj.nom


class FiltresEquipe(FormulaireDSFR):
    q = forms.CharField(
        label="Nom ou adresse électronique",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    role = forms.ChoiceField(label="Rôle", required=False)
    structure = _ChoixStructure(
        label="France services", queryset=Structure.objects.none(), required=False, empty_label="Toutes"
    )
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.none(), required=False, empty_label="Tous"
    )
    statut = forms.ChoiceField(
        label="Compte",
        required=False,
        choices=[("", "Tous"), (ACTIFS, "Actifs"), (DESACTIVES, "Désactivés")],
    )

    def __init__(self, *args, utilisateur, **kwargs):
        super().__init__(*args, **kwargs)
        perimetre = utilisateur.perimetre
        self.fields["role"].choices = [("", "Tous"), *Role.choices]
        if perimetre.national:
            # 2 800 France services : trop pour une liste ; on filtre par département.
            del self.fields["structure"]
            self.fields["departement"].queryset = Departement.objects.order_by("code")
        else:
            del self.fields["departement"]
            self.fields["structure"].queryset = (
                Structure.objects.visible_par(utilisateur).select_related("departement").order_by("nom")
            )

    def valeurs(self) -> dict:
        """Filtres valides et renseignés (pour l'export et le journal d'audit)."""
        if not self.is_valid():
            return {}
        valeurs = {}
        for nom, valeur in self.cleaned_data.items():
            if valeur in (None, ""):
                continue
            valeurs[nom] = valeur.pk if hasattr(valeur, "pk") else valeur
        return valeurs


class FormulaireInvitation(FormulaireDSFR):
    email = forms.EmailField(
        label="Adresse électronique de la personne",
        help_text="Format attendu : prenom.nom@exemple.fr. Le lien d'invitation y sera envoyé.",
        max_length=254,
    )
    role = forms.ChoiceField(
        label="Rôle", help_text="Seuls les rôles que vous pouvez accorder sont proposés."
    )
    structure = _ChoixStructure(
        label="France services",
        queryset=Structure.objects.none(),
        required=False,
        help_text="Pour un agent ou un responsable de structure.",
    )
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.none(),
        required=False,
        help_text=(
            "Pour un animateur, un coordinateur préfecture ou un référent partenaire "
            "(vide pour un référent national du partenaire)."
        ),
    )
    partenaire = forms.ModelChoiceField(
        label="Partenaire",
        queryset=Partenaire.objects.none(),
        required=False,
        help_text="Pour un référent partenaire.",
    )
    lieu_mediation = forms.ModelChoiceField(
        label="Lieu de médiation numérique",
        queryset=LieuMediation.objects.none(),
        required=False,
        help_text="Pour un conseiller numérique.",
    )

    def __init__(self, *args, utilisateur, **kwargs):
        super().__init__(*args, **kwargs)
        self.utilisateur = utilisateur
        perimetre = utilisateur.perimetre
        roles = perimetre.roles_invitables()
        self.fields["role"].choices = [
            ("", "Choisir un rôle"),
            *[(r.value, r.label) for r in Role if r in roles],
        ]
        if perimetre.national:
            self.fields["structure"] = forms.ModelChoiceField(
                label="France services (identifiant)",
                queryset=Structure.objects.all(),
                to_field_name="id_fs",
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                help_text="Pour un agent ou un responsable : l'identifiant France services (id_fs) de la structure.",
                error_messages={"invalid_choice": "Aucune France services n'a cet identifiant."},
            )
            self.fields["departement"].queryset = Departement.objects.order_by("code")
            self.fields["partenaire"].queryset = Partenaire.objects.order_by("nom_court")
            self.fields["lieu_mediation"].queryset = LieuMediation.objects.order_by("nom")
        else:
            # Les structures dont la personne gère l'équipe, parmi celles qu'elle voit.
            structures = Structure.objects.visible_par(utilisateur).select_related("departement")
            self.fields["structure"].queryset = structures.filter(
                pk__in=perimetre.structures_responsable
            ) | structures.filter(departement_id__in=perimetre.departements_animateur)
            self.fields["structure"].queryset = self.fields["structure"].queryset.order_by("nom")
            for champ in ("departement", "partenaire", "lieu_mediation"):
                del self.fields[champ]
            if len(self.fields["structure"].queryset) == 1:
                self.fields["structure"].initial = self.fields["structure"].queryset[0].pk

    def clean(self):
        donnees = super().clean()
        role = donnees.get("role")
        if not role:
            return donnees
        attendus = CHAMPS_PERIMETRE[Role(role)]
        libelle = Role(role).label
        for champ in TOUS_CHAMPS_PERIMETRE:
            if champ not in self.fields:
                continue
            valeur = donnees.get(champ)
            facultatif = champ in CHAMPS_FACULTATIFS.get(Role(role), set())
            if champ in attendus and valeur is None and champ not in self.errors and not facultatif:
                self.add_error(champ, f"Le rôle « {libelle} » demande ce champ : choisissez-en un.")
            elif champ not in attendus and valeur is not None:
                self.add_error(champ, f"Le rôle « {libelle} » ne porte pas sur ce champ : laissez-le vide.")
        if self.errors:
            return donnees
        promesse = Invitation(role=role, **{c: donnees.get(c) for c in TOUS_CHAMPS_PERIMETRE})
        if not self.utilisateur.perimetre.peut_accorder(promesse):
            raise ValidationError(
                f"Vous ne pouvez pas inviter un(e) « {libelle} » sur ce périmètre.", code="hors_perimetre"
            )
        return donnees

    def perimetre(self) -> dict:
        return {c: self.cleaned_data.get(c) for c in TOUS_CHAMPS_PERIMETRE if self.cleaned_data.get(c)}


class FormulaireNouveauCompte(FormulaireDSFR):
    prenom = forms.CharField(
        label="Prénom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    nom = forms.CharField(
        label="Nom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    mot_de_passe = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères, ni trop courant, ni uniquement des chiffres, ni proche de votre nom.",
    )
    confirmation = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Saisissez le même mot de passe.",
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        donnees = super().clean()
        mot_de_passe, confirmation = donnees.get("mot_de_passe"), donnees.get("confirmation")
        if mot_de_passe and confirmation and mot_de_passe != confirmation:
            self.add_error("confirmation", "Les deux mots de passe ne correspondent pas.")
        if mot_de_passe and "mot_de_passe" not in self.errors:
            futur = Utilisateur(
                email=self.email, first_name=donnees.get("prenom", ""), last_name=donnees.get("nom", "")
            )
            try:
                password_validation.validate_password(mot_de_passe, futur)
            except ValidationError as erreur:
                self.add_error("mot_de_passe", erreur)
        return donnees


class FormulaireCompteExistant(FormulaireDSFR):
    """Accepter avec un compte existant, sans être connecté : son mot de passe le prouve."""

    mot_de_passe = forms.CharField(
        label="Mot de passe de votre compte",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, utilisateur, **kwargs):
        super().__init__(*args, **kwargs)
        self.utilisateur = utilisateur

    def clean_mot_de_passe(self):
        mot_de_passe = self.cleaned_data["mot_de_passe"]
        if not self.utilisateur.check_password(mot_de_passe):
            raise ValidationError("Mot de passe incorrect.")
        return mot_de_passe
