"""Listes de champs publiées des schémas d'échange, et leur validation ligne à ligne.

Deux schémas :

- **Lieux de médiation numérique** : `LaMednum/standard-mediation-num`, fichier `schema.json` (Table Schema
  frictionless, version déclarée 0.2.0, commit 0d53b6beb3e87c438ef5b6244a254b9e6c9b111a), publié sur
  schema.data.gouv.fr. Valeurs multiples séparées par « ; » (les extraits régionaux récents utilisent « | »,
  accepté à l'import).
- **data·inclusion v1** (structures et services) : `gip-inclusion/data-inclusion-schema`, `docs/structure.md`
  (commit 035f8db58da060192ba293598cf4ceb51accad1e) et `docs/service.md` (commit
  062c5f37b0ad34b91067b525fc305c79b1a9f22b) ; petits référentiels : `docs/referentiels/frais.md`,
  `modes_mobilisation.md`, `personnes_mobilisatrices.md` du même dépôt. Les référentiels (thématiques, réseaux porteurs, typologies de
  structures) sont lus dans REFERENCE_DATA_DIR (copies du dépôt `gip-inclusion/data-inclusion`, voir le README
  des données) ; les petits référentiels sans copie locale (frais, modes d'accueil, de mobilisation, personnes
  mobilisatrices) sont recopiés ici depuis la documentation du schéma.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from franceservices.core.importation import lire_csv

# --- Référentiels data·inclusion (fichiers de REFERENCE_DATA_DIR) ---------------------------------------------

FICHIERS_REFERENTIELS = {
    "thematiques": "data_inclusion_thematiques_v1.csv",
    "reseaux_porteurs": "data_inclusion_reseaux_porteurs_v1.csv",
    "typologies_structures": "data_inclusion_typologies_structures.csv",
}

_referentiels: dict[Path, dict[str, frozenset[str]]] = {}


def referentiels(dossier: Path | None = None) -> dict[str, frozenset[str]]:
    """{nom: valeurs admises} des référentiels data·inclusion (lus une fois par dossier)."""
    dossier = Path(dossier or settings.REFERENCE_DATA_DIR)
    if dossier not in _referentiels:
        _referentiels[dossier] = {
            nom: frozenset(ligne["value"].strip() for ligne in lire_csv(dossier / fichier, {"value"}))
            for nom, fichier in FICHIERS_REFERENTIELS.items()
        }
    return _referentiels[dossier]


# --- Description d'un champ -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Champ:
    nom: str
    type: str = "string"  # string, number, integer, date, array
    obligatoire: bool = False
    motif: str | None = None  # expression régulière sur la valeur entière (ou chaque élément d'une liste)
    valeurs: frozenset[str] | None = None  # énumération fermée (chaque élément si multiple)
    referentiel: str | None = None  # nom d'un référentiel data·inclusion (chaque élément si multiple)
    multiple: bool = False  # liste (tableau JSON, ou texte séparé par « ; »)
    format: str | None = None  # email, uri, emails (plusieurs séparés par « ; »), uris
    longueur_min: int | None = None
    longueur_max: int | None = None


def _elements(valeur, separateur: str) -> list[str]:
    if isinstance(valeur, list | tuple):
        return [str(v).strip() for v in valeur]
    return [v.strip() for v in re.split(separateur, str(valeur))]


def _vide(valeur) -> bool:
    return valeur is None or valeur == "" or valeur == [] or (isinstance(valeur, str) and not valeur.strip())


_url = URLValidator(schemes=["http", "https"])


def _format_invalide(fmt: str, texte: str) -> bool:
    try:
        if fmt == "email":
            validate_email(texte)
        else:
            _url(texte)
    except ValidationError:
        return True
    return False


def valider(
    ligne: dict, champs: tuple[Champ, ...], separateur: str = ";", refs: dict | None = None
) -> list[tuple[str, str]]:
    """[(champ, message)] : écarts de `ligne` aux contraintes publiées (vide = ligne valide).

    Les champs absents de `champs` sont refusés (« champ hors schéma ») ; un champ du schéma absent de la ligne
    n'est une erreur que s'il est obligatoire.
    """
    erreurs = []
    noms = {c.nom for c in champs}
    erreurs += [(nom, "champ hors schéma") for nom in ligne if nom not in noms]
    for champ in champs:
        valeur = ligne.get(champ.nom)
        if _vide(valeur):
            if champ.obligatoire:
                erreurs.append((champ.nom, "obligatoire, absent"))
            continue
        if champ.type in ("number", "integer"):
            try:
                nombre = float(valeur)
            except (TypeError, ValueError):
                erreurs.append((champ.nom, f"nombre attendu, « {valeur} »"))
                continue
            if champ.type == "integer" and not float(nombre).is_integer():
                erreurs.append((champ.nom, f"entier attendu, « {valeur} »"))
            continue
        if champ.type == "date":
            try:
                date.fromisoformat(str(valeur))
            except ValueError:
                erreurs.append((champ.nom, f"date AAAA-MM-JJ attendue, « {valeur} »"))
            continue
        if champ.multiple and champ.type != "array" and isinstance(valeur, list):
            erreurs.append((champ.nom, "texte attendu, pas une liste"))
            continue
        if champ.type == "array" and not isinstance(valeur, list):
            erreurs.append((champ.nom, "liste attendue"))
            continue
        elements = _elements(valeur, separateur) if champ.multiple else [str(valeur)]
        admises = champ.valeurs
        if champ.referentiel:
            admises = (refs or referentiels())[champ.referentiel]
        for element in elements:
            if not element:
                erreurs.append((champ.nom, "élément vide dans la liste"))
            elif admises is not None and element not in admises:
                erreurs.append((champ.nom, f"valeur hors liste « {element} »"))
            elif champ.motif and not re.fullmatch(champ.motif, element):
                erreurs.append((champ.nom, f"format invalide « {element} »"))
            elif champ.format and _format_invalide(champ.format, element):
                libelle = "adresse électronique" if champ.format == "email" else "adresse web"
                erreurs.append((champ.nom, f"{libelle} invalide « {element} »"))
            elif champ.longueur_max and len(element) > champ.longueur_max:
                erreurs.append((champ.nom, f"{len(element)} caractères, au plus {champ.longueur_max}"))
            elif champ.longueur_min and len(element) < champ.longueur_min:
                erreurs.append((champ.nom, f"{len(element)} caractères, au moins {champ.longueur_min}"))
    return erreurs


# --- Schéma des lieux de médiation numérique ------------------------------------------------------------------

SCHEMA_LIEUX = {
    "titre": "Lieux de médiation numérique",
    "version": "0.2.0",
    "source": "https://github.com/LaMednum/standard-mediation-num/blob/0d53b6beb3e87c438ef5b6244a254b9e6c9b111a/schema.json",
}

SERVICES = frozenset(
    {
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique",
        "Utilisation sécurisée du numérique",
        "Parentalité et éducation avec le numérique",
        "Loisirs et créations numériques",
        "Compréhension du monde numérique",
        "Accès internet et matériel informatique",
        "Acquisition de matériel informatique à prix solidaire",
    }
)

# Ancien vocabulaire de la cartographie nationale (extraits Hinaura 2022, bus France services de Charente),
# ramené au vocabulaire du schéma à l'import. Choix du projet, documenté : chaque ancien service → un service.
ANCIENS_SERVICES = {
    "Accéder à du matériel": "Accès internet et matériel informatique",
    "Accéder à une connexion internet": "Accès internet et matériel informatique",
    "Favoriser mon insertion professionnelle": "Insertion professionnelle via le numérique",
    "Devenir autonome dans les démarches administratives": "Aide aux démarches administratives",
    "Réaliser des démarches administratives avec un accompagnement": "Aide aux démarches administratives",
    "Accompagner les démarches de santé": "Aide aux démarches administratives",
    "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
    "Prendre en main un smartphone ou une tablette": "Maîtrise des outils numériques du quotidien",
    "Utiliser le numérique au quotidien": "Maîtrise des outils numériques du quotidien",
    "Approfondir ma culture numérique": "Compréhension du monde numérique",
    "Promouvoir la citoyenneté numérique": "Compréhension du monde numérique",
}

MOTIF_TELEPHONE = r"(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}"

CHAMPS_LIEUX: tuple[Champ, ...] = (
    Champ("id", obligatoire=True),
    Champ("pivot", obligatoire=True),
    Champ("nom", obligatoire=True),
    Champ("commune", obligatoire=True),
    Champ("code_postal", obligatoire=True, motif=r"\d{5}"),
    Champ("code_insee", motif=r"([013-9]\d|2[AB1-9])\d{3}"),
    Champ("adresse", obligatoire=True),
    Champ("complement_adresse"),
    Champ("latitude", type="number"),
    Champ("longitude", type="number"),
    Champ("typologie", multiple=True, referentiel="typologies_structures"),
    Champ("telephone", motif=MOTIF_TELEPHONE),
    Champ("courriels", multiple=True, format="email"),
    Champ("site_web", multiple=True, format="uri"),
    Champ("horaires"),
    Champ("presentation_resume", longueur_max=280),
    Champ("presentation_detail"),
    Champ("source"),
    Champ("itinerance", multiple=True, valeurs=frozenset({"Itinérant", "Fixe"})),
    Champ("structure_parente"),
    Champ("date_maj", type="date", obligatoire=True),
    Champ("services", obligatoire=True, multiple=True, valeurs=SERVICES),
    Champ(
        "publics_specifiquement_adresses",
        multiple=True,
        valeurs=frozenset({"Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"}),
    ),
    Champ(
        "prise_en_charge_specifique",
        multiple=True,
        valeurs=frozenset(
            {
                "Surdité",
                "Handicaps moteurs",
                "Handicaps mentaux",
                "Illettrisme",
                "Langues étrangères (anglais)",
            }
        ),
    ),
    Champ(
        "frais_a_charge",
        multiple=True,
        valeurs=frozenset(
            {
                "Gratuit : Je peux accéder gratuitement au lieu et à ses services",
                "Gratuit sous condition : La gratuité est conditionnée à des critères (adhésion, situation "
                "familiale, convention avec un organisme social, pass numériques…)",
                "Payant : L’accès au lieu et/ou à ses services est payant",
            }
        ),
    ),
    Champ(
        "dispositif_programmes_nationaux",
        multiple=True,
        valeurs=frozenset(
            {
                "Aidants Connect",
                "Bibliothèques numérique de référence",
                "Certification PIX",
                "Conseillers numériques",
                "Emmaüs Connect",
                "France Services",
                "Grande école du numérique",
                "La Croix Rouge",
                "Point d'accès numérique CAF",
                "Promeneurs du net",
                "Relais numérique (Emmaüs Connect)",
            }
        ),
    ),
    Champ("formations_labels", multiple=True),
    Champ("autres_formations_labels"),
    Champ(
        "modalites_acces",
        multiple=True,
        valeurs=frozenset(
            {
                "Se présenter",
                "Téléphoner",
                "Contacter par mail",
                "Prendre un RDV en ligne",
                "Ce lieu n'accueille pas de public",
                "Envoyer un mail avec une fiche de prescription",
            }
        ),
    ),
    Champ(
        "modalites_accompagnement",
        multiple=True,
        valeurs=frozenset(
            {
                "En autonomie",
                "Accompagnement individuel",
                "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique",
                "À distance (par téléphone ou en visioconférence)",
            }
        ),
    ),
    Champ("fiche_acces_libre", format="uri"),
    Champ("prise_rdv", format="uri"),
)

COLONNES_LIEUX = [c.nom for c in CHAMPS_LIEUX]


# --- Schéma data·inclusion v1 : structures et services ---------------------------------------------------------

SCHEMA_DATA_INCLUSION = {
    "titre": "data·inclusion — structures et services",
    "version": "1",
    "source_structures": "https://github.com/gip-inclusion/data-inclusion-schema/blob/035f8db58da060192ba293598cf4ceb51accad1e/docs/structure.md",
    "source_services": "https://github.com/gip-inclusion/data-inclusion-schema/blob/062c5f37b0ad34b91067b525fc305c79b1a9f22b/docs/service.md",
}

_NOM = r"\S.{1,148}[^.\s]"  # 3 à 150 caractères, sans point final
_COMMUNS = (
    Champ("commune"),
    Champ("code_postal", motif=r"\d{5}"),
    Champ("code_insee", motif=r"\w{5}"),
    Champ("adresse"),
    Champ("complement_adresse"),
    Champ("longitude", type="number"),
    Champ("latitude", type="number"),
    Champ("telephone"),
    Champ("courriel", format="email"),
)

CHAMPS_DI_STRUCTURES: tuple[Champ, ...] = (
    Champ("source", obligatoire=True),
    Champ("id", obligatoire=True),
    Champ("nom", obligatoire=True, motif=_NOM),
    Champ("description", obligatoire=True, longueur_min=50, longueur_max=2000),
    Champ("date_maj", type="date", obligatoire=True),
    Champ("siret", motif=r"\d{14}"),
    *_COMMUNS,
    Champ("site_web", format="uri"),
    Champ("horaires_accueil"),
    Champ("accessibilite_lieu", format="uri"),
    Champ("reseaux_porteurs", type="array", multiple=True, referentiel="reseaux_porteurs"),
)

CHAMPS_DI_SERVICES: tuple[Champ, ...] = (
    Champ("source", obligatoire=True),
    Champ("structure_id", obligatoire=True),
    Champ("id", obligatoire=True),
    Champ("nom", obligatoire=True, motif=_NOM),
    Champ("description", obligatoire=True, longueur_min=50, longueur_max=2000),
    Champ("date_maj", type="date", obligatoire=True),
    Champ("types", type="array", multiple=True),
    Champ("thematiques", type="array", multiple=True, referentiel="thematiques"),
    Champ(
        "frais",
        valeurs=frozenset({"gratuit", "gratuit-sous-conditions", "payant", "adhesion", "pass-numerique"}),
    ),
    Champ("frais_precisions"),
    Champ("publics", type="array", multiple=True),
    Champ("publics_precisions"),
    Champ("conditions_acces"),
    *_COMMUNS,
    Champ("modes_accueil", type="array", multiple=True, valeurs=frozenset({"a-distance", "en-presentiel"})),
    # Codes du COG : commune (5), département (2 ou 3), EPCI (9 chiffres), « france » ou 99100.
    Champ(
        "zone_eligibilite", type="array", multiple=True, motif=r"france|\d{5}|2[AB]\d{3}|\d{2,3}|2[AB]|\d{9}"
    ),
    Champ("contact_nom_prenom"),
    Champ("lien_mobilisation", format="uri"),
    Champ(
        "modes_mobilisation",
        type="array",
        multiple=True,
        valeurs=frozenset(
            {"envoyer-un-courriel", "se-presenter", "telephoner", "utiliser-lien-mobilisation"}
        ),
    ),
    Champ("mobilisable_par", type="array", multiple=True, valeurs=frozenset({"professionnels", "usagers"})),
    Champ("mobilisation_precisions"),
    Champ("volume_horaire_hebdomadaire", type="number"),
    Champ("nombre_semaines", type="integer"),
    Champ("horaires_accueil"),
)
