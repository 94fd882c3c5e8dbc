"""Import d'un historique d'activité (CSV) : une ligne = une demande, tout ou rien.

Colonnes (en-tête obligatoire ; séparateur « ; » ou « , » ; UTF-8) :

==================  ===========  =====================================================================
colonne             obligatoire  contenu
==================  ===========  =====================================================================
date_heure          oui          ISO (2026-03-05T14:30, 2026-03-05 14:30) ou JJ/MM/AAAA HH:MM, heure de Paris
id_fs               oui          identifiant de la France services (open data ANCT)
canal               oui          accueil physique, téléphone, itinérance / bus, visioconférence, courriel,
                                 hors les murs (code ou libellé)
partenaire          oui*         code (cnaf, ants, dgfip…) ou nom du partenaire ; vide si partenaire_autre
partenaire_autre    oui*         nom d'un partenaire local (si partenaire est vide)
theme               oui**        un des 10 thèmes de service-public.fr (code ou libellé)
demarche            non          libellé exact d'une démarche du catalogue du partenaire
niveau              oui          information, accompagnement, réalisée, orientation, escalade (code ou libellé)
issue               oui          finalisée, à finaliser par l'usager, doit revenir, orientée (code ou libellé)
orientee_vers       non          vers qui l'usager a été orienté
duree               non          en minutes, 1 à 480 (défaut : 15)
tranche_age         non          moins de 18 ans, 18 à 25 ans, … 75 ans et plus (code ou libellé)
sexe                non          femme, homme
commune             non          code INSEE de la commune de résidence
premiere_visite     non          oui, non ou vide
autonomie           non          autonome, partiellement autonome, pas autonome
identifiant         non          clé de la ligne dans le système d'origine (unique dans le fichier)
==================  ===========  =====================================================================

\\* l'un des deux ; \\*\\* sauf si la démarche est donnée (son thème est repris).

Codes et libellés sont acceptés sans tenir compte de la casse, des accents ni de la ponctuation. Chaque
ligne est validée ; s'il y a un seul rejet, rien n'est importé et le rapport dit pourquoi (ligne, colonne,
valeur, motif). Réimporter le même fichier n'ajoute rien : la clé de chaque demande est dérivée de
l'empreinte du fichier et du numéro de ligne, ou de `identifiant` s'il est fourni.
"""

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from franceservices.core.importation import TeleversementInvalide, lire_csv_televerse
from franceservices.core.texte import normaliser
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune

from . import actions
from .models import (
    DUREE_PAR_DEFAUT,
    Autonomie,
    Canal,
    Demande,
    Demarche,
    Issue,
    LotImport,
    Niveau,
    Origine,
    Sexe,
    Theme,
    TrancheAge,
)

PARIS = ZoneInfo("Europe/Paris")
ESPACE_DE_NOMS = uuid.UUID("6f1d4c1e-3b1a-4e0f-9a57-2f4f3c0de1a5")  # clés des demandes importées
PAQUET = 2_000

COLONNES_OBLIGATOIRES = ("date_heure", "id_fs", "canal", "partenaire", "theme", "niveau", "issue")
COLONNES_FACULTATIVES = (
    "partenaire_autre",
    "demarche",
    "orientee_vers",
    "duree",
    "tranche_age",
    "sexe",
    "commune",
    "premiere_visite",
    "autonomie",
    "identifiant",
)
COLONNES = COLONNES_OBLIGATOIRES + COLONNES_FACULTATIVES
OUI = {"oui", "o", "vrai", "true", "1", "yes"}
NON = {"non", "n", "faux", "false", "0", "no"}


FichierInvalide = TeleversementInvalide


@dataclass
class Rejet:
    ligne: int
    colonne: str
    valeur: str
    motif: str

    def __str__(self):
        return f"ligne {self.ligne} : {self.motif}"


