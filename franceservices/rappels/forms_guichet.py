"""Questions du guichet unique « J'ai besoin d'aide pour… » (formulaires GET, sans JavaScript).

Deux étapes : 1. de quoi s'agit-il, quel organisme ; 2. la démarche (liste filtrée par l'organisme choisi), en
ligne ou non, aide avec l'ordinateur, commune. Chaque code reçu est vérifié : un thème, un organisme ou une
démarche inconnus (adresse forgée) donnent un message, jamais une erreur 500 ; une commune introuvable ou
ambiguë donne un message et des suggestions à choisir.
"""

import re

from django import forms

from franceservices.activite.models import Demarche, Theme
from franceservices.core.texte import normaliser
from franceservices.partenaires.models import Partenaire
from franceservices.territoires.models import Commune
from franceservices.territoires.recherche import chercher_communes

from .orientation import NE_SAIT_PAS, NON, OUI, Reponses

# Les thèmes de service-public.fr, en mots simples.
SUJETS = [
    (Theme.PAPIERS_CITOYENNETE, "Papiers : carte d'identité, passeport, permis, carte grise"),
    (Theme.FAMILLE_SCOLARITE, "Famille, enfants, école"),
    (Theme.SOCIAL_SANTE, "Santé, allocations, handicap, retraite"),
    (Theme.TRAVAIL_FORMATION, "Emploi, chômage, formation"),
    (Theme.LOGEMENT, "Logement, aides au logement, énergie"),
    (Theme.TRANSPORTS_MOBILITE, "Transports, voiture"),
    (Theme.ARGENT_IMPOTS, "Impôts, argent, banque, dettes"),
    (Theme.JUSTICE, "Justice, litiges"),
    (Theme.ETRANGERS_EUROPE, "Titre de séjour, vivre en France"),
    (Theme.LOISIRS, "Loisirs, sport, culture"),
    ("", "Je ne sais pas"),
]
LIBELLES_SUJETS = dict(SUJETS)
OUI_NON = [(OUI, "Oui"), (NON, "Non"), (NE_SAIT_PAS, "Je ne sais pas")]
NB_SUGGESTIONS = 8
MOTIF_INSEE = re.compile(r"^\d[\dAB]\d{3}$")

CHOIX_INVALIDE = "Ce choix n'est pas dans la liste : choisissez une des réponses proposées."


def _classes_dsfr(form) -> None:
    """Classes DSFR des listes et zones de saisie (les boutons radio ont leur gabarit)."""
    for champ in form.fields.values():
        widget = champ.widget
        if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
            continue
        widget.attrs["class"] = "fr-select" if isinstance(widget, forms.Select) else "fr-input"


def libelle_commune(commune) -> str:
    cps = commune.liste_codes_postaux
    return f"{commune.nom} ({cps[0] if cps else commune.departement.code})"


def partenaires_proposes():
    return Partenaire.objects.filter(actif=True).order_by("nom_court")


def demarches_pour(partenaire, sujet: str):
    """Démarches proposées à l'étape 2 : celles de l'organisme choisi ; sans organisme, celles du thème."""
    qs = Demarche.objects.filter(actif=True).select_related("partenaire")
    if partenaire is not None:
        return qs.filter(partenaire=partenaire).order_by("ordre", "libelle")
    if sujet:
        return qs.filter(theme=sujet).order_by("partenaire__nom_court", "ordre", "libelle")
    return qs.none()


