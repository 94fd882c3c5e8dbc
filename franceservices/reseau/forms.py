"""Formulaires de la vie du réseau (validation seulement ; l'enregistrement passe par `actions`).

Règles : le périmètre proposé est celui qu'on gère (équipe nationale : tout ; animateur, préfecture : son
département ; référent national : information de son partenaire, à tout périmètre) ; au moins un rôle visé ;
dates et heures saisies à l'heure locale du département de l'événement (outre-mer compris) ; fin après
début ; pas de nouvel événement dans le passé ; un lieu ou un lien de connexion ; capacité de 1 à 2 000 et
jamais sous le nombre d'inscrits ; documents reconnus par leur contenu et bornés en taille.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from dsfr.utils import dsfr_input_class_attr

from franceservices.activite.forms import resoudre_commune
from franceservices.comptes.models import Role
from franceservices.core.forms import FormulaireAnnulation
from franceservices.escalades.forms import MultipleFileInput
from franceservices.partenaires.models import Partenaire
from franceservices.structures.horaires import fuseau_du_departement
from franceservices.territoires.models import Commune, Departement, Region

from . import fichiers
from .models import (
    CHAMPS_PUBLIC,
    LIBELLES_PUBLIC,
    EvenementReseau,
    Participation,
    Portee,
    Publication,
    TypeEvenement,
)

CAPACITE_MAX = 2000
DATE_HEURE = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
FORMATS_DATE_HEURE = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
CHOIX_INCONNU = "Choix inconnu : choisissez dans la liste."
CHOIX_PUBLIC = [(role.value, LIBELLES_PUBLIC[role].capitalize()) for role in CHAMPS_PUBLIC]


def _dsfr(form):
    for visible in form.visible_fields():
        if visible.widget_type not in {"checkboxselectmultiple", "radioselect", "multiplefile", "file"}:
            dsfr_input_class_attr(visible)


class DocumentsField(forms.FileField):
    """Plusieurs fichiers, validés par leur contenu (`fichiers.valider_documents`) : liste de PieceValide."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = fichiers.ACCEPT
        from django.template.defaultfilters import filesizeformat

        self.help_text = (
            f"{fichiers.TYPES_ACCEPTES} ; {fichiers.DOCUMENTS_MAX} fichiers au plus, "
            f"{filesizeformat(fichiers.taille_max())} chacun. Le contenu des fichiers est vérifié."
        )

    def clean(self, data, initial=None):
        liste = data if isinstance(data, list | tuple) else ([data] if data else [])
        return fichiers.valider_documents(liste)

    def bound_data(self, data, initial):
        return None

    def has_changed(self, initial, data):
        return bool(data)