@dataclass
class Rapport:
    nom_fichier: str
    empreinte: str
    lignes: int = 0
    rejets: list[Rejet] = field(default_factory=list)
    creees: int = 0
    deja_enregistrees: int = 0
    deja_importe: LotImport | None = None
    verification: bool = False

    @property
    def valide(self) -> bool:
        return not self.rejets

    def resume(self) -> str:
        if self.deja_importe:
            le = timezone.localtime(self.deja_importe.importe_le)
            return (
                f"{self.nom_fichier} a déjà été importé le {le:%d/%m/%Y à %H:%M} "
                f"({self.deja_importe.lignes} lignes) : rien à faire."
            )
        if self.rejets:
            return f"{self.nom_fichier} : {len(self.rejets)} rejet(s) sur {self.lignes} ligne(s) — rien n'a été importé."
        if self.verification:
            return f"{self.nom_fichier} : {self.lignes} ligne(s) valides (vérification seule, rien n'a été écrit)."
        texte = f"{self.nom_fichier} : {self.creees} demande(s) importée(s)"
        if self.deja_enregistrees:
            texte += f", {self.deja_enregistrees} déjà présente(s)"
        return texte + "."

    def rejets_csv(self) -> str:
        sortie = io.StringIO()
        ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\n")
        ecrivain.writerow(["ligne", "colonne", "valeur", "motif"])
        for r in self.rejets:
            ecrivain.writerow([r.ligne, r.colonne, r.valeur, r.motif])
        return sortie.getvalue()


def _choix(classe, supplements: dict | None = None) -> dict[str, str]:
    table = {}
    for code, libelle in classe.choices:
        for texte in (code, code.replace("_", " "), libelle):
            table[normaliser(texte)] = code
    for texte, code in (supplements or {}).items():
        table[normaliser(texte)] = code
    return table


def _attendu(classe) -> str:
    return ", ".join(str(libelle).lower() for _, libelle in classe.choices)


CHOIX = {
    "canal": (
        Canal,
        _choix(Canal, {"accueil": Canal.ACCUEIL_PHYSIQUE, "bus": Canal.ITINERANCE, "visio": Canal.VISIO}),
    ),
    "theme": (Theme, _choix(Theme)),
    "niveau": (Niveau, _choix(Niveau, {"realisee": Niveau.REALISEE, "démarche réalisée": Niveau.REALISEE})),
    "issue": (Issue, _choix(Issue, {"a finaliser": Issue.A_FINALISER, "orientation": Issue.ORIENTEE})),
    "tranche_age": (TrancheAge, _choix(TrancheAge)),
    "sexe": (Sexe, _choix(Sexe, {"f": Sexe.FEMME, "h": Sexe.HOMME, "m": Sexe.HOMME})),
    "autonomie": (Autonomie, _choix(Autonomie, {"non autonome": Autonomie.NON_AUTONOME})),
}


def lire(contenu: bytes, nom_fichier: str) -> tuple[list[str], list[dict[str, str]]]:
    """(en-tête, lignes) d'un CSV en UTF-8 ; `FichierInvalide` avec un message clair sinon."""
    return lire_csv_televerse(contenu, nom_fichier, COLONNES_OBLIGATOIRES, ", ".join(COLONNES))


def _date_heure(texte: str) -> datetime | None:
    texte = texte.strip()
    for format_ in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %Hh%M"):
        try:
            return datetime.strptime(texte, format_).replace(tzinfo=PARIS)
        except ValueError:
            pass
    try:
        instant = datetime.fromisoformat(texte)
    except ValueError:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=PARIS)
    return instant


