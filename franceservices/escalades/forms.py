"""Formulaires des escalades (validation seulement) : ouverture avec champs du partenaire, consentement et
pièces ; message du fil ; changement de statut ; filtres de la boîte des référents."""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from franceservices.activite.models import Demarche
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from .fichiers import ACCEPT, PIECES_MAX, valider_pieces
from .models import MotifRejet, Statut

TYPES_CHAMP = {"texte", "nombre", "date", "choix", "identifiant"}
CODE_CHAMP = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

CATEGORIES = [
    ("identite", "Identité (nom, prénom, date de naissance)"),
    ("situation", "Situation et description du dossier"),
    ("champs", "Informations demandées par le partenaire"),
    ("pieces", "Pièces justificatives jointes"),
]
MODES = [("oral", "Oral, au guichet"), ("ecrit", "Écrit (formulaire signé)")]


def verifier_champs(champs) -> list[dict]:
    """Vérifie la définition des champs d'un `Formulaire` ; lève une ValidationError qui dit quoi corriger."""
    if not isinstance(champs, list):
        raise ValidationError("Les champs doivent former une liste JSON d'objets.")
    erreurs, codes = [], set()
    for i, champ in enumerate(champs, start=1):
        if not isinstance(champ, dict):
            erreurs.append(f"Champ n° {i} : un objet JSON est attendu.")
            continue
        code = champ.get("code")
        if not isinstance(code, str) or not CODE_CHAMP.match(code):
            erreurs.append(f"Champ n° {i} : « code » manquant ou invalide (minuscules, chiffres, _).")
        elif code in codes:
            erreurs.append(f"Champ n° {i} : le code « {code} » est en double.")
        else:
            codes.add(code)
        if not isinstance(champ.get("libelle"), str) or not champ["libelle"].strip():
            erreurs.append(f"Champ n° {i} : « libelle » manquant.")
        if champ.get("type") not in TYPES_CHAMP:
            erreurs.append(f"Champ n° {i} : « type » doit valoir {', '.join(sorted(TYPES_CHAMP))}.")
        if champ.get("type") == "choix":
            choix = champ.get("choix")
            if not isinstance(choix, list) or not choix or not all(isinstance(c, str) and c for c in choix):
                erreurs.append(f"Champ n° {i} : « choix » doit être une liste non vide de libellés.")
        elif "choix" in champ:
            erreurs.append(f"Champ n° {i} : « choix » ne vaut que pour le type choix.")
        for booleen in ("obligatoire", "personnel"):
            if booleen in champ and not isinstance(champ[booleen], bool):
                erreurs.append(f"Champ n° {i} : « {booleen} » doit valoir true ou false.")
        if "aide" in champ and not isinstance(champ["aide"], str):
            erreurs.append(f"Champ n° {i} : « aide » doit être un texte.")
        inconnues = set(champ) - {"code", "libelle", "type", "obligatoire", "aide", "choix", "personnel"}
        if inconnues:
            erreurs.append(f"Champ n° {i} : clés inconnues {', '.join(sorted(inconnues))}.")
    if erreurs:
        raise ValidationError(erreurs)
    return champs