class DiffusionMixin:
    """Champs du périmètre et du public, bornés à ce que la personne gère."""

    def _preparer_diffusion(self, perimetre):
        self.perimetre = perimetre
        self.referent_seul = not perimetre.national and not perimetre.departements_pilotes
        national_ou_referent = perimetre.national or bool(perimetre.partenaires_nationaux)
        portee = self.fields["portee"]
        if not national_ou_referent:
            portee.choices = [(Portee.DEPARTEMENT.value, Portee.DEPARTEMENT.label)]
            self.initial.setdefault("portee", Portee.DEPARTEMENT)
        portee.widget = forms.RadioSelect(choices=portee.choices)
        portee.help_text = "À qui s'adresse la diffusion : tout le réseau, une région ou un département."
        departements = Departement.objects.order_by("code")
        if not national_ou_referent:
            departements = departements.filter(pk__in=perimetre.departements_pilotes)
        self.fields["departement"].queryset = departements
        self.fields["departement"].empty_label = "Choisissez un département"
        self.fields["departement"].help_text = "Pour une diffusion départementale."
        self.fields["region"].queryset = Region.objects.order_by("nom")
        self.fields["region"].empty_label = "Choisissez une région"
        self.fields["region"].help_text = "Pour une diffusion régionale."
        if not national_ou_referent:
            del self.fields["region"]
            self.fields["departement"].empty_label = None
            if len(perimetre.departements_pilotes) == 1 and not self.instance.pk:
                self.initial["departement"] = next(iter(perimetre.departements_pilotes))
        partenaire = self.fields["partenaire"]
        partenaire.empty_label = "Aucun"
        partenaire.queryset = Partenaire.objects.order_by("nom_court")
        if self.referent_seul:
            partenaire.queryset = partenaire.queryset.filter(pk__in=perimetre.partenaires_nationaux)
            partenaire.required = True
            partenaire.empty_label = None
            partenaire.help_text = "Le partenaire dont vous êtes référent national."
        else:
            partenaire.help_text = "Facultatif : le partenaire concerné."
        for nom in ("departement", "region", "partenaire", "portee"):
            if nom in self.fields:
                self.fields[nom].error_messages["invalid_choice"] = CHOIX_INCONNU
        self.fields["public"] = forms.MultipleChoiceField(
            label="Public visé",
            choices=CHOIX_PUBLIC,
            widget=forms.CheckboxSelectMultiple,
            help_text="Les personnes de ces rôles dans le périmètre reçoivent la diffusion.",
            error_messages={"required": "Cochez au moins un rôle visé.", "invalid_choice": CHOIX_INCONNU},
        )
        if self.instance.pk or not self.is_bound:
            self.initial.setdefault("public", self.instance.roles_vises)

    def _valider_diffusion(self, donnees):
        portee = donnees.get("portee")
        if portee == Portee.DEPARTEMENT:
            if not donnees.get("departement") and "departement" not in self.errors:
                self.add_error("departement", "Choisissez le département de la diffusion.")
            donnees["region"] = None
        elif portee == Portee.REGION:
            if not donnees.get("region") and "region" not in self.errors:
                self.add_error("region", "Choisissez la région de la diffusion.")
            donnees["departement"] = None
        elif portee == Portee.NATIONAL:
            donnees["region"] = donnees["departement"] = None
        roles = set(donnees.get("public") or [])
        if roles:  # posés avant la validation du modèle (contrainte « au moins un rôle »)
            for role, champ in CHAMPS_PUBLIC.items():
                setattr(self.instance, champ, role.value in roles)
        if portee and not self.errors and not self._gerable(donnees):
            self.add_error(None, "Ce périmètre n'est pas le vôtre : choisissez un périmètre que vous gérez.")
        return donnees

    def _gerable(self, donnees) -> bool:
        p = self.perimetre
        if p.national:
            return True
        departement, partenaire = donnees.get("departement"), donnees.get("partenaire")
        if (
            donnees.get("portee") == Portee.DEPARTEMENT
            and departement
            and departement.pk in p.departements_pilotes
        ):
            return True
        return partenaire is not None and partenaire.pk in p.partenaires_nationaux

    def _appliquer_diffusion(self):
        roles = set(self.cleaned_data.get("public") or [])
        for role, champ in CHAMPS_PUBLIC.items():
            setattr(self.instance, champ, role.value in roles)
        self.instance.region = self.cleaned_data.get("region")
        self.instance.departement = self.cleaned_data.get("departement")