class Validateur:
    """Transforme chaque ligne en `Demande` (non enregistrée) ou en rejets motivés."""

    def __init__(self, empreinte: str, structures_autorisees: set[int] | None = None):
        self.empreinte = empreinte
        self.autorisees = structures_autorisees
        self.structures = {s.id_fs: s for s in Structure.objects.select_related("departement")}
        self.partenaires = {}
        for p in Partenaire.objects.all():
            for texte in (p.code, p.nom_court, p.nom_complet):
                self.partenaires.setdefault(normaliser(texte), p)
        self.demarches: dict[tuple[int, str], Demarche] = {}
        self.demarches_par_libelle: dict[str, list[Demarche]] = {}
        for d in Demarche.objects.all():
            self.demarches[(d.partenaire_id, normaliser(d.libelle))] = d
            self.demarches_par_libelle.setdefault(normaliser(d.libelle), []).append(d)
        self.communes: dict[str, int] = {}
        for code, pk, type_ in Commune.objects.values_list("code_insee", "pk", "type").order_by("pk"):
            if type_ == "commune-actuelle" or code not in self.communes:
                self.communes[code] = pk
        self.identifiants: dict[str, int] = {}
        self.maintenant = timezone.now()

    def demande(self, numero: int, ligne: dict[str, str]) -> tuple[Demande | None, list[Rejet]]:
        rejets: list[Rejet] = []
        valeurs = {c: (ligne.get(c) or "").strip() for c in COLONNES}

        def rejeter(colonne, motif):
            rejets.append(Rejet(numero, colonne, valeurs.get(colonne, ""), f"{motif}"))

        # France services
        structure = self.structures.get(valeurs["id_fs"])
        if not valeurs["id_fs"]:
            rejeter("id_fs", "id_fs vide (identifiant de la France services attendu)")
        elif structure is None:
            rejeter("id_fs", f"France services « {valeurs['id_fs']} » inconnue")
        elif self.autorisees is not None and structure.pk not in self.autorisees:
            rejeter("id_fs", f"France services « {valeurs['id_fs']} » hors de votre périmètre")
        # Date
        instant = _date_heure(valeurs["date_heure"]) if valeurs["date_heure"] else None
        if not valeurs["date_heure"]:
            rejeter("date_heure", "date_heure vide")
        elif instant is None:
            rejeter(
                "date_heure",
                f"date « {valeurs['date_heure']} » illisible (attendu : JJ/MM/AAAA HH:MM ou AAAA-MM-JJTHH:MM)",
            )
        elif instant > self.maintenant:
            rejeter("date_heure", f"date « {valeurs['date_heure']} » dans le futur")
        # Choix
        choisis = {}
        for colonne, (classe, table) in CHOIX.items():
            texte = valeurs[colonne]
            if not texte:
                choisis[colonne] = ""
                continue
            code = table.get(normaliser(texte))
            if code is None:
                rejeter(colonne, f"{colonne} « {texte} » inconnu (attendu : {_attendu(classe)})")
            choisis[colonne] = code or ""
        for colonne in ("canal", "niveau", "issue"):
            if not valeurs[colonne]:
                rejeter(colonne, f"{colonne} vide (attendu : {_attendu(CHOIX[colonne][0])})")
        # Partenaire et démarche
        partenaire = None
        if valeurs["partenaire"]:
            partenaire = self.partenaires.get(normaliser(valeurs["partenaire"]))
            if partenaire is None:
                connus = ", ".join(sorted({p.code for p in self.partenaires.values()}))
                rejeter("partenaire", f"partenaire « {valeurs['partenaire']} » inconnu (codes : {connus})")
        elif not valeurs["partenaire_autre"]:
            rejeter(
                "partenaire",
                "partenaire vide : donnez son code ou, pour un partenaire local, partenaire_autre",
            )
        demarche = None
        if valeurs["demarche"]:
            cle = normaliser(valeurs["demarche"])
            if partenaire is not None:
                demarche = self.demarches.get((partenaire.pk, cle))
            elif not valeurs["partenaire"]:
                candidates = self.demarches_par_libelle.get(cle, [])
                demarche = candidates[0] if len(candidates) == 1 else None
            if demarche is None and not (valeurs["partenaire"] and partenaire is None):
                rejeter("demarche", f"démarche « {valeurs['demarche']} » absente du catalogue du partenaire")
            if demarche is not None and partenaire is None:
                partenaire = demarche.partenaire
        theme = choisis["theme"] or (demarche.theme if demarche else "")
        if not valeurs["theme"] and demarche is None:
            rejeter("theme", f"theme vide (attendu : {_attendu(Theme)})")
        # Durée
        duree = DUREE_PAR_DEFAUT
        if valeurs["duree"]:
            try:
                duree = int(valeurs["duree"].replace("min", "").strip())
            except ValueError:
                duree = -1
            if not 1 <= duree <= 480:
                rejeter("duree", f"durée « {valeurs['duree']} » invalide (minutes, de 1 à 480)")
        # Profil
        commune = None
        if valeurs["commune"]:
            commune = self.communes.get(valeurs["commune"].zfill(5))
            if commune is None:
                rejeter("commune", f"commune « {valeurs['commune']} » inconnue (code INSEE attendu)")
        premiere = None
        texte = normaliser(valeurs["premiere_visite"])
        if texte in OUI:
            premiere = True
        elif texte in NON:
            premiere = False
        elif texte:
            rejeter("premiere_visite", f"première visite « {valeurs['premiere_visite']} » : oui, non ou vide")
        for colonne, limite in (("partenaire_autre", 100), ("orientee_vers", 150), ("identifiant", 200)):
            if len(valeurs[colonne]) > limite:
                rejeter(
                    colonne, f"{colonne} trop long ({len(valeurs[colonne])} caractères, {limite} au plus)"
                )
        # Clé (idempotence)
        if valeurs["identifiant"]:
            if valeurs["identifiant"] in self.identifiants:
                rejeter(
                    "identifiant",
                    f"identifiant « {valeurs['identifiant']} » déjà vu ligne {self.identifiants[valeurs['identifiant']]}",
                )
            self.identifiants.setdefault(valeurs["identifiant"], numero)
            cle = uuid.uuid5(ESPACE_DE_NOMS, f"identifiant:{valeurs['identifiant']}")
        else:
            cle = uuid.uuid5(ESPACE_DE_NOMS, f"{self.empreinte}:{numero}")
        if rejets:
            return None, rejets
        return (
            Demande(
                cle_client=cle,
                visite=uuid.uuid5(ESPACE_DE_NOMS, f"visite:{cle}"),
                structure=structure,
                date_heure=instant,
                canal=choisis["canal"],
                partenaire=partenaire,
                partenaire_autre="" if partenaire else valeurs["partenaire_autre"],
                theme=theme,
                demarche=demarche,
                niveau=choisis["niveau"],
                issue=choisis["issue"],
                orientee_vers=valeurs["orientee_vers"],
                duree=duree,
                tranche_age=choisis["tranche_age"],
                sexe=choisis["sexe"],
                commune_id=commune,
                premiere_visite=premiere,
                autonomie=choisis["autonomie"],
                origine=Origine.IMPORT,
            ),
            [],
        )


