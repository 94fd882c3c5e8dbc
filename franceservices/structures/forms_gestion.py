"""Formulaires de gestion d'une fiche par son équipe : coordonnées et horaires (validation seulement).

L'enregistrement passe par `actions.modifier_structure`.
"""

import re
from datetime import time

from django import forms

from franceservices.territoires.models import Departement
from franceservices.ui.forms import FormulaireDsfr

from .horaires import JOURS, HorairesJour, HorairesSemaine, Plage, chevauchements

MAX_PLAGES = 6  # par jour (le registre en compte au plus 5)
LIGNES_MINIMUM = 2  # lignes affichées par jour, même fermé
LIGNES_LUES = 10  # au-delà, les champs envoyés sont ignorés

# Départements d'outre-mer : +262 692 12 34 56 s'écrit 06 92 12 34 56 depuis la France.
_INDICATIFS_NATIONAUX = "33|262|269|590|594|596"
# Collectivités d'outre-mer à numérotation propre : indicatif → nombre de chiffres.
_COLLECTIVITES = {"508": 6, "681": 6, "687": 6, "689": 8}


def normaliser_telephone(texte: str) -> str | None:
    """« 0471234567 », « +33 (0)4 71 23 45 67 », « 04.71.23.45.67 » → « 04 71 23 45 67 » ; None si invalide."""
    chiffres = re.sub(r"[\s.\-/()]", "", texte)
    if re.fullmatch(r"0[1-9][0-9]{8}", chiffres):
        national = chiffres
    elif correspondance := re.fullmatch(
        rf"(?:\+|00)(?:{_INDICATIFS_NATIONAUX})0?([1-9][0-9]{{8}})", chiffres
    ):
        national = "0" + correspondance[1]
    elif correspondance := re.fullmatch(r"(?:\+|00)(508|681|687|689)([0-9]+)", chiffres):
        indicatif, numero = correspondance.groups()
        if len(numero) != _COLLECTIVITES[indicatif]:
            return None
        return f"+{indicatif} " + " ".join(numero[i : i + 2] for i in range(0, len(numero), 2))
    else:
        return None
    return " ".join(national[i : i + 2] for i in range(0, 10, 2))


