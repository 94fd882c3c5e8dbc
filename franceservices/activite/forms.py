"""Formulaires de l'activité : saisie d'une visite (profil + demandes), corrections, filtres (validation seulement).

Le catalogue (démarches, partenaires) est chargé une fois par requête (`Catalogue`) : aucune requête par
ligne. L'enregistrement passe par `actions.enregistrer` (vues).
"""

import bisect
import re
import threading
import time as horloge
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from franceservices.core.texte import normaliser
from franceservices.partenaires.models import Partenaire, Presence
from franceservices.territoires.models import Commune
from franceservices.territoires.recherche import index_communes
from franceservices.ui.forms import FormulaireDsfr

from .models import (
    DUREE_PAR_DEFAUT,
    DUREES,
    Autonomie,
    Canal,
    Demande,
    Demarche,
    Issue,
    Niveau,
    Sexe,
    Theme,
    TrancheAge,
)

MAX_DEMANDES_PAR_VISITE = 20
AVANCE_TOLEREE = timedelta(minutes=5)
ANCIENNETE_MAX = timedelta(days=365)
FORMATS_DATE_HEURE = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
PREMIERE_VISITE = [("", "Non renseigné"), ("oui", "Oui"), ("non", "Non")]
VIDE = [("", "Non renseigné")]


@dataclass
class Catalogue:
    """Démarches actives et partenaires, lus en deux requêtes pour toute la visite."""

    demarches: dict[int, Demarche] = field(default_factory=dict)
    partenaires: dict[int, Partenaire] = field(default_factory=dict)

    @classmethod
    def charger(cls) -> "Catalogue":
        """Le catalogue du processus, relu au plus toutes les DUREE_CACHE_CATALOGUE secondes (et à chaque
        modification d'une démarche ou d'un partenaire dans ce processus)."""
        with _verrou_catalogue:
            valeur, lu_a = _cache_catalogue.get("valeur"), _cache_catalogue.get("lu_a", 0.0)
            if valeur is None or horloge.monotonic() - lu_a > DUREE_CACHE_CATALOGUE:
                valeur = cls.lire()
                _cache_catalogue.update(valeur=valeur, lu_a=horloge.monotonic())
            return valeur

    @classmethod
    def lire(cls) -> "Catalogue":
        partenaires = {p.pk: p for p in Partenaire.objects.order_by("nom_court")}
        demarches = {}
        for d in Demarche.objects.filter(actif=True).order_by("partenaire__nom_court", "ordre", "libelle"):
            d.partenaire = partenaires.get(d.partenaire_id) or d.partenaire
            demarches[d.pk] = d
        return cls(demarches=demarches, partenaires=partenaires)

    def choix_demarches(self, proposes: set[int] | None = None) -> list:
        """Choix groupés par partenaire (balises optgroup) ; `proposes` : seulement ces partenaires."""
        groupes: dict[str, list] = {}
        for d in self.demarches.values():
            if proposes is not None and d.partenaire_id not in proposes:
                continue
            groupes.setdefault(d.partenaire.nom_court, []).append((str(d.pk), d.libelle))
        return [("", "Aucune (choisir un partenaire et un thème)"), *groupes.items()]

    def choix_partenaires(self, proposes: set[int] | None = None) -> list:
        actifs = [
            (str(p.pk), p.nom_court)
            for p in self.partenaires.values()
            if p.actif and (proposes is None or p.pk in proposes)
        ]
        return [("", "Autre partenaire ou partenaire local"), *actifs]


DUREE_CACHE_CATALOGUE = 60.0
_verrou_catalogue = threading.Lock()
_cache_catalogue: dict = {}


def invalider_catalogue(**_):
    with _verrou_catalogue:
        _cache_catalogue.clear()


for _modele in (Demarche, Partenaire):
    post_save.connect(invalider_catalogue, sender=_modele, dispatch_uid=f"catalogue_{_modele.__name__}_save")
    post_delete.connect(invalider_catalogue, sender=_modele, dispatch_uid=f"catalogue_{_modele.__name__}_del")