def importer(
    contenu: bytes,
    nom_fichier: str,
    *,
    verifier: bool = False,
    par=None,
    structures_autorisees: set[int] | None = None,
) -> Rapport:
    """Valide tout le fichier puis, s'il n'y a aucun rejet (et hors `verifier`), l'importe en une transaction.

    `structures_autorisees` : ids des France services où `par` peut importer (None = toutes).
    Lève `FichierInvalide` si le fichier ne peut pas être lu."""
    empreinte = hashlib.sha256(contenu).hexdigest()
    rapport = Rapport(nom_fichier=Path(nom_fichier).name, empreinte=empreinte, verification=verifier)
    _, lignes = lire(contenu, rapport.nom_fichier)
    rapport.lignes = len(lignes)
    deja = LotImport.objects.filter(empreinte=empreinte).first()
    if deja and not verifier:
        rapport.deja_importe = deja
        return rapport
    validateur = Validateur(empreinte, structures_autorisees)
    demandes = []
    for numero, ligne in enumerate(lignes, start=2):  # ligne 1 : l'en-tête
        if None in ligne:
            rapport.rejets.append(Rejet(numero, "", "", "trop de valeurs pour l'en-tête (séparateur ?)"))
            continue
        demande, rejets = validateur.demande(numero, ligne)
        rapport.rejets.extend(rejets)
        if demande is not None:
            demandes.append(demande)
    if rapport.rejets or verifier:
        return rapport
    with transaction.atomic():
        lot = LotImport.objects.create(
            nom_fichier=rapport.nom_fichier[:255], empreinte=empreinte, lignes=len(demandes), importe_par=par
        )
        for debut in range(0, len(demandes), PAQUET):
            paquet = demandes[debut : debut + PAQUET]
            for d in paquet:
                d.lot = lot
            resultat = actions.enregistrer(paquet)
            rapport.creees += len(resultat.creees)
            rapport.deja_enregistrees += len(resultat.deja_enregistrees)
    return rapport
