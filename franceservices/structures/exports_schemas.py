"""Exports du registre aux schémas d'échange publiés (pour que d'autres cartes publiques le réutilisent).

- `lignes_lieux_mediation` : une ligne par France services au schéma des lieux de médiation numérique (CSV) ;
- `structures_data_inclusion` et `services_data_inclusion` : schéma data·inclusion v1 (JSON).

Les listes de champs, leurs contraintes, leur source et leur version sont dans `mediation.schemas` ; chaque
ligne produite ici y est conforme (vérifié par les tests, et par `verifier` à la demande). Seules les
données publiques du registre sont exportées (celles de la fiche publique).
"""

from collections.abc import Iterator

from django.core.exceptions import ValidationError

from franceservices.core.telephone import normaliser_telephone
from franceservices.mediation.schemas import (
    CHAMPS_DI_SERVICES,
    CHAMPS_DI_STRUCTURES,
    CHAMPS_LIEUX,
    COLONNES_LIEUX,
    valider,
)

from .horaires import JOURS, HorairesSemaine
from .importation import email_valide
from .models import Format, Structure

SOURCE = "reseau-france-services"
JOURS_OSM = dict(zip(JOURS, ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), strict=True))
FORMATS_ITINERANTS = {Format.ITINERANTE, Format.BUS}
DESCRIPTION = (
    "France services : un guichet unique de proximité où des agents formés accompagnent gratuitement "
    "dans les démarches administratives du quotidien (santé, famille, retraite, emploi, impôts, papiers, "
    "justice) avec les opérateurs nationaux partenaires, et aident à utiliser les services en ligne."
)
THEMATIQUES = [
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
    "numerique--acceder-a-des-services-en-ligne",
]


def horaires_osm(horaires_json: dict) -> str:
    """Horaires structurés → syntaxe OpenStreetMap opening_hours (« Mo 09:00-12:00,14:00-17:00; Tu … »).

    Les jours sans plage structurée (fermés, non communiqués, texte libre) sont omis : en OSM, un jour absent
    est fermé ; c'est la lecture prudente de la fiche publique.
    """
    semaine = HorairesSemaine.depuis_json(horaires_json)
    morceaux = []
    for jour in JOURS:
        plages = semaine.jour(jour).plages
        if plages:
            intervalles = ",".join(f"{p.debut:%H:%M}-{p.fin:%H:%M}" for p in sorted(plages))
            morceaux.append(f"{JOURS_OSM[jour]} {intervalles}")
    return "; ".join(morceaux)


def _telephone(texte: str) -> str:
    try:
        return normaliser_telephone(texte) if texte else ""
    except ValidationError:
        return ""


def _courriel(texte: str) -> str:
    return texte if texte and email_valide(texte) else ""


def _code_postal(structure: Structure) -> str:
    if len(structure.code_postal) == 5 and structure.code_postal.isdigit():
        return structure.code_postal
    if structure.commune_id and structure.commune.liste_codes_postaux:
        return structure.commune.liste_codes_postaux[0]
    return ""


def _commune(structure: Structure) -> str:
    return structure.commune.nom if structure.commune_id else structure.libelle_commune


def _code_insee(structure: Structure) -> str:
    return structure.commune.code_insee if structure.commune_id else ""


def structures_exportees():
    return Structure.objects.select_related("commune", "departement").order_by("id_fs")