class EvenementForm(DiffusionMixin, forms.ModelForm):
    commune_texte = forms.CharField(
        label="Commune",
        required=False,
        max_length=100,
        help_text="Facultatif : nom, code postal ou code INSEE, par exemple 16015.",
    )

    class Meta:
        model = EvenementReseau
        fields = [
            "type",
            "titre",
            "description",
            "debut",
            "fin",
            "lieu",
            "lien",
            "capacite",
            "portee",
            "region",
            "departement",
            "partenaire",
        ]
        widgets = {"debut": DATE_HEURE, "fin": DATE_HEURE, "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "debut": "Date et heure locales du département de l'événement (heure de Paris s'il est national "
            "ou régional), par exemple 12/03/2027 09:00.",
            "fin": "Après le début.",
            "lieu": "Adresse, en présentiel. Un lieu ou un lien de connexion est demandé.",
            "lien": "Pour un webinaire ou une réunion à distance, par exemple https://webinaire.exemple.fr/salle.",
            "capacite": f"Facultatif : de 1 à {CAPACITE_MAX} places ; vide : sans limite.",
        }

    def __init__(self, *args, perimetre, **kwargs):
        super().__init__(*args, **kwargs)
        self._preparer_diffusion(perimetre)
        self.fields["type"].error_messages["invalid_choice"] = CHOIX_INCONNU
        if self.referent_seul:
            self.fields["type"].choices = [(TypeEvenement.PARTENAIRE.value, TypeEvenement.PARTENAIRE.label)]
        self.fields["titre"].error_messages["required"] = "Indiquez le titre de l'événement."
        for nom in ("debut", "fin"):
            self.fields[nom].input_formats = FORMATS_DATE_HEURE
            self.fields[nom].error_messages["invalid"] = "Saisissez une date et une heure valides."
            self.fields[nom].error_messages["required"] = "Indiquez la date et l'heure de " + (
                "début." if nom == "debut" else "fin."
            )
        self.fields["capacite"].widget.attrs.update({"min": 1, "max": CAPACITE_MAX})
        self.fields["capacite"].error_messages["invalid"] = "Saisissez un nombre de places, par exemple 30."
        self.fields["lien"].error_messages["invalid"] = (
            "Saisissez une adresse web complète, commençant par https://."
        )
        if self.instance.pk and not self.is_bound:
            self.initial["debut"] = self.instance.debut_local.replace(tzinfo=None)
            self.initial["fin"] = self.instance.fin_local.replace(tzinfo=None)
            if self.instance.commune_id:
                commune = self.instance.commune
                self.initial["commune_texte"] = f"{commune.nom} ({commune.code_insee})"
        _dsfr(self)

    def clean_capacite(self):
        capacite = self.cleaned_data.get("capacite")
        if capacite is None:
            return None
        if not 1 <= capacite <= CAPACITE_MAX:
            raise ValidationError(f"La capacité est comprise entre 1 et {CAPACITE_MAX} places (ou vide).")
        if self.instance.pk:
            n = Participation.objects.inscrites().filter(evenement=self.instance).count()
            if capacite < n:
                raise ValidationError(
                    f"{n} personnes sont déjà inscrites : la capacité ne peut pas descendre en dessous."
                )
        return capacite

    def clean_commune_texte(self):
        pk, erreur = resoudre_commune(self.cleaned_data.get("commune_texte") or "")
        if erreur:
            raise ValidationError(erreur)
        return Commune.objects.filter(pk=pk).first() if pk else None

    def clean(self):
        donnees = super().clean()
        self._valider_diffusion(donnees)
        fuseau = fuseau_du_departement(donnees["departement"].code if donnees.get("departement") else "")
        for nom in ("debut", "fin"):  # l'heure saisie est celle du département de l'événement
            valeur = donnees.get(nom)
            if valeur is not None:
                naive = timezone.localtime(valeur).replace(tzinfo=None)
                donnees[nom] = naive.replace(tzinfo=fuseau)
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut and fin and fin <= debut:
            self.add_error("fin", "La fin doit être après le début.")
        if debut and debut <= timezone.now():
            if not self.instance.pk:
                self.add_error("debut", "Un nouvel événement ne peut pas commencer dans le passé.")
            elif abs((debut - self.instance.debut).total_seconds()) >= 60:
                self.add_error("debut", "Le début ne peut pas être déplacé dans le passé.")
        lieu, lien = (donnees.get("lieu") or "").strip(), donnees.get("lien") or ""
        if not lieu and not lien and "lien" not in self.errors:
            self.add_error("lieu", "Indiquez un lieu ou un lien de connexion.")
        if self.referent_seul:
            donnees["type"] = TypeEvenement.PARTENAIRE
        return donnees

    def save(self, commit=True):
        self._appliquer_diffusion()
        self.instance.commune = self.cleaned_data.get("commune_texte")
        self.instance.debut, self.instance.fin = self.cleaned_data["debut"], self.cleaned_data["fin"]
        return super().save(commit=commit)


class AnnulationForm(FormulaireAnnulation):
    aide_motif = "Communiqué aux inscrits, par exemple « intervenant indisponible »."
    libelle_confirmation = "Je confirme l'annulation : les inscrits seront prévenus par courriel."


class CompteRenduForm(forms.Form):
    texte = forms.CharField(
        label="Compte rendu",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Relevé des échanges et décisions, visible des invités.",
        error_messages={"max_length": "Le compte rendu tient en 20 000 caractères au plus."},
    )
    documents = DocumentsField(label="Documents à joindre")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dsfr(self)


class PublicationForm(DiffusionMixin, forms.ModelForm):
    documents = DocumentsField(label="Fichiers à joindre")

    class Meta:
        model = Publication
        fields = [
            "type",
            "titre",
            "texte",
            "lien",
            "portee",
            "region",
            "departement",
            "partenaire",
            "epinglee",
        ]
        widgets = {"texte": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"lien": "Facultatif : une page à consulter, par exemple https://www.exemple.fr/guide."}

    def __init__(self, *args, perimetre, **kwargs):
        super().__init__(*args, **kwargs)
        self._preparer_diffusion(perimetre)
        self.fields["titre"].error_messages["required"] = "Indiquez le titre."
        self.fields["texte"].error_messages["required"] = "Rédigez le texte de la publication."
        self.fields["lien"].error_messages["invalid"] = (
            "Saisissez une adresse web complète, commençant par https://."
        )
        self.fields["type"].error_messages["invalid_choice"] = CHOIX_INCONNU
        _dsfr(self)

    def clean(self):
        donnees = super().clean()
        return self._valider_diffusion(donnees)

    def save(self, commit=True):
        self._appliquer_diffusion()
        return super().save(commit=commit)


__all__ = ["AnnulationForm", "CompteRenduForm", "EvenementForm", "PublicationForm", "Role"]