class BesoinForm(forms.Form):
    """Étape 1 : de quoi s'agit-il, quel organisme."""

    sujet = forms.ChoiceField(
        label="De quoi s'agit-il ?",
        choices=SUJETS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
    )
    partenaire = forms.ChoiceField(
        label="Quel organisme s'occupe de votre demande, si vous le savez ?",
        help_text="Par exemple la CAF, l'Assurance maladie, les impôts…",
        required=False,
        error_messages={"invalid_choice": "Cet organisme est inconnu : choisissez-le dans la liste."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partenaires = {p.code: p for p in partenaires_proposes()}
        self.fields["partenaire"].choices = [("", "Je ne sais pas")] + [
            (code, p.nom_court if p.nom_court == p.nom_complet else f"{p.nom_court} ({p.nom_complet})")
            for code, p in self.partenaires.items()
        ]
        _classes_dsfr(self)

    def clean_partenaire(self):
        code = self.cleaned_data.get("partenaire") or ""
        return self.partenaires.get(code)


class QuestionsForm(BesoinForm):
    """Étape 2 (et résultat) : tout le parcours. Les réponses de l'étape 1 arrivent en champs cachés."""

    demarche = forms.ChoiceField(
        label="Quelle démarche, si vous la connaissez ?",
        required=False,
        error_messages={
            "invalid_choice": "Cette démarche ne correspond pas à l'organisme ou au sujet choisi."
        },
    )
    en_ligne = forms.ChoiceField(
        label="Pouvez-vous faire cette démarche en ligne, par vous-même ?",
        choices=OUI_NON,
        initial=NE_SAIT_PAS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
    )
    aide_ordinateur = forms.ChoiceField(
        label="Avez-vous besoin d'aide pour utiliser un ordinateur ou internet ?",
        choices=OUI_NON,
        initial=NE_SAIT_PAS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
    )
    commune = forms.CharField(
        label="Votre commune",
        help_text="Son nom ou son code postal, par exemple « Angoulême » ou « 16000 ». Facultatif.",
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    insee = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sujet"].widget = forms.HiddenInput()
        self.fields["partenaire"].widget = forms.HiddenInput()
        self.suggestions: list = []
        # Les démarches dépendent de l'organisme et du sujet reçus (déjà vérifiés à l'étape 1).
        donnees = self.data if self.is_bound else self.initial
        self.partenaire_choisi = self.partenaires.get(donnees.get("partenaire", ""))
        sujet = donnees.get("sujet", "")
        self.sujet_choisi = sujet if sujet in LIBELLES_SUJETS else ""
        self.demarches = {str(d.pk): d for d in demarches_pour(self.partenaire_choisi, self.sujet_choisi)}
        if self.partenaire_choisi is not None:
            options = [(pk, d.libelle) for pk, d in self.demarches.items()]
        else:
            groupes: dict[str, list] = {}
            for pk, d in self.demarches.items():
                groupes.setdefault(d.partenaire.nom_court, []).append((pk, d.libelle))
            options = list(groupes.items())
        self.fields["demarche"].choices = [("", "Je ne sais pas"), *options]
        _classes_dsfr(self)

    def clean_demarche(self):
        return self.demarches.get(self.cleaned_data.get("demarche") or "")

    def clean_en_ligne(self):
        return self.cleaned_data.get("en_ligne") or NE_SAIT_PAS

    def clean_aide_ordinateur(self):
        return self.cleaned_data.get("aide_ordinateur") or NE_SAIT_PAS

    def clean(self):
        donnees = super().clean()
        insee = (donnees.get("insee") or "").strip().upper()
        texte = (donnees.get("commune") or "").strip()
        donnees["commune_trouvee"] = None
        if insee:
            commune = Commune.objects.par_code(insee) if MOTIF_INSEE.match(insee) else None
            if commune is None:
                self.add_error("commune", "Cette commune est inconnue : indiquez son nom ou son code postal.")
            else:
                donnees["commune_trouvee"] = commune
        elif texte:
            donnees["commune_trouvee"] = self._commune_depuis_texte(texte)
        return donnees

    def _commune_depuis_texte(self, texte):
        trouvees = chercher_communes(texte, NB_SUGGESTIONS)
        if not trouvees:
            self.add_error(
                "commune",
                f"Nous ne trouvons pas de commune « {texte} ». Vérifiez l'orthographe, ou indiquez le code "
                "postal (5 chiffres). Vous pouvez aussi laisser ce champ vide.",
            )
            return None
        if len(trouvees) == 1:
            return trouvees[0]
        premiere = trouvees[0]
        if premiere.code_insee == texte.upper():
            return premiere
        memes_noms = [c for c in trouvees if c.nom_normalise == normaliser(texte)]
        if len(memes_noms) == 1:
            return memes_noms[0]
        self.suggestions = trouvees
        self.add_error("commune", f"Plusieurs communes correspondent à « {texte} » : choisissez la vôtre.")
        return None

    def reponses(self) -> Reponses:
        d = self.cleaned_data
        return Reponses(
            sujet=d.get("sujet") or "",
            partenaire=d.get("partenaire"),
            demarche=d.get("demarche"),
            en_ligne=d.get("en_ligne") or NE_SAIT_PAS,
            aide_ordinateur=d.get("aide_ordinateur") or NE_SAIT_PAS,
            commune=d.get("commune_trouvee"),
        )


class IntegrerForm(forms.Form):
    """Paramètres facultatifs du widget : organisme et commune présélectionnés."""

    partenaire = forms.ChoiceField(
        label="Organisme présélectionné",
        required=False,
        error_messages={"invalid_choice": "Cet organisme est inconnu : choisissez-le dans la liste."},
    )
    commune = forms.CharField(
        label="Commune présélectionnée (code INSEE)",
        help_text="5 caractères, par exemple 16015 pour Angoulême. Facultatif.",
        max_length=5,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].choices = [("", "Aucun")] + [
            (p.code, p.nom_court) for p in partenaires_proposes()
        ]
        _classes_dsfr(self)

    def clean_commune(self):
        code = (self.cleaned_data.get("commune") or "").strip().upper()
        if not code:
            return ""
        commune = Commune.objects.par_code(code) if MOTIF_INSEE.match(code) else None
        if commune is None:
            raise forms.ValidationError("Ce code INSEE ne correspond à aucune commune.")
        return commune.code_insee
