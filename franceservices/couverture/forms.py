"""Paramètres des pages de couverture (GET) : validés, avec des messages clairs."""

from django import forms

from franceservices.ui.forms import FormulaireDsfr

from . import calcul, placement

MESURES = [("vol", "À vol d'oiseau"), ("route", "Par la route (estimation)")]


def _seuils():
    return [(str(s), f"{s} km") for s in calcul.seuils_km()]


class ParametresForm(FormulaireDsfr):
    seuil = forms.TypedChoiceField(
        label="Seuil de distance",
        choices=_seuils,
        coerce=int,
        required=False,
        initial=calcul.SEUIL_CARTE_DEFAUT,
        error_messages={
            "invalid_choice": "Seuil inconnu : choisissez 10, 20 ou 30 km (les chiffres affichés sont ceux du seuil par défaut)."
        },
    )
    mesure = forms.ChoiceField(
        label="Distance",
        choices=MESURES,
        required=False,
        initial="vol",
        error_messages={
            "invalid_choice": "Mesure inconnue : choisissez « à vol d'oiseau » ou « par la route »."
        },
    )
    arrets = forms.BooleanField(
        label="Compter les arrêts des France services itinérantes comme points d'accès", required=False
    )

    def parametres(self, facteur: float) -> tuple[int, calcul.Mesure]:
        """(seuil, mesure) validés ; les valeurs par défaut si le formulaire est invalide ou vide."""
        donnees = self.cleaned_data if self.is_valid() else {}
        seuil = donnees.get("seuil") or calcul.SEUIL_CARTE_DEFAUT
        if seuil not in calcul.seuils_km():
            seuil = calcul.seuils_km()[0]
        mesure = calcul.Mesure(
            route=donnees.get("mesure") == "route", arrets=bool(donnees.get("arrets")), facteur=facteur
        )
        return seuil, mesure


class PlacementForm(FormulaireDsfr):
    k = forms.IntegerField(
        label="Nombre de nouveaux points d'accès",
        min_value=1,
        max_value=placement.K_MAX,
        initial=3,
        help_text=f"De 1 à {placement.K_MAX}.",
        error_messages={
            "required": "Indiquez combien de points d'accès proposer (de 1 à 10).",
            "invalid": "Le nombre de points d'accès doit être un nombre entier (de 1 à 10).",
            "min_value": "Proposez au moins un point d'accès.",
            "max_value": f"Au plus {placement.K_MAX} points d'accès à la fois.",
        },
    )
    rayon = forms.TypedChoiceField(
        label="Rayon couvert par un point d'accès",
        choices=[(str(r), f"{r} km") for r in placement.RAYONS_KM],
        coerce=int,
        initial="10",
        error_messages={
            "required": "Choisissez un rayon.",
            "invalid_choice": "Choisissez un rayon de 10, 20 ou 30 km.",
        },
    )
    mesure = forms.ChoiceField(
        label="Distance",
        choices=MESURES,
        initial="vol",
        error_messages={"invalid_choice": "Choisissez « à vol d'oiseau » ou « par la route »."},
    )
    type = forms.ChoiceField(
        label="Proposer",
        choices=[
            ("sites", "De nouvelles France services (sites fixes)"),
            ("bus", "Des arrêts de bus itinérant"),
        ],
        initial="sites",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez des sites fixes ou des arrêts de bus."},
    )
    arrets = forms.BooleanField(
        label="Compter les arrêts itinérants existants comme points d'accès", required=False
    )