def partenaires_proposes(structures, catalogue: Catalogue):
    """Partenaires proposés dans ces France services (`Partenaire.objects.proposes_a_structure`), lus au
    premier usage seulement (affichage des choix) : None si le catalogue n'a aucun partenaire pilote."""
    memoire = {}

    def lire() -> set[int] | None:
        if "valeur" not in memoire:
            if not structures or not any(
                p.presence == Presence.PILOTE for p in catalogue.partenaires.values()
            ):
                memoire["valeur"] = None
            else:
                qs = reduce(or_, (Partenaire.objects.proposes_a_structure(s) for s in structures))
                memoire["valeur"] = set(qs.values_list("pk", flat=True))
        return memoire["valeur"]

    return lire


class ChoixDuCatalogue(forms.ChoiceField):
    """Liste affichée : les choix proposés ici ; la valeur envoyée est vérifiée par la méthode clean_<champ>
    du formulaire contre tout le catalogue (un partenaire pilote refusé reçoit un motif clair)."""

    def valid_value(self, value) -> bool:
        return True


def _entier(valeur) -> int | None:
    try:
        return int(str(valeur).strip())
    except (TypeError, ValueError):
        return None


def resoudre_commune(texte: str) -> tuple[int | None, str]:
    """« 16015 », « 16000 », « Angoulême » → (pk, '') ; sinon (None, message d'erreur)."""
    texte = (texte or "").strip()
    if not texte:
        return None, ""
    index = index_communes()
    if suggestion := re.search(r"\((\w{5})\)\s*$", texte):  # « Angoulême (16015) » : suggestion choisie
        entree = index.commune_de_code(suggestion[1].upper())
        if entree is not None:
            return entree.pk, ""
    if len(texte) == 5 and texte[:2].isalnum() and texte[2:].isdigit():
        entree = index.commune_de_code(texte.upper())
        if entree is not None:
            return entree.pk, ""
    pks = index.chercher(texte, 6)
    if not pks:
        return (
            None,
            f"Aucune commune ne correspond à « {texte} » : saisissez son code postal ou son code INSEE.",
        )
    if len(pks) == 1:
        return pks[0], ""
    # Un nom exact porté par une seule commune actuelle suffit (« Angoulême »).
    nom = normaliser(texte)
    debut, fin = bisect.bisect_left(index.noms, nom), bisect.bisect_right(index.noms, nom)
    exactes = [e for e in index.par_nom[debut:fin] if e.actuelle]
    if len(exactes) == 1:
        return exactes[0].pk, ""
    return None, (
        f"Plusieurs communes correspondent à « {texte} » : précisez avec son code INSEE (5 chiffres)."
    )


