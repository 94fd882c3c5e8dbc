"""Formulaires des rappels (validation seulement) : demande publique, saisie par un agent ou une plateforme
téléphonique de partenaire, filtres de la file, attribution, tentative, clôture.

Le téléphone est validé par `core.telephone` (France métropolitaine, DROM, COM), les créneaux par
`actions.valider_creneaux` : mêmes règles et mêmes messages que l'action.
"""

from django import forms
from django.core.exceptions import ValidationError

from franceservices.core.telephone import normaliser_telephone
from franceservices.partenaires.models import Partenaire
from franceservices.territoires.models import Commune
from franceservices.ui.forms import FormulaireDsfr

from .actions import valider_creneaux
from .models import Creneau, Resultat, Statut

JOURS = [
    ("", "Pas de préférence"),
    ("0", "Lundi"),
    ("1", "Mardi"),
    ("2", "Mercredi"),
    ("3", "Jeudi"),
    ("4", "Vendredi"),
    ("5", "Samedi"),
]
AIDE_TELEPHONE = (
    "Un numéro français : 06 12 34 56 78, 01 23 45 67 89, outre-mer (0590…, 0694…, 0262…) ou au format "
    "international (+33…, +687…)."
)


def libelle_commune(commune: Commune) -> str:
    """« Angoulême (16015) » : ce que `activite.forms.resoudre_commune` relit sans ambiguïté."""
    return f"{commune.nom} ({commune.code_insee})"


def partenaires_actifs():
    return Partenaire.objects.filter(actif=True).order_by("nom_court")