class CoordonneesForm(FormulaireDsfr):
    telephone = forms.CharField(
        label="Téléphone",
        help_text="Par exemple : 04 71 23 45 67 ou +33 4 71 23 45 67.",
        max_length=30,
        required=False,
    )
    email = forms.EmailField(
        label="Adresse électronique",
        help_text="Adresse de contact publiée, par exemple : france-services@mairie-exemple.fr.",
        max_length=254,
        required=False,
        error_messages={"invalid": "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."},
    )
    adresse = forms.CharField(label="Adresse", help_text="Numéro et voie.", max_length=250, required=False)
    complement_adresse = forms.CharField(
        label="Complément d'adresse",
        help_text="Bâtiment, étage, lieu-dit…",
        max_length=250,
        required=False,
    )
    code_postal = forms.CharField(label="Code postal", help_text="5 chiffres.", max_length=10, required=False)
    prise_rdv = forms.BooleanField(label="Prise de rendez-vous possible", required=False)
    commentaire = forms.CharField(
        label="Information publique",
        help_text="Affichée sur la fiche publique sous les horaires : fermeture exceptionnelle, accès…",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        donnees = super().clean()
        # Un champ texte absent (et non vide) : envoi tronqué ou fabriqué, on n'efface rien.
        if any(nom not in self.data for nom in self.fields if nom != "prise_rdv"):
            raise forms.ValidationError(
                "Le formulaire reçu est incomplet : rechargez la page et recommencez."
            )
        return donnees

    def clean_telephone(self):
        texte = self.cleaned_data["telephone"]
        if not texte:
            return ""
        numero = normaliser_telephone(texte)
        if numero is None:
            raise forms.ValidationError(
                "Numéro de téléphone invalide : saisissez 10 chiffres (04 71 23 45 67) "
                "ou un numéro international (+33 4 71 23 45 67)."
            )
        return numero

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def clean_code_postal(self):
        code = self.cleaned_data["code_postal"].replace(" ", "")
        if code and not re.fullmatch(r"[0-9]{5}", code):
            raise forms.ValidationError("Le code postal compte 5 chiffres, par exemple 15000.")
        return code


class HeureField(forms.TimeField):
    """Heure « HH:MM » entre 00:00 et 23:59 ; « 24:00 » (minuit, en fin de plage) se lit 23:59."""

    widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    default_error_messages = {"invalid": "Saisissez une heure entre 00:00 et 23:59, par exemple 09:30."}

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"], required=False, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() in {"24:00", "24h", "24h00"}:
            return time(23, 59)
        return super().to_python(value)


class HorairesForm(FormulaireDsfr):
    """Horaires hebdomadaires : pour chaque jour, des plages (ouverture, fermeture, sur rendez-vous) et une précision.

    Champs `<jour>-<n>-debut`, `<jour>-<n>-fin`, `<jour>-<n>-rdv`, `<jour>-note`. « Ajouter une plage »
    (`ajouter=<jour>`) réaffiche le formulaire, non validé, avec une ligne de plus pour ce jour.
    """

    def __init__(self, data=None, *, semaine: HorairesSemaine | None = None, ajouter: str = ""):
        self.semaine_initiale = semaine or HorairesSemaine()
        initial = {}
        if data is not None:
            self.lignes = {jour: self._lignes_envoyees(data, jour) for jour in JOURS}
        else:
            self.lignes = {}
            for jour in JOURS:
                horaires = self.semaine_initiale.jour(jour)
                n = len(horaires.plages)
                self.lignes[jour] = min(max(LIGNES_MINIMUM, n + 1), max(MAX_PLAGES, n))
                initial[f"{jour}-note"] = horaires.note
                for i, plage in enumerate(horaires.plages):
                    initial.update(
                        {
                            f"{jour}-{i}-debut": plage.debut,
                            f"{jour}-{i}-fin": plage.fin,
                            f"{jour}-{i}-rdv": plage.sur_rdv,
                        }
                    )
        ajoutee = None
        if ajouter in self.lignes and data is not None:
            # Réaffichage sans validation : les valeurs saisies deviennent les valeurs initiales.
            initial, data = {cle: data.get(cle) for cle in data}, None
            if self.lignes[ajouter] < MAX_PLAGES:
                ajoutee = f"{ajouter}-{self.lignes[ajouter]}-debut"
                self.lignes[ajouter] += 1
        super().__init__(data, initial=initial)
        for jour in JOURS:
            for i in range(self.lignes[jour]):
                self.fields[f"{jour}-{i}-debut"] = HeureField(label=f"Ouverture, {jour}, plage {i + 1}")
                self.fields[f"{jour}-{i}-fin"] = HeureField(label=f"Fermeture, {jour}, plage {i + 1}")
                self.fields[f"{jour}-{i}-rdv"] = forms.BooleanField(
                    label=f"Sur rendez-vous, {jour}, plage {i + 1}", required=False
                )
            self.fields[f"{jour}-note"] = forms.CharField(
                label=f"Précision pour le {jour} (facultatif)", max_length=200, required=False
            )
        for champ in self.fields.values():
            if not isinstance(champ, forms.BooleanField):
                champ.widget.attrs.setdefault("class", "fr-input")
        if ajoutee:
            self.fields[ajoutee].widget.attrs["autofocus"] = True
        self.erreurs_jour: dict[str, list[str]] = {jour: [] for jour in JOURS}
        self.semaine: HorairesSemaine | None = None

    @staticmethod
    def _lignes_envoyees(data, jour: str) -> int:
        motif = re.compile(rf"^{jour}-([0-9])-(debut|fin|rdv)$")
        indices = [int(m[1]) for cle in data if (m := motif.match(cle))]
        return min(max([LIGNES_MINIMUM - 1, *indices]) + 1, LIGNES_LUES)

    def clean(self):
        donnees = super().clean()
        jours = {}
        for jour in JOURS:
            plages = []
            for i in range(self.lignes[jour]):
                debut_nom, fin_nom = f"{jour}-{i}-debut", f"{jour}-{i}-fin"
                if debut_nom in self.errors or fin_nom in self.errors:
                    continue
                debut, fin = donnees.get(debut_nom), donnees.get(fin_nom)
                if debut is None and fin is None:
                    continue
                if debut is None:
                    self.add_error(debut_nom, "Indiquez l'heure d'ouverture de cette plage.")
                elif fin is None:
                    self.add_error(fin_nom, "Indiquez l'heure de fermeture de cette plage.")
                elif fin <= debut:
                    self.add_error(
                        fin_nom, f"La fermeture ({fin:%H:%M}) doit venir après l'ouverture ({debut:%H:%M})."
                    )
                else:
                    plages.append(Plage(debut, fin, bool(donnees.get(f"{jour}-{i}-rdv"))))
            if len(plages) > MAX_PLAGES:
                self._erreur_du_jour(jour, f"{MAX_PLAGES} plages au plus par jour.")
            for a, b in chevauchements(plages):
                self._erreur_du_jour(
                    jour,
                    f"les plages {a.debut:%H:%M} – {a.fin:%H:%M} et {b.debut:%H:%M} – {b.fin:%H:%M} se chevauchent : "
                    "corrigez-les ou réunissez-les en une seule.",
                )
            note = donnees.get(f"{jour}-note", "")
            # Un jour « non communiqué » laissé vide le reste (pas de fermeture inventée).
            non_communique = not plages and not note and self.semaine_initiale.jour(jour).non_communique
            jours[jour] = HorairesJour(plages=sorted(plages), note=note, non_communique=non_communique)
        if not self.errors:
            self.semaine = HorairesSemaine(jours)
        return donnees

    def _erreur_du_jour(self, jour: str, message: str) -> None:
        self.erreurs_jour[jour].append(message)
        self.add_error(None, f"{jour.capitalize()} : {message}")

    def jours(self) -> list[dict]:
        """Pour le gabarit : chaque jour, ses lignes de champs, sa précision et ses erreurs."""
        return [
            {
                "nom": jour,
                "libelle": jour.capitalize(),
                "lignes": [
                    {
                        "numero": i + 1,
                        "debut": self[f"{jour}-{i}-debut"],
                        "fin": self[f"{jour}-{i}-fin"],
                        "rdv": self[f"{jour}-{i}-rdv"],
                    }
                    for i in range(self.lignes[jour])
                ],
                "note": self[f"{jour}-note"],
                "erreurs": self.erreurs_jour[jour],
                "peut_ajouter": self.lignes[jour] < MAX_PLAGES,
            }
            for jour in JOURS
        ]


class FiltreStructuresForm(forms.Form):
    q = forms.CharField(label="Nom ou commune", max_length=100, required=False)
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.none(),
        required=False,
        empty_label="Tous mes départements",
        to_field_name="code",
        error_messages={"invalid_choice": "Choisissez un département de votre périmètre."},
    )

    def __init__(self, *args, departements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = departements
        self.fields["q"].widget.attrs.update(
            {"class": "fr-input", "type": "search", "placeholder": "Par exemple : Murat"}
        )
        self.fields["departement"].widget.attrs["class"] = "fr-select"
