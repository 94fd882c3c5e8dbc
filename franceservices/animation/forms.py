"""Formulaires de l'animation : objectif de couverture, grille de visite, compte rendu de visite et actions."""

from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.structures.models import Structure

from .models import ActionSuivi, ObjectifCouverture, PointControle, Reponse, ReponseControle, Visite

PREMIERE_DATE = date(2014, 1, 1)  # les premières maisons de services au public (MSAP)
VISITE_FUTUR_JOURS = 90  # une visite peut être préparée à l'avance, pas au-delà
ECHEANCE_MAX_JOURS = 3 * 365


class ObjectifForm(forms.ModelForm):
    class Meta:
        model = ObjectifCouverture
        fields = ["libelle", "part_cible", "strictement_superieure", "echeance", "source"]
        widgets = {"echeance": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PointControleForm(forms.ModelForm):
    class Meta:
        model = PointControle
        fields = ["libelle", "aide", "ordre", "actif"]


class ChoixPorteur(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.email})"


def porteurs_possibles(departement):
    """Personnes du périmètre du département : agents et responsables de ses France services, animateurs et
    préfecture du département."""
    habilitations = Habilitation.objects.actives().filter(
        Q(structure__departement=departement)
        | Q(departement=departement, role__in=(Role.ANIMATEUR, Role.COORDINATEUR_PREFECTURE))
    )
    return Utilisateur.objects.filter(pk__in=habilitations.values("utilisateur_id")).order_by(
        "last_name", "first_name", "email"
    )


class VisiteForm(forms.ModelForm):
    """La visite et, pour chaque point de la grille, une réponse (oui / non / sans objet) et un commentaire."""

    class Meta:
        model = Visite
        fields = ["structure", "date", "participants", "constats"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants": forms.Textarea(attrs={"rows": 2}),
            "constats": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"structure": "France services visitée"}

    def __init__(self, *args, departement, **kwargs):
        super().__init__(*args, **kwargs)
        self.departement = departement
        self.fields["structure"].queryset = Structure.objects.filter(departement=departement).order_by("nom")
        self.fields["structure"].empty_label = "Choisir une France services"
        self.fields["structure"].error_messages["invalid_choice"] = (
            "Choisissez une France services du département dans la liste."
        )
        self.fields["date"].help_text = "Format : jj/mm/aaaa"
        self.points = []
        existantes = {}
        if self.instance.pk:
            existantes = {r.point_id: r for r in self.instance.reponses.all()}
            self.fields["structure"].disabled = True
        points = list(PointControle.objects.actifs())
        # Une question retirée de la grille reste modifiable dans les visites qui l'ont utilisée.
        manquants = [pid for pid in existantes if pid and pid not in {p.pk for p in points}]
        if manquants:
            points += list(PointControle.objects.filter(pk__in=manquants))
        for point in points:
            r = existantes.get(point.pk)
            nom_reponse, nom_commentaire = f"point_{point.pk}", f"commentaire_{point.pk}"
            self.fields[nom_reponse] = forms.ChoiceField(
                label=point.libelle,
                help_text=point.aide,
                choices=Reponse.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=r.reponse if r else None,
            )
            self.fields[nom_commentaire] = forms.CharField(
                label=f"Commentaire : {point.libelle}",
                required=False,
                max_length=1000,
                initial=r.commentaire if r else "",
                widget=forms.TextInput,
            )
            self.points.append((point, nom_reponse, nom_commentaire))

    def champs_visite(self):
        return [self[n] for n in ("structure", "date", "participants", "constats")]

    def grille(self):
        return [(point, self[r], self[c]) for point, r, c in self.points]

    def clean_date(self):
        d = self.cleaned_data["date"]
        aujourdhui = timezone.localdate()
        if d < PREMIERE_DATE:
            raise forms.ValidationError(
                f"La date de visite ne peut pas précéder le {PREMIERE_DATE:%d/%m/%Y}."
            )
        if d > aujourdhui + timedelta(days=VISITE_FUTUR_JOURS):
            raise forms.ValidationError(
                f"La date de visite ne peut pas dépasser de plus de {VISITE_FUTUR_JOURS} jours la date du jour."
            )
        return d

    def reponses(self, visite) -> list[ReponseControle]:
        return [
            ReponseControle(
                visite=visite,
                point=point,
                question=point.libelle,
                reponse=self.cleaned_data.get(r) or "",
                commentaire=(self.cleaned_data.get(c) or "").strip(),
            )
            for point, r, c in self.points
        ]


class ActionForm(forms.ModelForm):
    class Meta:
        model = ActionSuivi
        fields = ["libelle", "porteur", "porteur_texte", "echeance"]
        widgets = {"echeance": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        field_classes = {"porteur": ChoixPorteur}

    def __init__(self, *args, departement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["porteur"].queryset = porteurs_possibles(departement)
        self.fields["porteur"].empty_label = "Personne sans compte (indiquer ci-contre)"
        self.fields["porteur"].error_messages["invalid_choice"] = (
            "Choisissez une personne du département dans la liste (ou indiquez un porteur sans compte)."
        )

    def clean(self):
        donnees = super().clean()
        if not self.has_changed():
            return donnees
        if not donnees.get("porteur") and not (donnees.get("porteur_texte") or "").strip():
            self.add_error(
                "porteur_texte", "Indiquez qui porte l'action : une personne de la liste ou un nom."
            )
        return donnees


class BaseActionsFormSet(forms.BaseInlineFormSet):
    date_visite: date | None = None

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form) or not hasattr(form, "cleaned_data"):
                continue
            echeance = form.cleaned_data.get("echeance")
            if echeance is None:
                continue
            if self.date_visite and echeance < self.date_visite:
                form.add_error("echeance", "L'échéance ne peut pas précéder la date de la visite.")
            elif self.date_visite and echeance > self.date_visite + timedelta(days=ECHEANCE_MAX_JOURS):
                form.add_error("echeance", "L'échéance doit tomber dans les trois ans qui suivent la visite.")


def actions_formset(departement, *, data=None, instance=None, date_visite=None):
    classe = forms.inlineformset_factory(
        Visite,
        ActionSuivi,
        form=ActionForm,
        formset=BaseActionsFormSet,
        extra=2 if instance is None or not instance.pk else 1,
        can_delete=True,
        max_num=30,
        validate_max=True,
    )
    formset = classe(data=data, instance=instance, prefix="actions", form_kwargs={"departement": departement})
    formset.date_visite = date_visite
    return formset


class FiltresVisitesForm(forms.Form):
    structure = forms.ModelChoiceField(
        label="France services", queryset=Structure.objects.none(), required=False, empty_label="Toutes"
    )
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actions = forms.ChoiceField(
        label="Actions",
        required=False,
        choices=[("", "Toutes les visites"), ("en_retard", "Avec une action en retard")],
    )

    def __init__(self, *args, departement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = Structure.objects.filter(departement=departement).order_by("nom")
        self.fields["structure"].error_messages["invalid_choice"] = (
            "France services inconnue dans ce département."
        )

    def clean(self):
        donnees = super().clean()
        if donnees.get("du") and donnees.get("au") and donnees["du"] > donnees["au"]:
            self.add_error("au", "La date de fin doit suivre la date de début.")
        return donnees
