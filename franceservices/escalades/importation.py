"""Import des engagements d'escalade et des formulaires des partenaires (fichiers du projet, `donnees/`).

Comme pour les partenaires : on crée ce qui manque et on ne réécrit jamais ce qui existe (l'équipe nationale
a pu le modifier depuis). Les engagements du fichier sont des **valeurs par défaut du projet** (colonne
`source`), pas des engagements officiels des partenaires. Les fichiers sont validés en entier avant toute
écriture : une erreur arrête l'import avec un message qui dit où et quoi corriger.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from franceservices.activite.models import Demarche
from franceservices.core.importation import Bilan, FichierInvalide, lire_csv
from franceservices.partenaires.models import Partenaire

from .forms import verifier_champs as verifier_definition
from .models import Engagement, Formulaire

DOSSIER = Path(__file__).parent / "donnees"
FICHIER_ENGAGEMENTS = DOSSIER / "engagements.csv"
FICHIER_FORMULAIRES = DOSSIER / "formulaires.json"

DELAI_MAX = 60


@dataclass
class Bilans:
    """Plusieurs bilans rendus par une seule étape de `importer_referentiel`."""

    bilans: list[Bilan]

    def resume(self) -> str:
        return "\n".join(b.resume() for b in self.bilans)


def _booleen(valeur: str, ou: str) -> bool:
    v = valeur.strip().lower()
    if v in {"oui", "true", "1"}:
        return True
    if v in {"non", "false", "0"}:
        return False
    raise FichierInvalide(f"{ou} : « {valeur} » n'est pas oui/non.")


def lire_engagements(chemin: Path = FICHIER_ENGAGEMENTS) -> dict[str, dict]:
    colonnes = {
        "partenaire",
        "escalade_ouverte",
        "delai_jours_ouvres",
        "relance_jours_ouvres",
        "contact_national",
        "source",
    }
    valeurs = {}
    for numero, ligne in enumerate(lire_csv(chemin, colonnes), start=2):
        ou = f"{chemin}, ligne {numero}"
        code = ligne["partenaire"].strip().lower()
        if not code:
            raise FichierInvalide(f"{ou} : partenaire manquant.")
        if code in valeurs:
            raise FichierInvalide(f"{ou} : partenaire « {code} » en double.")
        try:
            delai, relance = int(ligne["delai_jours_ouvres"]), int(ligne["relance_jours_ouvres"])
        except ValueError:
            raise FichierInvalide(
                f"{ou} : délai et relance doivent être des nombres entiers de jours ouvrés."
            ) from None
        if not 1 <= delai <= DELAI_MAX:
            raise FichierInvalide(f"{ou} : le délai doit être compris entre 1 et {DELAI_MAX} jours ouvrés.")
        if not 1 <= relance <= delai:
            raise FichierInvalide(
                f"{ou} : la relance doit être comprise entre 1 jour ouvré et le délai ({delai})."
            )
        contact = ligne["contact_national"].strip()
        if contact:
            try:
                validate_email(contact)
            except ValidationError:
                raise FichierInvalide(
                    f"{ou} : contact national « {contact} » n'est pas une adresse valide."
                ) from None
        if not ligne["source"].strip():
            raise FichierInvalide(f"{ou} : la source est obligatoire (d'où vient ce délai ?).")
        valeurs[code] = {
            "escalade_ouverte": _booleen(ligne["escalade_ouverte"], ou),
            "delai_jours_ouvres": delai,
            "relance_jours_ouvres": relance,
            "contact_national": contact,
            "source": ligne["source"].strip()[:300],
        }
    return valeurs


def verifier_champs(champs, ou: str) -> list[dict]:
    """Les règles de `escalades.forms.verifier_champs` (celles de l'admin), plus deux exigences du fichier :
    au moins un champ, et « obligatoire » / « personnel » toujours écrits."""
    if not isinstance(champs, list) or not champs:
        raise FichierInvalide(f"{ou} : « champs » doit être une liste non vide d'objets.")
    try:
        verifier_definition(champs)
    except ValidationError as erreur:
        raise FichierInvalide(f"{ou} : {' '.join(erreur.messages)}") from None
    for i, champ in enumerate(champs, start=1):
        for booleen in ("obligatoire", "personnel"):
            if not isinstance(champ.get(booleen), bool):
                raise FichierInvalide(f"{ou}, champ n° {i} : « {booleen} » doit valoir true ou false.")
    return champs


def lire_formulaires(chemin: Path = FICHIER_FORMULAIRES) -> dict[tuple[str, str | None], list[dict]]:
    """{(code partenaire, libellé de démarche ou None): champs}, après validation complète."""
    try:
        contenu = json.loads(Path(chemin).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FichierInvalide(f"Fichier introuvable : {chemin}") from None
    except UnicodeDecodeError as exc:
        raise FichierInvalide(f"{chemin} n'est pas encodé en UTF-8 ({exc.reason}).") from None
    except json.JSONDecodeError as exc:
        raise FichierInvalide(
            f"{chemin} : JSON invalide, ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}."
        ) from None
    if not isinstance(contenu, dict) or not isinstance(contenu.get("formulaires"), list):
        raise FichierInvalide(f"{chemin} : un objet avec une liste « formulaires » est attendu.")
    resultat = {}
    for i, entree in enumerate(contenu["formulaires"], start=1):
        ou = f"{chemin}, formulaire n° {i}"
        if not isinstance(entree, dict):
            raise FichierInvalide(f"{ou} : un objet JSON est attendu.")
        code = entree.get("partenaire")
        demarche = entree.get("demarche")
        if not isinstance(code, str) or not code.strip():
            raise FichierInvalide(f"{ou} : « partenaire » (code) manquant.")
        if demarche is not None and (not isinstance(demarche, str) or not demarche.strip()):
            raise FichierInvalide(f"{ou} : « demarche » doit être un libellé ou null.")
        cle = (code.strip().lower(), demarche)
        ou = f"{ou} ({cle[0]}{' — ' + demarche if demarche else ''})"
        if cle in resultat:
            raise FichierInvalide(f"{ou} : formulaire en double.")
        resultat[cle] = verifier_champs(entree.get("champs"), ou)
    return resultat


def importer_engagements(chemin: Path = FICHIER_ENGAGEMENTS) -> Bilan:
    bilan = Bilan("Engagements d'escalade")
    valeurs = lire_engagements(chemin)
    partenaires = dict(Partenaire.objects.filter(code__in=valeurs).values_list("code", "pk"))
    existants = set(Engagement.objects.values_list("partenaire_id", flat=True))
    nouveaux = []
    for code, v in valeurs.items():
        pk = partenaires.get(code)
        if pk is None:
            bilan.rejeter(code, "partenaire inconnu")
        elif pk in existants:
            bilan.compteurs["inchangés"] += 1
        else:
            nouveaux.append(Engagement(partenaire_id=pk, **v))
    Engagement.objects.bulk_create(nouveaux)
    bilan.compteurs["créés"] += len(nouveaux)
    return bilan


def importer_formulaires(chemin: Path = FICHIER_FORMULAIRES) -> Bilan:
    bilan = Bilan("Formulaires d'escalade")
    valeurs = lire_formulaires(chemin)
    partenaires = dict(Partenaire.objects.values_list("code", "pk"))
    demarches = {
        (p, lib): pk for pk, p, lib in Demarche.objects.values_list("pk", "partenaire__code", "libelle")
    }
    existants = set(Formulaire.objects.values_list("partenaire_id", "demarche_id"))
    nouveaux = []
    for (code, libelle), champs in valeurs.items():
        nom = f"{code}{' — ' + libelle if libelle else ''}"
        partenaire_id = partenaires.get(code)
        if partenaire_id is None:
            bilan.rejeter(nom, "partenaire inconnu")
            continue
        demarche_id = None
        if libelle is not None:
            demarche_id = demarches.get((code, libelle))
            if demarche_id is None:
                bilan.rejeter(nom, "démarche absente du catalogue (libellé exact attendu)")
                continue
        if (partenaire_id, demarche_id) in existants:
            bilan.compteurs["inchangés"] += 1
            continue
        nouveaux.append(Formulaire(partenaire_id=partenaire_id, demarche_id=demarche_id, champs=champs))
    Formulaire.objects.bulk_create(nouveaux)
    bilan.compteurs["créés"] += len(nouveaux)
    return bilan


def importer_escalades(dossier: Path | None = None) -> Bilans:
    """Étape de `importer_referentiel` (après les partenaires et les démarches). `dossier` est ignoré : les
    fichiers sont ceux du projet (`escalades/donnees/`)."""
    lire_formulaires()  # les deux fichiers sont validés avant toute écriture
    return Bilans([importer_engagements(), importer_formulaires()])