def _champ_django(spec: dict) -> forms.Field:
    commun = {
        "label": spec["libelle"],
        "required": bool(spec.get("obligatoire")),
        "help_text": spec.get("aide", ""),
    }
    type_ = spec["type"]
    if type_ == "nombre":
        return forms.DecimalField(max_digits=14, decimal_places=2, **commun)
    if type_ == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **commun)
    if type_ == "choix":
        return forms.ChoiceField(choices=[("", "Choisir")] + [(c, c) for c in spec["choix"]], **commun)
    if type_ == "identifiant":
        return forms.CharField(
            max_length=50,
            validators=[
                RegexValidator(
                    r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$",
                    "Un identifiant ne contient que des lettres, des chiffres, des espaces, « . _ / - ».",
                )
            ],
            **commun,
        )
    return forms.CharField(max_length=300, **commun)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PiecesField(forms.FileField):
    """Plusieurs fichiers ; validés par le contenu (fichiers.valider_pieces) : une liste de PieceValide."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            f"PDF, PNG, JPEG, ODT ou DOCX ; {PIECES_MAX} fichiers au plus. Le contenu des fichiers est vérifié.",
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        fichiers = data if isinstance(data, list | tuple) else ([data] if data else [])
        return valider_pieces(fichiers)

    def bound_data(self, data, initial):
        return None

    def has_changed(self, initial, data):
        return bool(data)


def _classes_dsfr(form) -> None:
    """Classes DSFR des widgets (fr-input, fr-select) ; les cases, boutons radio et fichiers ont leur gabarit."""
    for champ in form.fields.values():
        widget = champ.widget
        if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "fr-select")
        elif isinstance(widget, forms.FileInput):
            widget.attrs.setdefault("class", "fr-upload")
        elif not isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs.setdefault("class", "fr-input")


class FormulaireDsfr(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _classes_dsfr(self)


def _prefixe(code: str) -> str:
    return f"champ_{code}"


class EscaladeForm(FormulaireDsfr):
    structure = forms.ModelChoiceField(queryset=Structure.objects.none(), label="France services")
    demarche = forms.ModelChoiceField(
        queryset=Demarche.objects.none(),
        required=False,
        label="Démarche concernée",
        empty_label="Aucune démarche en particulier",
    )
    objet = forms.CharField(label="Objet", max_length=200, help_text="En une ligne, ce qui bloque.")
    description = forms.CharField(
        label="Description",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Ce qui a été fait au guichet et ce qui est attendu du partenaire.",
    )
    consentement = forms.BooleanField(
        required=False,
        label="L'usager a donné son accord au partage de ses données avec le partenaire",
        help_text="Sans cet accord, ni son identité, ni les informations personnelles, ni les pièces ne sont "
        "envoyées.",
    )
    consentement_usager = forms.CharField(
        required=False, max_length=300, label="Nom et prénom de l'usager qui a donné son accord"
    )
    donnees_partagees = forms.MultipleChoiceField(
        required=False,
        choices=CATEGORIES,
        widget=forms.CheckboxSelectMultiple,
        label="Données que l'usager accepte de partager",
    )
    mode = forms.ChoiceField(
        choices=MODES, initial="oral", widget=forms.RadioSelect, label="Accord recueilli"
    )
    usager_nom = forms.CharField(required=False, max_length=150, label="Nom de l'usager")
    usager_prenom = forms.CharField(required=False, max_length=150, label="Prénom de l'usager")
    usager_date_naissance = forms.DateField(
        required=False,
        label="Date de naissance de l'usager",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    pieces = PiecesField(label="Pièces jointes")

    def __init__(self, *args, structures, partenaire, formulaire=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.partenaire = partenaire
        self.fields["structure"].queryset = Structure.objects.filter(pk__in=[s.pk for s in structures])
        self.structure_unique = structures[0] if len(structures) == 1 else None
        if self.structure_unique is not None:
            self.fields["structure"].initial = self.structure_unique.pk
            self.fields["structure"].widget = forms.HiddenInput()
            self.fields["structure"].required = False
        self.fields["demarche"].queryset = Demarche.objects.filter(partenaire=partenaire).order_by("libelle")
        self.fields[
            "consentement"
        ].label = f"L'usager a donné son accord au partage de ses données avec {partenaire.nom_court}"
        self.specs = list(formulaire.champs) if formulaire is not None else []
        for spec in self.specs:
            self.fields[_prefixe(spec["code"])] = _champ_django(spec)
        _classes_dsfr(self)

    def champs_du_partenaire(self):
        return [self[_prefixe(spec["code"])] for spec in self.specs]

    def clean_structure(self):
        # Une seule France services : c'est la sienne, quel que soit le champ caché.
        return self.structure_unique or self.cleaned_data.get("structure")

    def clean_usager_date_naissance(self):
        jour = self.cleaned_data.get("usager_date_naissance")
        if jour and not (date(1900, 1, 1) <= jour <= date.today()):
            raise ValidationError("Indiquez une date de naissance passée (après 1900).")
        return jour

    def clean(self):
        donnees = super().clean()
        identite = any(donnees.get(c) for c in ("usager_nom", "usager_prenom", "usager_date_naissance"))
        personnels = [
            _prefixe(s["code"])
            for s in self.specs
            if s.get("personnel") and donnees.get(_prefixe(s["code"])) not in (None, "")
        ]
        pieces = donnees.get("pieces") or []
        if donnees.get("consentement"):
            if not (donnees.get("consentement_usager") or "").strip():
                self.add_error("consentement_usager", "Indiquez qui a donné son accord.")
            categories = set(donnees.get("donnees_partagees") or [])
            if not categories:
                self.add_error("donnees_partagees", "Cochez au moins une catégorie de données partagées.")
            else:
                if identite and "identite" not in categories:
                    self.add_error("donnees_partagees", "L'usager n'a pas accepté de partager son identité.")
                if personnels and "champs" not in categories:
                    self.add_error(
                        "donnees_partagees",
                        "L'usager n'a pas accepté de partager les informations demandées par le partenaire.",
                    )
                if pieces and "pieces" not in categories:
                    self.add_error("donnees_partagees", "L'usager n'a pas accepté de partager des pièces.")
        else:
            message = "Sans l'accord de l'usager, ce champ doit rester vide (donnée personnelle)."
            for champ in ("usager_nom", "usager_prenom", "usager_date_naissance", *personnels):
                if donnees.get(champ) not in (None, ""):
                    self.add_error(champ, message)
            if pieces:
                self.add_error("pieces", "Sans l'accord de l'usager, aucune pièce ne peut être jointe.")
        return donnees

    def donnees_du_partenaire(self) -> dict:
        resultat = {}
        for spec in self.specs:
            valeur = self.cleaned_data.get(_prefixe(spec["code"]))
            if valeur in (None, ""):
                continue
            if isinstance(valeur, date):
                valeur = valeur.isoformat()
            elif isinstance(valeur, Decimal):
                valeur = str(valeur.normalize()) if valeur == valeur.to_integral() else str(valeur)
            resultat[spec["code"]] = valeur
        return resultat

    def consentement_donne(self) -> dict | None:
        if not self.cleaned_data.get("consentement"):
            return None
        return {
            "usager": self.cleaned_data["consentement_usager"],
            "donnees_partagees": self.cleaned_data["donnees_partagees"],
            "mode": self.cleaned_data["mode"],
        }


class ChoixPartenaireForm(FormulaireDsfr):
    partenaire = forms.ModelChoiceField(
        queryset=None, label="Partenaire", empty_label="Choisir un partenaire"
    )

    def __init__(self, *args, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = partenaires


class MessageForm(FormulaireDsfr):
    texte = forms.CharField(label="Votre message", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    pieces = PiecesField(label="Pièces jointes")


class StatutForm(FormulaireDsfr):
    vers = forms.ChoiceField(choices=Statut.choices, label="Nouveau statut")
    motif_rejet = forms.ChoiceField(
        choices=[("", "Choisir un motif"), *MotifRejet.choices], required=False, label="Motif du rejet"
    )
    precision = forms.CharField(required=False, max_length=500, label="Précision sur le rejet")
    message = forms.CharField(
        required=False,
        max_length=5000,
        label="Message joint (facultatif)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        donnees = super().clean()
        if donnees.get("vers") == Statut.REJETEE:
            if not donnees.get("motif_rejet"):
                self.add_error("motif_rejet", "Un rejet doit être motivé : choisissez un motif.")
            elif donnees["motif_rejet"] == MotifRejet.AUTRE and not donnees.get("precision"):
                self.add_error("precision", "Précisez le motif du rejet.")
        return donnees


class FiltreForm(FormulaireDsfr):
    statut = forms.ChoiceField(
        choices=[("", "Tous les statuts"), ("ouvertes", "Toutes les ouvertes"), *Statut.choices],
        required=False,
        label="Statut",
    )
    departement = forms.ModelChoiceField(
        queryset=Departement.objects.none(), required=False, label="Département", empty_label="Tous"
    )
    demarche = forms.ModelChoiceField(
        queryset=Demarche.objects.none(), required=False, label="Démarche", empty_label="Toutes"
    )
    reference = forms.CharField(required=False, max_length=12, label="Référence")
    en_retard = forms.BooleanField(required=False, label="En retard seulement")
    a_moi = forms.BooleanField(required=False, label="Qui me sont attribuées")

    def __init__(self, *args, departements, demarches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = departements
        self.fields["demarche"].queryset = demarches
