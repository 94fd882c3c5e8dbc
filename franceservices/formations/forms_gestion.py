"""Formulaires de gestion de la formation : sessions (équipe nationale, animateurs) et catalogue des modules
(équipe nationale). Validation seulement ; l'enregistrement est fait par `views_gestion`.

Règles : module actif ; fin après début ; pas de nouvelle session dans le passé ; lieu obligatoire en présentiel,
lien en classe virtuelle, lien du module par défaut en e-learning ; capacité de 1 à 500 et jamais sous le
nombre d'inscrits confirmés ; département imposé à l'animateur ; formateur désigné par l'adresse électronique
d'un compte existant. Modules : code unique, durée positive, lien obligatoire en e-learning, prérequis sans
cycle.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from franceservices.comptes.models import Utilisateur
from franceservices.core.forms import FormulaireAnnulation
from franceservices.partenaires.models import Partenaire
from franceservices.rendezvous.forms_gestion import FormulaireModeleDsfr
from franceservices.territoires.models import Departement

from .models import Format, Inscription, Module, Session, Statut

CAPACITE_MIN, CAPACITE_MAX = 1, 500
DATE_HEURE = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
FORMATS_DATE_HEURE = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
CHOIX_INCONNU = "Choix inconnu : choisissez dans la liste."


def confirmees(session) -> int:
    return Inscription.objects.filter(session=session, statut=Statut.CONFIRMEE).count()


class SessionForm(FormulaireModeleDsfr):
    formateur_email = forms.EmailField(
        label="Formateur ou formatrice (adresse électronique)",
        required=False,
        help_text="Facultatif. Adresse d'un compte existant de l'outil, par exemple prenom.nom@exemple.fr.",
        error_messages={
            "invalid": "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
        },
    )

    class Meta:
        model = Session
        fields = ["module", "debut", "fin", "lieu", "lien", "capacite", "departement"]
        widgets = {"debut": DATE_HEURE, "fin": DATE_HEURE}
        help_texts = {
            "debut": "Date et heure, par exemple 12/03/2027 09:00.",
            "fin": "Après le début.",
            "lieu": "Obligatoire pour une session en présentiel : adresse complète.",
            "lien": "Obligatoire pour une classe virtuelle ; en e-learning, le lien du module par défaut.",
            "capacite": f"De {CAPACITE_MIN} à {CAPACITE_MAX} places.",
        }

    def __init__(self, *args, perimetre, **kwargs):
        super().__init__(*args, **kwargs)
        self.perimetre = perimetre
        modules = Module.objects.filter(actif=True)
        if self.instance.pk:  # un module désactivé depuis reste affichable pour une session existante
            modules = Module.objects.filter(actif=True) | Module.objects.filter(pk=self.instance.module_id)
        self.fields["module"].queryset = modules.order_by("categorie", "titre")
        self.fields["module"].empty_label = "Choisissez un module"
        for nom in ("debut", "fin"):
            self.fields[nom].input_formats = FORMATS_DATE_HEURE
            self.fields[nom].error_messages["invalid"] = "Saisissez une date et une heure valides."
        self.fields["capacite"].validators = []
        self.fields["capacite"].widget.attrs.update({"min": CAPACITE_MIN, "max": CAPACITE_MAX})
        self.fields["capacite"].error_messages["invalid"] = "Saisissez un nombre de places, par exemple 12."
        departement = self.fields["departement"]
        if perimetre.national:
            departement.queryset = Departement.objects.order_by("code")
            departement.empty_label = "Aucun : session nationale"
            departement.help_text = "Vide : session nationale, ouverte à tous les agents."
        else:
            departement.queryset = Departement.objects.filter(
                pk__in=perimetre.departements_animateur
            ).order_by("code")
            departement.required = True
            departement.empty_label = None
            departement.help_text = "Votre département d'animation."
            if len(perimetre.departements_animateur) == 1:
                departement.disabled = True
                self.initial["departement"] = next(iter(perimetre.departements_animateur))
        for nom in ("module", "departement"):
            self.fields[nom].error_messages["invalid_choice"] = CHOIX_INCONNU
        self.fields["module"].error_messages["required"] = "Choisissez un module."
        self.fields["departement"].error_messages["required"] = "Choisissez le département de la session."
        if self.instance.pk and self.instance.formateur_id and not self.is_bound:
            self.initial["formateur_email"] = self.instance.formateur.email

    def clean_capacite(self):
        capacite = self.cleaned_data.get("capacite")
        if capacite is None:
            return capacite
        if not CAPACITE_MIN <= capacite <= CAPACITE_MAX:
            raise ValidationError(f"La capacité est comprise entre {CAPACITE_MIN} et {CAPACITE_MAX} places.")
        if self.instance.pk:
            inscrits = confirmees(self.instance)
            if capacite < inscrits:
                raise ValidationError(
                    f"{inscrits} agents sont déjà inscrits (confirmés) : la capacité ne peut pas descendre "
                    f"en dessous. Annulez d'abord des inscriptions si nécessaire."
                )
        return capacite

    def clean_debut(self):
        debut = self.cleaned_data.get("debut")
        if debut and debut <= timezone.now():
            if not self.instance.pk:
                raise ValidationError("Une nouvelle session ne peut pas commencer dans le passé.")
            if debut.replace(second=0, microsecond=0) != self.instance.debut.replace(second=0, microsecond=0):
                raise ValidationError("Le début ne peut pas être déplacé dans le passé.")
        return debut

    def clean_module(self):
        module = self.cleaned_data.get("module")
        if (
            module is not None
            and self.instance.pk
            and module.pk != self.instance.module_id
            and Inscription.objects.actives().filter(session=self.instance).exists()
        ):
            raise ValidationError(
                "Des agents sont déjà inscrits : le module de la session ne peut plus changer. Annulez la "
                "session et créez-en une autre si nécessaire."
            )
        return module

    def clean_formateur_email(self):
        email = (self.cleaned_data.get("formateur_email") or "").strip()
        if not email:
            return None
        formateur = Utilisateur.objects.filter(email__iexact=email, is_active=True).first()
        if formateur is None:
            raise ValidationError(
                "Aucun compte actif n'a cette adresse : la personne doit d'abord être invitée dans l'outil."
            )
        return formateur

    def clean(self):
        donnees = super().clean()
        debut, fin, module = donnees.get("debut"), donnees.get("fin"), donnees.get("module")
        if debut and fin and fin <= debut:
            self.add_error("fin", "La fin doit être après le début.")
        if module is not None:
            if not module.actif and module.pk != self.instance.module_id:
                self.add_error("module", "Ce module est désactivé : choisissez un module actif.")
            lieu = (donnees.get("lieu") or "").strip()
            lien = donnees.get("lien") or ""
            if module.format == Format.PRESENTIEL and not lieu and "lieu" not in self.errors:
                self.add_error("lieu", "Indiquez le lieu : ce module se suit en présentiel.")
            if module.format == Format.DISTANCIEL and not lien and "lien" not in self.errors:
                self.add_error(
                    "lien", "Indiquez le lien de connexion : ce module se suit en classe virtuelle."
                )
            if module.format == Format.E_LEARNING and not lien and "lien" not in self.errors:
                if module.lien:
                    donnees["lien"] = module.lien
                else:
                    self.add_error("lien", "Indiquez le lien du e-learning : le module n'en a pas.")
        return donnees

    def save(self, commit=True):
        self.instance.formateur = self.cleaned_data.get("formateur_email")
        self.instance.lien = self.cleaned_data.get("lien") or ""
        return super().save(commit=commit)


class AnnulationSessionForm(FormulaireAnnulation):
    aide_motif = "Communiqué aux agents inscrits, par exemple « formateur indisponible »."
    libelle_confirmation = "Je confirme l'annulation : les inscriptions seront annulées."


def _atteignables(depart: set[int]) -> set[int]:
    """Modules atteints depuis `depart` en suivant les prérequis (fermeture transitive, une requête)."""
    aretes: dict[int, set[int]] = {}
    for de, vers in Module.prerequis.through.objects.values_list("from_module_id", "to_module_id"):
        aretes.setdefault(de, set()).add(vers)
    vus, pile = set(), list(depart)
    while pile:
        courant = pile.pop()
        if courant in vus:
            continue
        vus.add(courant)
        pile.extend(aretes.get(courant, ()))
    return vus


class ModuleForm(FormulaireModeleDsfr):
    class Meta:
        model = Module
        fields = [
            "code",
            "titre",
            "categorie",
            "organisme",
            "partenaire",
            "duree_heures",
            "format",
            "lien",
            "description",
            "prerequis",
            "compte_pour_label",
            "ouvre_pilote",
            "actif",
        ]
        widgets = {
            "prerequis": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"actif": "Proposé au catalogue"}
        help_texts = {
            "code": "Identifiant stable : lettres minuscules, chiffres et tirets, par exemple « accueil-usager ».",
            "lien": "Obligatoire pour un module en e-learning.",
            "prerequis": "Modules à avoir réussis avant de s'inscrire.",
            "actif": "Décoché : le module n'est plus proposé ; les sessions passées et les réussites restent.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partenaires = Partenaire.objects.filter(actif=True).order_by("nom_court")
        for nom in ("partenaire", "ouvre_pilote"):
            self.fields[nom].queryset = partenaires
            self.fields[nom].empty_label = "Aucun"
            self.fields[nom].error_messages["invalid_choice"] = CHOIX_INCONNU
        prerequis = Module.objects.order_by("categorie", "titre")
        if self.instance.pk:
            prerequis = prerequis.exclude(pk=self.instance.pk)
        self.fields["prerequis"].queryset = prerequis
        self.fields["prerequis"].error_messages["invalid_choice"] = CHOIX_INCONNU
        self.fields["prerequis"].error_messages["invalid_pk_value"] = CHOIX_INCONNU
        self.fields["categorie"].error_messages["invalid_choice"] = CHOIX_INCONNU
        self.fields["format"].error_messages["invalid_choice"] = CHOIX_INCONNU
        self.fields["code"].error_messages["invalid"] = (
            "Le code ne contient que des lettres minuscules sans accent, des chiffres et des tirets."
        )
        duree = self.fields["duree_heures"]
        duree.validators = [v for v in duree.validators if not hasattr(v, "limit_value")]
        duree.error_messages["invalid"] = "Saisissez une durée en heures, par exemple 3,5."
        duree.widget.attrs.update({"min": "0.5", "step": "0.5"})
        duree.localize = True
        duree.widget.is_localized = True

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip().lower()
        if code and Module.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Un module porte déjà ce code : choisissez-en un autre.")
        return code

    def clean_duree_heures(self):
        duree = self.cleaned_data.get("duree_heures")
        if duree is not None and duree <= 0:
            raise ValidationError("La durée doit être positive (au moins une demi-heure).")
        if duree is not None and duree < Decimal("0.5"):
            raise ValidationError("La durée est d'au moins une demi-heure.")
        return duree

    def clean_prerequis(self):
        prerequis = self.cleaned_data.get("prerequis")
        if not prerequis or not self.instance.pk:
            return prerequis
        cycliques = [
            p for p in prerequis if p.pk == self.instance.pk or self.instance.pk in _atteignables({p.pk})
        ]
        if cycliques:
            noms = ", ".join(f"« {p.titre} »" for p in cycliques)
            raise ValidationError(
                f"Prérequis circulaire : {noms} demande déjà ce module (directement ou non). Retirez-le."
            )
        return prerequis

    def clean(self):
        donnees = super().clean()
        if (
            donnees.get("format") == Format.E_LEARNING
            and not donnees.get("lien")
            and "lien" not in self.errors
        ):
            self.add_error("lien", "Indiquez le lien : ce module se suit en e-learning.")
        return donnees