class _CommunRappel(FormulaireDsfr):
    """Besoin, partenaire, téléphone et créneaux : communs à la demande publique et à la saisie par un agent."""

    besoin = forms.CharField(
        label="Votre besoin, en quelques mots",
        help_text="Par exemple : « renouveler ma carte grise », « question sur mon allocation ». 300 caractères au plus. "
        "N'indiquez pas de numéro de dossier ni d'information de santé.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        error_messages={
            "required": "Décrivez en quelques mots votre besoin.",
            "max_length": "Le besoin tient en 300 caractères au plus (%(show_value)d ici).",
        },
    )
    partenaire = forms.ChoiceField(
        label="Organisme concerné (facultatif)",
        help_text="Si vous le savez : la CAF, l'Assurance maladie, France Travail…",
        required=False,
    )
    telephone = forms.CharField(
        label="Numéro de téléphone où vous rappeler",
        help_text=AIDE_TELEPHONE,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": "Indiquez un numéro de téléphone."},
    )
    moments = forms.MultipleChoiceField(
        label="Moments préférés pour l'appel (facultatif)",
        choices=Creneau.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    jour = forms.ChoiceField(label="Jour préféré (facultatif)", choices=JOURS, required=False)
    heure_debut = forms.TimeField(
        label="Entre (heure)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Heure invalide : écrivez-la comme 09:30."},
    )
    heure_fin = forms.TimeField(
        label="Et (heure)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Heure invalide : écrivez-la comme 12:00."},
    )

    def __init__(self, *args, partenaires=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.partenaires = {
            p.code: p for p in (partenaires if partenaires is not None else partenaires_actifs())
        }
        self.fields["partenaire"].choices = [("", "Je ne sais pas / autre")] + [
            (code, p.nom_court) for code, p in self.partenaires.items()
        ]
        self.fields["partenaire"].error_messages["invalid_choice"] = (
            "Organisme inconnu : choisissez-le dans la liste."
        )
        self.fields["moments"].error_messages["invalid_choice"] = "Choisissez le matin et/ou l'après-midi."
        self.fields["jour"].error_messages["invalid_choice"] = "Jour inconnu."

    def clean_besoin(self):
        besoin = " ".join((self.cleaned_data.get("besoin") or "").split())
        if not besoin:
            raise ValidationError("Décrivez en quelques mots votre besoin.")
        return besoin

    def clean_partenaire(self):
        code = self.cleaned_data.get("partenaire")
        return self.partenaires.get(code) if code else None

    def clean_telephone(self):
        return normaliser_telephone(self.cleaned_data.get("telephone", ""))

    def clean(self):
        donnees = super().clean()
        creneaux = list(donnees.get("moments") or [])
        jour, debut, fin = donnees.get("jour"), donnees.get("heure_debut"), donnees.get("heure_fin")
        if jour or debut or fin:
            if not (jour and debut and fin):
                self.add_error(
                    "jour" if not jour else ("heure_debut" if not debut else "heure_fin"),
                    "Pour un créneau précis, indiquez le jour, l'heure de début et l'heure de fin "
                    "(ou laissez les trois vides).",
                )
                return donnees
            creneaux.append({"jour": int(jour), "debut": f"{debut:%H:%M}", "fin": f"{fin:%H:%M}"})
        try:
            donnees["creneaux"] = valider_creneaux(creneaux)
        except ValidationError as erreur:
            self.add_error("heure_fin", erreur.messages[0])
        return donnees


class DemandePubliqueForm(_CommunRappel):
    """Le formulaire public « Être rappelé » (sans compte, sans script)."""

    commune = forms.CharField(
        label="Votre commune",
        help_text="Son nom, son code postal ou son code INSEE : pour vous faire rappeler par la France services "
        "la plus proche.",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
        error_messages={"required": "Indiquez votre commune."},
    )
    courriel = forms.EmailField(
        label="Adresse électronique (facultative)",
        help_text="Seulement pour vous prévenir si nous n'arrivons pas à vous joindre.",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Adresse électronique invalide (exemple : nom@domaine.fr)."},
    )
    consentement = forms.BooleanField(
        label="J'accepte que France services garde mon numéro de téléphone pour me rappeler",
        error_messages={
            "required": "Cochez la case de consentement : sans votre accord, nous ne pouvons pas garder votre "
            "numéro pour vous rappeler."
        },
    )

    def clean_commune(self):
        from franceservices.activite.forms import resoudre_commune

        pk, erreur = resoudre_commune(self.cleaned_data.get("commune", ""))
        if erreur:
            raise ValidationError(erreur)
        if pk is None:
            raise ValidationError("Indiquez votre commune.")
        commune = Commune.objects.select_related("departement", "commune_parente").filter(pk=pk).first()
        if commune is None:
            raise ValidationError("Commune inconnue : saisissez son code postal ou son code INSEE.")
        return commune


class SaisieRappelForm(_CommunRappel):
    """Saisie par un agent (sa France services) ou une plateforme téléphonique de partenaire (file d'un
    département de son périmètre)."""

    structure = forms.TypedChoiceField(label="France services", coerce=int, required=False, empty_value=None)
    departement = forms.TypedChoiceField(
        label="Département (file départementale)",
        help_text="Sans France services choisie, la demande va dans la file du département.",
        coerce=int,
        required=False,
        empty_value=None,
    )
    consentement = forms.BooleanField(
        label="L'usager a accepté que son numéro soit gardé pour être rappelé",
        help_text="Lisez-lui la phrase d'information : finalité (le rappeler) et durée de conservation.",
        error_messages={
            "required": "Sans l'accord de l'usager, la demande de rappel ne peut pas être enregistrée."
        },
    )

    def __init__(self, *args, structures=(), departements=(), partenaire_obligatoire=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.structures = {s.pk: s for s in structures}
        self.departements = {d.pk: d for d in departements}
        self.fields["besoin"].label = "Besoin de l'usager"
        self.fields[
            "besoin"
        ].help_text = "Quelques mots, sans donnée de santé ni numéro de dossier. 300 caractères au plus."
        self.fields["telephone"].label = "Téléphone de l'usager"
        self.fields["partenaire"].label = "Partenaire concerné" + (
            "" if partenaire_obligatoire else " (facultatif)"
        )
        self.fields["partenaire"].help_text = ""
        self.fields["partenaire"].required = partenaire_obligatoire
        self.fields["partenaire"].error_messages["required"] = "Choisissez le partenaire."
        if partenaire_obligatoire:
            self.fields["partenaire"].choices = self.fields["partenaire"].choices[1:]
        self.fields["moments"].label = "Moments préférés de l'usager (facultatif)"
        # Sans département dans le périmètre (agent, responsable), pas de file départementale : une France services.
        vide = [("", "Aucune : file du département")] if departements else [("", "Choisir")]
        self.fields["structure"].choices = vide + [
            (s.pk, f"{s.nom} ({s.departement.code})") for s in structures
        ]
        self.fields["departement"].choices = [("", "Choisir")] + [
            (d.pk, f"{d.code} — {d.nom}") for d in departements
        ]
        self.fields["structure"].error_messages["invalid_choice"] = (
            "Cette France services n'est pas dans votre périmètre."
        )
        self.fields["departement"].error_messages["invalid_choice"] = (
            "Ce département n'est pas dans votre périmètre."
        )
        if not departements:
            del self.fields["departement"]
        if not structures:
            del self.fields["structure"]

    def clean(self):
        donnees = super().clean()
        structure = self.structures.get(donnees.get("structure")) if "structure" in self.fields else None
        departement = (
            self.departements.get(donnees.get("departement")) if "departement" in self.fields else None
        )
        donnees["structure"], donnees["departement"] = structure, departement
        if structure is None and departement is None and not self.errors.get("structure"):
            if len(self.structures) == 1 and not self.departements:
                donnees["structure"] = next(iter(self.structures.values()))
            else:
                cible = "departement" if "departement" in self.fields else "structure"
                self.add_error(cible, "Choisissez la France services ou le département de la file.")
        elif structure is not None and departement is not None and structure.departement_id != departement.pk:
            self.add_error("departement", "Cette France services n'est pas dans ce département.")
        return donnees


# — File —

STATUTS_FILE = [
    ("", "Ouvertes (à rappeler, en cours)"),
    ("toutes", "Toutes"),
    ("closes", "Closes"),
    *Statut.choices,
]
ATTRIBUTIONS = [("", "Toutes"), ("moi", "Attribuées à moi"), ("personne", "Non attribuées")]


class FiltreForm(FormulaireDsfr):
    statut = forms.ChoiceField(label="Statut", choices=STATUTS_FILE, required=False)
    structure = forms.TypedChoiceField(label="France services", coerce=int, required=False, empty_value=None)
    departement = forms.TypedChoiceField(label="Département", coerce=int, required=False, empty_value=None)
    attribution = forms.ChoiceField(label="Attribution", choices=ATTRIBUTIONS, required=False)
    en_retard = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, structures=(), departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [("", "Toutes")] + [(s.pk, s.nom) for s in structures]
        self.fields["departement"].choices = [("", "Tous")] + [
            (d.pk, f"{d.code} — {d.nom}") for d in departements
        ]
        for nom in ("statut", "structure", "departement", "attribution"):
            self.fields[nom].error_messages["invalid_choice"] = "Choix inconnu : il a été ignoré."


# — Fiche —


class AttribuerForm(FormulaireDsfr):
    a = forms.TypedChoiceField(label="Attribuer à", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, collegues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.collegues = {u.pk: u for u in collegues}
        self.fields["a"].choices = [("", "Personne (remettre dans la file)")] + [
            (u.pk, u.get_full_name() or u.email) for u in collegues
        ]
        self.fields["a"].error_messages["invalid_choice"] = (
            "Cette personne ne fait pas partie de vos collègues."
        )

    def clean_a(self):
        pk = self.cleaned_data.get("a")
        return self.collegues.get(pk) if pk is not None else None


class TentativeForm(FormulaireDsfr):
    resultat = forms.ChoiceField(
        label="Résultat de l'appel",
        choices=Resultat.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le résultat de l'appel.",
            "invalid_choice": "Résultat inconnu.",
        },
    )


ISSUES_CLOTURE = [
    (Statut.RAPPELE, "Usager rappelé"),
    (Statut.INJOIGNABLE, "Usager injoignable"),
    (Statut.ABANDONNE, "Abandonnée (doublon, demande retirée…)"),
]


class ClotureForm(FormulaireDsfr):
    resultat = forms.ChoiceField(
        label="Issue",
        choices=ISSUES_CLOTURE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez l'issue.", "invalid_choice": "Issue inconnue."},
    )
    saisir = forms.BooleanField(
        label="Enregistrer la demande d'activité de cet appel (canal téléphone)",
        help_text="Usager rappelé : la demande traitée au téléphone compte dans l'activité de la France services.",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_cloture_%s")  # la fiche a aussi le « résultat » d'une tentative
        super().__init__(*args, **kwargs)