class VisiteForm(FormulaireDsfr):
    """Ce qui est commun aux demandes d'une visite : lieu, canal, moment, profil anonyme de l'usager."""

    structure = forms.TypedChoiceField(label="France services", coerce=int, required=False)
    canal = forms.ChoiceField(label="Canal", choices=Canal.choices, required=False)
    date_heure = forms.CharField(
        label="Date et heure de la visite",
        help_text="Facultatif : maintenant si vide (heure de la France services).",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    tranche_age = forms.ChoiceField(label="Tranche d'âge", choices=VIDE + TrancheAge.choices, required=False)
    sexe = forms.ChoiceField(label="Sexe", choices=VIDE + Sexe.choices, required=False)
    commune = forms.CharField(
        label="Commune de résidence",
        help_text="Code postal, code INSEE ou nom de la commune.",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "communes-suggestions", "autocomplete": "off"}),
    )
    premiere_visite = forms.ChoiceField(
        label="Première visite dans une France services", choices=PREMIERE_VISITE, required=False
    )
    autonomie = forms.ChoiceField(
        label="Autonomie numérique", choices=VIDE + Autonomie.choices, required=False
    )

    def __init__(self, *args, structures=(), maintenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.structures = {s.pk: s for s in structures}
        self.maintenant = maintenant or timezone.now()
        self.fields["structure"].choices = [(s.pk, s.nom) for s in structures]
        self.fields["structure"].error_messages["invalid_choice"] = (
            "Vous ne pouvez enregistrer l'activité que de vos France services."
        )
        self.fields["canal"].error_messages["invalid_choice"] = "Canal inconnu."

    def clean_structure(self):
        pk = self.cleaned_data.get("structure")
        if pk in (None, ""):
            if len(self.structures) == 1:
                return next(iter(self.structures.values()))
            raise ValidationError("Choisissez la France services.")
        return self.structures[pk]

    def clean_canal(self):
        return self.cleaned_data.get("canal") or Canal.ACCUEIL_PHYSIQUE

    def clean_date_heure(self):
        texte = (self.cleaned_data.get("date_heure") or "").strip()
        if not texte:
            return self.maintenant
        instant = None
        for fmt in FORMATS_DATE_HEURE:
            try:
                instant = datetime.strptime(texte, fmt)
                break
            except ValueError:
                continue
        if instant is None:
            try:
                instant = datetime.fromisoformat(texte)
            except ValueError:
                raise ValidationError(
                    "Date et heure invalides : saisissez par exemple 2026-11-26T14:30."
                ) from None
        if timezone.is_naive(instant):  # heure locale de la France services (outre-mer compris)
            structure = self.cleaned_data.get("structure")
            instant = timezone.make_aware(instant, structure.fuseau if structure else None)
        if instant > self.maintenant + AVANCE_TOLEREE:
            raise ValidationError("La date et l'heure sont dans le futur : une visite se saisit après coup.")
        if instant < self.maintenant - ANCIENNETE_MAX:
            raise ValidationError("La visite date de plus d'un an : elle ne peut plus être saisie.")
        return instant

    def clean_commune(self):
        texte = self.cleaned_data.get("commune", "")
        pk, erreur = resoudre_commune(texte)
        if erreur:
            raise ValidationError(erreur)
        return pk

    def clean_premiere_visite(self):
        return {"oui": True, "non": False}.get(self.cleaned_data.get("premiere_visite"))


class DemandeForm(FormulaireDsfr):
    """Une demande de la visite. Une ligne vide (ni démarche, ni partenaire, ni thème) est ignorée."""

    cle_client = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"invalid": "Clé de soumission invalide.", "required": "Clé de soumission manquante."},
    )
    demarche = forms.CharField(label="Démarche", required=False)
    demarche_catalogue = ChoixDuCatalogue(label="Démarche du catalogue", required=False)
    partenaire = ChoixDuCatalogue(label="Partenaire", required=False)
    partenaire_autre = forms.CharField(
        label="Nom de l'autre partenaire",
        help_text="Obligatoire si le partenaire n'est pas dans la liste.",
        max_length=100,
        required=False,
    )
    theme = forms.ChoiceField(
        label="Thème", choices=[("", "Choisir un thème"), *Theme.choices], required=False
    )
    niveau = forms.ChoiceField(label="Niveau d'aide", choices=Niveau.choices, required=False)
    issue = forms.ChoiceField(label="Issue", choices=Issue.choices, required=False)
    orientee_vers = forms.CharField(
        label="Orientée vers",
        help_text="Obligatoire si l'usager est orienté.",
        max_length=150,
        required=False,
    )
    duree = forms.TypedChoiceField(
        label="Durée",
        choices=[(d, f"{d} min") for d in DUREES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    fiche = forms.CharField(
        label="Fiche consultée (facultatif)",
        help_text="Numéro de la fiche de la base de connaissances utilisée.",
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, catalogue: Catalogue, proposes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.vide = False
        self.focus_rapide = False
        proposes = proposes or (lambda: None)
        # Choix évalués à l'affichage seulement (pas de requête quand la saisie est valide).
        self.fields["demarche_catalogue"].choices = lambda: catalogue.choix_demarches(proposes())
        self.fields["partenaire"].choices = lambda: catalogue.choix_partenaires(proposes())
        for nom, message in {
            "theme": "Thème inconnu.",
            "niveau": "Niveau d'aide inconnu.",
            "issue": "Issue inconnue.",
            "duree": "Choisissez une durée proposée (de 5 à 120 minutes).",
            "partenaire": "Partenaire inconnu.",
            "demarche_catalogue": "Démarche inconnue ou retirée du catalogue.",
        }.items():
            self.fields[nom].error_messages["invalid_choice"] = message

    def clean_demarche(self):
        valeur = (self.cleaned_data.get("demarche") or "").strip()
        if not valeur:
            return None
        demarche = self.catalogue.demarches.get(_entier(valeur))
        if demarche is None:
            raise ValidationError("Démarche inconnue ou retirée du catalogue.")
        return demarche

    def clean_demarche_catalogue(self):
        valeur = self.cleaned_data.get("demarche_catalogue")
        if not valeur:
            return None
        demarche = self.catalogue.demarches.get(_entier(valeur))
        if demarche is None:
            raise ValidationError("Démarche inconnue ou retirée du catalogue.")
        return demarche

    def clean_partenaire(self):
        valeur = self.cleaned_data.get("partenaire")
        if not valeur:
            return None
        partenaire = self.catalogue.partenaires.get(_entier(valeur))
        if partenaire is None or not partenaire.actif:
            raise ValidationError("Partenaire inconnu.")
        return partenaire

    def clean_fiche(self):
        valeur = (self.cleaned_data.get("fiche") or "").strip().lstrip("nN°o ").strip()
        if not valeur:
            return None
        numero = _entier(valeur)
        if numero is None or numero <= 0:
            raise ValidationError("Numéro de fiche invalide : indiquez le numéro affiché sur la fiche.")
        return numero

    def clean(self):
        donnees = super().clean()
        if self.errors:
            return donnees
        rapide, choisie = donnees.get("demarche"), donnees.get("demarche_catalogue")
        if rapide and choisie and rapide != choisie:
            self.add_error("demarche_catalogue", "Choisissez une seule démarche : favorite ou du catalogue.")
            return donnees
        demarche = rapide or choisie
        donnees["demarche"] = demarche
        partenaire = donnees.get("partenaire")
        autre = (donnees.get("partenaire_autre") or "").strip()
        if not (demarche or partenaire or autre or donnees.get("theme")):
            self.vide = True
            return donnees
        if demarche:
            if partenaire and partenaire.pk != demarche.partenaire_id:
                self.add_error(
                    "partenaire",
                    f"La démarche « {demarche.libelle} » relève de {demarche.partenaire.nom_court}, "
                    f"pas de {partenaire.nom_court}.",
                )
            donnees["partenaire"] = demarche.partenaire
            donnees["theme"] = demarche.theme
            autre = ""
        elif not partenaire and not autre:
            self.add_error("partenaire_autre", "Choisissez un partenaire ou nommez l'autre partenaire.")
        if partenaire and not demarche:
            autre = ""
        donnees["partenaire_autre"] = autre
        if not donnees.get("theme"):
            self.add_error("theme", "Choisissez le thème de la demande.")
        donnees["niveau"] = donnees.get("niveau") or Niveau.ACCOMPAGNEMENT
        donnees["issue"] = donnees.get("issue") or Issue.FINALISEE
        if donnees.get("duree") is None:
            donnees["duree"] = DUREE_PAR_DEFAUT
        orientee = (donnees.get("orientee_vers") or "").strip()
        if donnees["issue"] == Issue.ORIENTEE and not orientee:
            self.add_error("orientee_vers", "Indiquez vers quel service l'usager est orienté.")
        donnees["orientee_vers"] = orientee
        return donnees


class BaseDemandesFormSet(forms.BaseFormSet):
    def __init__(self, *args, catalogue: Catalogue, proposes=None, **kwargs):
        self.catalogue = catalogue
        self.proposes = proposes
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "catalogue": self.catalogue, "proposes": self.proposes}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            initial={k: v for k, v in nouvelle_ligne().items() if k != "cle_client"},
            renderer=self.renderer,
            catalogue=self.catalogue,
            proposes=self.proposes,
        )
        self.add_fields(form, None)
        return form

    def remplies(self) -> list[DemandeForm]:
        return [f for f in self.forms if f.is_valid() and not f.vide]

    def clean(self):
        if any(self.errors):
            return
        cles = [f.cleaned_data["cle_client"] for f in self.forms]
        if len(set(cles)) != len(cles):
            raise ValidationError("Deux demandes portent la même clé de soumission.")
        if not self.remplies():
            self.forms[0].add_error(
                "demarche_catalogue", "Choisissez une démarche, ou un partenaire et un thème."
            )


DemandesFormSet = forms.formset_factory(
    DemandeForm,
    formset=BaseDemandesFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_DEMANDES_PAR_VISITE,
    validate_max=True,
    absolute_max=MAX_DEMANDES_PAR_VISITE,
)


def nouvelle_ligne() -> dict:
    return {
        "cle_client": uuid.uuid4(),
        "niveau": Niveau.ACCOMPAGNEMENT,
        "issue": Issue.FINALISEE,
        "duree": 15,
    }


def controler_visite(visite: VisiteForm, demandes: BaseDemandesFormSet, agent) -> bool:
    """Contrôles qui dépendent de l'agent et de la France services, après validation des formulaires :
    partenaire pilote (`partenaires.pilotes.motif_refus`) et fiche consultée visible par l'agent.
    Les refus sont ajoutés aux erreurs des lignes ; False s'il y en a."""
    from franceservices.bouquet.models import Fiche
    from franceservices.partenaires.pilotes import motif_refus

    structure = visite.cleaned_data["structure"]
    valide = True
    motifs: dict[int, str | None] = {}
    par_fiche: dict[int, list[DemandeForm]] = {}
    for form in demandes.remplies():
        partenaire = form.cleaned_data.get("partenaire")
        if partenaire is not None and partenaire.presence == Presence.PILOTE:
            if partenaire.pk not in motifs:
                motifs[partenaire.pk] = motif_refus(agent, partenaire, structure)
            if motifs[partenaire.pk]:
                form.add_error("partenaire", motifs[partenaire.pk])
                valide = False
        if form.cleaned_data.get("fiche"):
            par_fiche.setdefault(form.cleaned_data["fiche"], []).append(form)
    if par_fiche:
        visibles = set(Fiche.objects.visible_par(agent).filter(pk__in=par_fiche).values_list("pk", flat=True))
        for numero, forms_ in par_fiche.items():
            if numero not in visibles:
                valide = False
                for form in forms_:
                    form.add_error(
                        "fiche",
                        f"La fiche n° {numero} n'existe pas ou ne vous est pas accessible : "
                        "vérifiez son numéro, ou laissez ce champ vide.",
                    )
    return valide


def demandes_de(visite: VisiteForm, demandes: BaseDemandesFormSet, agent) -> list[Demande]:
    """Les demandes (non enregistrées) d'une visite validée : un même identifiant de visite."""
    v = visite.cleaned_data
    identifiant = uuid.uuid4()
    commune = Commune(pk=v["commune"]) if v["commune"] else None
    resultat = []
    for form in demandes.remplies():
        d = form.cleaned_data
        resultat.append(
            Demande(
                cle_client=d["cle_client"],
                visite=identifiant,
                structure=v["structure"],
                agent=agent,
                date_heure=v["date_heure"],
                canal=v["canal"],
                partenaire=d["partenaire"],
                partenaire_autre=d["partenaire_autre"],
                theme=d["theme"],
                demarche=d["demarche"],
                fiche_id=d.get("fiche"),
                niveau=d["niveau"],
                issue=d["issue"],
                orientee_vers=d["orientee_vers"],
                duree=d["duree"],
                tranche_age=v["tranche_age"],
                sexe=v["sexe"],
                commune=commune,
                premiere_visite=v["premiere_visite"],
                autonomie=v["autonomie"],
            )
        )
    return resultat


class MotifForm(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif",
        help_text="Pourquoi cette modification (gardé dans l'historique).",
        max_length=300,
        required=False,
    )


class CorrectionForm(FormulaireDsfr):
    """Correction d'une demande : les champs d'une ligne et du profil (la France services ne change pas)."""

    canal = forms.ChoiceField(label="Canal", choices=Canal.choices)
    partenaire = forms.ChoiceField(label="Partenaire", required=False)
    partenaire_autre = forms.CharField(label="Nom de l'autre partenaire", max_length=100, required=False)
    demarche = forms.ChoiceField(label="Démarche", required=False)
    theme = forms.ChoiceField(label="Thème", choices=Theme.choices, required=False)
    niveau = forms.ChoiceField(label="Niveau d'aide", choices=Niveau.choices)
    issue = forms.ChoiceField(label="Issue", choices=Issue.choices)
    orientee_vers = forms.CharField(label="Orientée vers", max_length=150, required=False)
    duree = forms.TypedChoiceField(label="Durée", choices=[(d, f"{d} min") for d in DUREES], coerce=int)
    tranche_age = forms.ChoiceField(label="Tranche d'âge", choices=VIDE + TrancheAge.choices, required=False)
    sexe = forms.ChoiceField(label="Sexe", choices=VIDE + Sexe.choices, required=False)
    premiere_visite = forms.ChoiceField(
        label="Première visite dans une France services", choices=PREMIERE_VISITE, required=False
    )
    autonomie = forms.ChoiceField(
        label="Autonomie numérique", choices=VIDE + Autonomie.choices, required=False
    )
    motif = forms.CharField(
        label="Motif de la correction",
        help_text="Gardé dans l'historique de la demande.",
        max_length=300,
        required=False,
    )

    def __init__(self, *args, catalogue: Catalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.fields["partenaire"].choices = catalogue.choix_partenaires()
        self.fields["demarche"].choices = catalogue.choix_demarches()
        self.fields["duree"].error_messages["invalid_choice"] = (
            "Choisissez une durée proposée (de 5 à 120 minutes)."
        )
        for nom in ("canal", "theme", "niveau", "issue", "partenaire", "demarche"):
            self.fields[nom].error_messages["invalid_choice"] = "Choix inconnu : choisissez dans la liste."

    @staticmethod
    def initial_de(demande: Demande) -> dict:
        premiere = demande.premiere_visite
        return {
            "canal": demande.canal,
            "partenaire": demande.partenaire_id or "",
            "partenaire_autre": demande.partenaire_autre,
            "demarche": demande.demarche_id or "",
            "theme": demande.theme,
            "niveau": demande.niveau,
            "issue": demande.issue,
            "orientee_vers": demande.orientee_vers,
            "duree": demande.duree,
            "tranche_age": demande.tranche_age,
            "sexe": demande.sexe,
            "premiere_visite": "" if premiere is None else ("oui" if premiere else "non"),
            "autonomie": demande.autonomie,
        }

    def clean(self):
        d = super().clean()
        if self.errors:
            return d
        demarche = self.catalogue.demarches.get(_entier(d.get("demarche"))) if d.get("demarche") else None
        partenaire = (
            self.catalogue.partenaires.get(_entier(d.get("partenaire"))) if d.get("partenaire") else None
        )
        autre = (d.get("partenaire_autre") or "").strip()
        if demarche:
            if partenaire and partenaire.pk != demarche.partenaire_id:
                self.add_error("partenaire", "Cette démarche relève d'un autre partenaire.")
            partenaire, d["theme"], autre = demarche.partenaire, demarche.theme, ""
        elif not partenaire and not autre:
            self.add_error("partenaire_autre", "Choisissez un partenaire ou nommez l'autre partenaire.")
        if partenaire:
            autre = ""
        if not d.get("theme"):
            self.add_error("theme", "Choisissez le thème de la demande.")
        if d.get("issue") == Issue.ORIENTEE and not (d.get("orientee_vers") or "").strip():
            self.add_error("orientee_vers", "Indiquez vers quel service l'usager est orienté.")
        d["demarche"], d["partenaire"], d["partenaire_autre"] = demarche, partenaire, autre
        d["premiere_visite"] = {"oui": True, "non": False}.get(d.get("premiere_visite"))
        return d

    def changements(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "motif"}


class FiltreDemandesForm(FormulaireDsfr):
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    agent = forms.TypedChoiceField(label="Agent", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "Tous les agents"), *agents]
        if not agents:
            del self.fields["agent"]
        for nom in ("du", "au"):
            self.fields[nom].error_messages["invalid"] = "Date invalide : saisissez par exemple 2026-11-26."