def lignes_lieux_mediation(structures=None) -> Iterator[dict]:
    """Une ligne par France services, colonnes du schéma des lieux de médiation numérique (valeurs en texte)."""
    for s in structures if structures is not None else structures_exportees():
        courriel = _courriel(s.email)
        acces = (
            ["Se présenter"]
            + (["Téléphoner"] if s.telephone else [])
            + (["Contacter par mail"] if courriel else [])
        )
        ligne = dict.fromkeys(COLONNES_LIEUX, "")
        ligne.update(
            id=s.id_fs,
            pivot="00000000000000",  # SIRET inconnu du registre : valeur « non renseignée » des extraits publiés
            nom=s.nom,
            commune=_commune(s),
            code_postal=_code_postal(s),
            code_insee=_code_insee(s),
            adresse=s.adresse or _commune(s),
            complement_adresse=s.complement_adresse,
            latitude="" if s.latitude is None else f"{s.latitude:.6f}",
            longitude="" if s.longitude is None else f"{s.longitude:.6f}",
            typologie="RFS",
            telephone=_telephone(s.telephone),
            courriels=courriel,
            horaires=horaires_osm(s.horaires),
            source="France services (ANCT)",
            itinerance="Itinérant" if s.format in FORMATS_ITINERANTS else "Fixe",
            structure_parente=s.groupe,
            date_maj=s.modifie_le.date().isoformat(),
            services="Aide aux démarches administratives;Accès internet et matériel informatique",
            frais_a_charge="Gratuit : Je peux accéder gratuitement au lieu et à ses services",
            dispositif_programmes_nationaux="France Services",
            modalites_acces=";".join(acces),
            modalites_accompagnement="Accompagnement individuel",
        )
        yield ligne


def _adresse_di(s: Structure) -> dict:
    return {
        "commune": _commune(s) or None,
        "code_postal": _code_postal(s) or None,
        "code_insee": _code_insee(s) or None,
        "adresse": s.adresse or None,
        "complement_adresse": s.complement_adresse or None,
        "longitude": s.longitude,
        "latitude": s.latitude,
        "telephone": _telephone(s.telephone) or None,
        "courriel": _courriel(s.email) or None,
    }


def _nom_di(nom: str) -> str:
    return nom[:150].rstrip(" .")


def structures_data_inclusion(base_url: str = "", structures=None) -> Iterator[dict]:
    """Structures au schéma data·inclusion v1 (`base_url` : origine du site, pour le lien de la fiche)."""
    for s in structures if structures is not None else structures_exportees():
        yield {
            "source": SOURCE,
            "id": s.id_fs,
            "nom": _nom_di(s.nom),
            "description": DESCRIPTION,
            "date_maj": s.modifie_le.date().isoformat(),
            "siret": None,
            **_adresse_di(s),
            "site_web": f"{base_url}{s.get_absolute_url()}" if base_url else None,
            "horaires_accueil": horaires_osm(s.horaires) or None,
            "accessibilite_lieu": None,
            "reseaux_porteurs": ["france-service"],
        }


def services_data_inclusion(structures=None) -> Iterator[dict]:
    """Un service par France services (accompagnement aux démarches), au schéma data·inclusion v1."""
    for s in structures if structures is not None else structures_exportees():
        adresse = _adresse_di(s)
        modes = ["se-presenter"] + (["telephoner"] if adresse["telephone"] else [])
        modes += ["envoyer-un-courriel"] if adresse["courriel"] else []
        yield {
            "source": SOURCE,
            "structure_id": s.id_fs,
            "id": f"{s.id_fs}-accompagnement",
            "nom": "Accompagnement aux démarches administratives et en ligne",
            "description": DESCRIPTION,
            "date_maj": s.modifie_le.date().isoformat(),
            "types": [],
            "thematiques": THEMATIQUES,
            "frais": "gratuit",
            "frais_precisions": None,
            "publics": [],
            "publics_precisions": None,
            "conditions_acces": None,
            **adresse,
            "modes_accueil": ["en-presentiel"],
            "zone_eligibilite": [s.departement.code],
            "contact_nom_prenom": None,
            "lien_mobilisation": None,
            "modes_mobilisation": modes,
            "mobilisable_par": ["usagers", "professionnels"],
            "mobilisation_precisions": None,
            "volume_horaire_hebdomadaire": None,
            "nombre_semaines": None,
            "horaires_accueil": horaires_osm(s.horaires) or None,
        }


def verifier(lignes, champs) -> list[tuple[int, str, str]]:
    """[(rang, champ, message)] : écarts des lignes exportées au schéma (vide = export conforme)."""
    return [
        (rang, champ, message)
        for rang, ligne in enumerate(lignes, 1)
        for champ, message in valider(ligne, champs)
    ]


SCHEMAS = {
    "lieux": CHAMPS_LIEUX,
    "structures": CHAMPS_DI_STRUCTURES,
    "services": CHAMPS_DI_SERVICES,
}
