"""Formulaires du paramétrage des rendez-vous (responsable d'une France services) et de la prise de
rendez-vous par un agent. Validation seulement : l'enregistrement passe par `agenda` / `actions`.

Messages en français ; fin après début, durées bornées, chevauchements avec une plage existante signalés,
fermeture entièrement passée refusée, commune réelle pour un arrêt.
"""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from dsfr.utils import dsfr_input_class_attr

from franceservices.activite.forms import resoudre_commune
from franceservices.activite.models import Demarche
from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.partenaires.models import Partenaire
from franceservices.structures.forms_gestion import HeureField
from franceservices.territoires.models import Commune
from franceservices.ui.forms import FormulaireDsfr

from .models import (
    DUREE_MAX,
    DUREE_MIN,
    Arret,
    Disponibilite,
    Fermeture,
    Permanence,
    TypeRendezVous,
)

PLAGE_MIN = timedelta(minutes=DUREE_MIN)
RANGS = [("", "Chaque semaine")] + [(str(n), f"{n}{'er' if n == 1 else 'e'} du mois") for n in range(1, 6)]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FormulaireModeleDsfr(forms.ModelForm):
    """ModelForm aux classes DSFR (comme `FormulaireDsfr`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)


class PlageMixin:
    """Heures obligatoires, fin après début, plage d'au moins DUREE_MIN minutes ; dates dans l'ordre."""

    champ_du = "du"
    champ_au = "au"

    def _valider_plage(self, donnees):
        debut, fin = donnees.get("heure_debut"), donnees.get("heure_fin")
        if debut is None and "heure_debut" not in self.errors:
            self.add_error("heure_debut", "Indiquez l'heure de début.")
        if fin is None and "heure_fin" not in self.errors:
            self.add_error("heure_fin", "Indiquez l'heure de fin.")
        if debut and fin:
            ecart = datetime.combine(datetime.min, fin) - datetime.combine(datetime.min, debut)
            if ecart <= timedelta(0):
                self.add_error("heure_fin", "L'heure de fin doit être après l'heure de début.")
            elif ecart < PLAGE_MIN:
                self.add_error("heure_fin", f"Une plage dure au moins {DUREE_MIN} minutes.")
        du, au = donnees.get(self.champ_du), donnees.get(self.champ_au)
        if du and au and au < du:
            self.add_error(self.champ_au, "La date de fin doit être après la date de début.")

    def _chevauchements(self, qs, donnees, *, rang_compte: bool):
        """Plages existantes du même jour qui se chevauchent (même rang, ou l'une des deux chaque semaine)."""
        debut, fin = donnees.get("heure_debut"), donnees.get("heure_fin")
        if not (debut and fin) or self.errors:
            return []
        qs = qs.filter(jour_semaine=donnees["jour_semaine"], heure_debut__lt=fin, heure_fin__gt=debut)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        if rang_compte and donnees.get("rang"):
            qs = qs.filter(Q(rang__isnull=True) | Q(rang=donnees["rang"]))
        du, au = donnees.get(self.champ_du), donnees.get(self.champ_au)
        if du:
            qs = qs.exclude(**{f"{self.champ_au}__lt": du})
        if au:
            qs = qs.exclude(**{f"{self.champ_du}__gt": au})
        return list(qs)


class TypeForm(FormulaireModeleDsfr):
    class Meta:
        model = TypeRendezVous
        fields = ["libelle", "partenaire", "demarche", "duree", "modalite", "actif"]
        labels = {"actif": "Proposé à la réservation"}
        help_texts = {
            "libelle": "Ce que voit l'usager, par exemple « Rendez-vous CAF ».",
            "partenaire": "Facultatif. Si le partenaire tient des permanences ici, les créneaux sont ceux des "
            "permanences.",
            "demarche": "Facultatif : pré-remplit la demande d'activité à l'issue du rendez-vous.",
            "actif": "Décoché : plus proposé ; les rendez-vous déjà pris restent.",
        }

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.structure = structure
        self.fields["partenaire"].queryset = (
            Partenaire.objects.proposes_a_structure(structure).filter(actif=True).order_by("nom_court")
        )
        self.fields["partenaire"].empty_label = "Aucun (accompagnement de la France services)"
        self.fields["demarche"].queryset = (
            Demarche.objects.filter(actif=True)
            .select_related("partenaire")
            .order_by("partenaire__nom_court", "ordre", "libelle")
        )
        self.fields["demarche"].label_from_instance = lambda d: f"{d.partenaire.nom_court} — {d.libelle}"
        self.fields["demarche"].empty_label = "Aucune"
        self.fields["duree"].widget.attrs.update({"min": DUREE_MIN, "max": DUREE_MAX, "step": 5})
        self.fields["duree"].validators = []  # bornes vérifiées par clean_duree (message en français)
        self.fields["duree"].error_messages["invalid"] = "Saisissez une durée en minutes, par exemple 30."
        for nom in ("partenaire", "demarche", "modalite"):
            self.fields[nom].error_messages["invalid_choice"] = "Choix inconnu : choisissez dans la liste."

    def clean_duree(self):
        duree = self.cleaned_data.get("duree")
        if duree is not None and not DUREE_MIN <= duree <= DUREE_MAX:
            raise ValidationError(f"La durée est comprise entre {DUREE_MIN} et {DUREE_MAX} minutes.")
        return duree

    def clean(self):
        donnees = super().clean()
        partenaire, demarche = donnees.get("partenaire"), donnees.get("demarche")
        if demarche and partenaire and demarche.partenaire_id != partenaire.pk:
            self.add_error(
                "demarche",
                f"La démarche « {demarche.libelle} » relève de {demarche.partenaire.nom_court}, "
                f"pas de {partenaire.nom_court}.",
            )
        elif demarche and not partenaire:
            donnees["partenaire"] = demarche.partenaire
            self.instance.partenaire = demarche.partenaire
        libelle = (donnees.get("libelle") or "").strip()
        if libelle:
            doublon = TypeRendezVous.objects.filter(
                structure=self.instance.structure, libelle__iexact=libelle
            ).exclude(pk=self.instance.pk)
            if doublon.exists():
                self.add_error(
                    "libelle", "Un type de rendez-vous porte déjà ce libellé dans cette France services."
                )
        return donnees


class DisponibiliteForm(PlageMixin, FormulaireModeleDsfr):
    champ_du, champ_au = "valable_du", "valable_au"

    class Meta:
        model = Disponibilite
        fields = ["agent", "jour_semaine", "heure_debut", "heure_fin", "valable_du", "valable_au"]
        widgets = {"valable_du": DATE, "valable_au": DATE}
        help_texts = {
            "valable_du": "Facultatif : à partir de cette date.",
            "valable_au": "Facultatif : jusqu'à cette date incluse.",
        }

    heure_debut = HeureField(label="De", help_text="Par exemple 09:00.")
    heure_fin = HeureField(label="À", help_text="Par exemple 12:00.")

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.structure = structure
        equipe = Habilitation.objects.actives().filter(
            structure=structure, role__in=[Role.AGENT, Role.RESPONSABLE]
        )
        self.fields["agent"].queryset = Utilisateur.objects.filter(
            pk__in=equipe.values("utilisateur_id")
        ).order_by("last_name", "first_name")
        self.fields["agent"].label = "Qui reçoit"
        self.fields["agent"].empty_label = "L'équipe (toute personne présente)"
        self.fields["agent"].error_messages["invalid_choice"] = "Cette personne n'est pas de l'équipe."
        self.fields["jour_semaine"].error_messages["invalid_choice"] = "Jour inconnu."

    def clean(self):
        donnees = super().clean()
        self._valider_plage(donnees)
        qs = Disponibilite.objects.filter(structure=self.instance.structure, agent=donnees.get("agent"))
        for autre in self._chevauchements(qs, donnees, rang_compte=False):
            self.add_error(
                "heure_debut",
                f"Cette plage chevauche une disponibilité existante ({autre}) : modifiez-la plutôt.",
            )
            break
        return donnees


class PermanenceForm(PlageMixin, FormulaireModeleDsfr):
    class Meta:
        model = Permanence
        fields = ["partenaire", "rang", "jour_semaine", "heure_debut", "heure_fin", "du", "au"]
        widgets = {"du": DATE, "au": DATE}
        labels = {"du": "À partir du", "au": "Jusqu'au"}

    heure_debut = HeureField(label="De", help_text="Par exemple 09:00.")
    heure_fin = HeureField(label="À", help_text="Par exemple 12:00.")
    rang = forms.TypedChoiceField(
        label="Fréquence",
        choices=RANGS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="« 2e du mois » avec mardi : le 2e mardi de chaque mois.",
    )

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.structure = structure
        self.fields["partenaire"].queryset = (
            Partenaire.objects.proposes_a_structure(structure).filter(actif=True).order_by("nom_court")
        )
        for nom in ("partenaire", "rang", "jour_semaine"):
            self.fields[nom].error_messages["invalid_choice"] = "Choix inconnu : choisissez dans la liste."

    def clean(self):
        donnees = super().clean()
        self._valider_plage(donnees)
        if donnees.get("partenaire"):
            qs = Permanence.objects.filter(
                structure=self.instance.structure, partenaire=donnees["partenaire"]
            )
            for autre in self._chevauchements(qs, donnees, rang_compte=True):
                self.add_error(
                    "heure_debut", f"Cette permanence chevauche une permanence existante ({autre})."
                )
                break
        return donnees


class FermetureForm(FormulaireModeleDsfr):
    class Meta:
        model = Fermeture
        fields = ["du", "au", "motif"]
        widgets = {"du": DATE, "au": DATE}
        labels = {"du": "Du", "au": "Au (inclus)", "motif": "Motif"}
        help_texts = {"motif": "Facultatif, par exemple « Congés d'été » (non affiché aux usagers)."}

    def __init__(self, *args, structure, aujourd_hui=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.structure = structure
        self.aujourd_hui = aujourd_hui or timezone.localdate(timezone=structure.fuseau)
        for nom in ("du", "au"):
            self.fields[nom].error_messages["invalid"] = "Date invalide : saisissez-la au format JJ/MM/AAAA."

    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("du"), donnees.get("au")
        if du and au:
            if au < du:
                self.add_error("au", "La date de fin doit être après la date de début.")
            elif au < self.aujourd_hui:
                self.add_error("au", "Cette fermeture est entièrement passée : elle ne changerait rien.")
            else:
                autres = Fermeture.objects.filter(
                    structure=self.instance.structure, du__lte=au, au__gte=du
                ).exclude(pk=self.instance.pk)
                if autre := autres.first():
                    self.add_error("du", f"Ces dates chevauchent une fermeture existante ({autre}).")
        return donnees


class ArretForm(PlageMixin, FormulaireModeleDsfr):
    class Meta:
        model = Arret
        fields = ["libelle", "adresse", "rang", "jour_semaine", "heure_debut", "heure_fin", "du", "au"]
        widgets = {"du": DATE, "au": DATE}
        labels = {"du": "Desservi à partir du", "au": "Desservi jusqu'au"}

    commune_saisie = forms.CharField(
        label="Commune",
        max_length=100,
        help_text="Code INSEE, code postal ou nom de la commune.",
    )
    heure_debut = HeureField(label="De", help_text="Par exemple 09:00.")
    heure_fin = HeureField(label="À", help_text="Par exemple 12:00.")
    rang = forms.TypedChoiceField(
        label="Fréquence",
        choices=RANGS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="« 1er du mois » avec jeudi : le 1er jeudi de chaque mois.",
    )
    field_order = ["libelle", "commune_saisie", "adresse"]

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.structure = structure
        if self.instance.pk and not self.is_bound:
            commune = self.instance.commune
            self.initial["commune_saisie"] = f"{commune.nom} ({commune.code_insee})"
        self.fields["commune_saisie"].error_messages["required"] = "Indiquez la commune de l'arrêt."

    def clean_commune_saisie(self):
        pk, erreur = resoudre_commune(self.cleaned_data.get("commune_saisie", ""))
        if erreur:
            raise ValidationError(erreur)
        commune = Commune.objects.filter(pk=pk).first()
        if commune is None:
            raise ValidationError("Commune inconnue.")
        self.instance.commune = commune
        return commune

    def clean(self):
        donnees = super().clean()
        self._valider_plage(donnees)
        qs = Arret.objects.filter(structure=self.instance.structure)
        for autre in self._chevauchements(qs, donnees, rang_compte=True):
            self.add_error(
                "heure_debut", f"Le bus est déjà attendu à cette heure-là à un autre arrêt ({autre})."
            )
            break
        return donnees


# — Prise de rendez-vous par un agent —


class ChoixTypeForm(FormulaireDsfr):
    """Étape 1 (GET) : type, arrêt éventuel, semaine à partir de laquelle chercher."""

    type = forms.TypedChoiceField(label="Type de rendez-vous", coerce=int)
    arret = forms.TypedChoiceField(label="Arrêt du bus", coerce=int, required=False, empty_value=None)
    jour = forms.DateField(
        label="À partir du", required=False, widget=DATE, help_text="Les créneaux des 7 jours suivants."
    )

    def __init__(self, *args, types, arrets, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {t.pk: t for t in types}
        self.arrets = {a.pk: a for a in arrets}
        self.fields["type"].choices = [(t.pk, str(t)) for t in types]
        self.fields["type"].error_messages["invalid_choice"] = "Type de rendez-vous inconnu ou inactif."
        if arrets:
            self.fields["arret"].choices = [
                ("", "Au local de la France services"),
                *((a.pk, str(a)) for a in arrets),
            ]
            self.fields["arret"].error_messages["invalid_choice"] = "Arrêt inconnu."
        else:
            del self.fields["arret"]
        self.fields["jour"].error_messages["invalid"] = "Date invalide."

    def clean_type(self):
        return self.types[self.cleaned_data["type"]]

    def clean_jour(self):
        jour = self.cleaned_data.get("jour")
        if jour and jour > timezone.localdate() + timedelta(days=366):
            raise ValidationError("Les rendez-vous se prennent au plus un an à l'avance.")
        return jour

    def clean_arret(self):
        pk = self.cleaned_data.get("arret")
        return self.arrets.get(pk) if pk else None


class UsagerForm(FormulaireDsfr):
    """Étape 2 (POST) : le créneau choisi et le contact de l'usager (validé par `actions.reserver`)."""

    debut = forms.CharField(widget=forms.HiddenInput)
    nom = forms.CharField(label="Nom de l'usager", max_length=150)
    telephone = forms.CharField(
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Pour le SMS de confirmation et de rappel.",
    )
    courriel = forms.CharField(label="Adresse électronique", max_length=254, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nom"].error_messages["required"] = "Indiquez le nom de l'usager."
        self.fields["debut"].error_messages["required"] = "Choisissez un créneau."

    def clean_debut(self):
        try:
            debut = datetime.fromisoformat(self.cleaned_data["debut"])
        except ValueError:
            raise ValidationError("Choisissez un créneau dans la liste.") from None
        if timezone.is_naive(debut):
            raise ValidationError("Choisissez un créneau dans la liste.")
        return debut


class AnnulationForm(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif de l'annulation",
        max_length=300,
        help_text="Gardé au journal ; l'usager reçoit un message d'annulation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motif"].error_messages["required"] = "Indiquez le motif de l'annulation."


FORMULAIRES = {
    "types": TypeForm,
    "disponibilites": DisponibiliteForm,
    "permanences": PermanenceForm,
    "fermetures": FermetureForm,
    "arrets": ArretForm,
}
