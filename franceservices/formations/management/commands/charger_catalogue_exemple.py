"""Charge un catalogue de formation d'EXEMPLE (modules marqués « exemple du projet, à remplacer ») et
quelques sessions à venir en Charente, pour essayer les pages. Idempotent : relancée, la commande met les
modules à jour par leur code et n'ajoute des sessions qu'à un module qui n'en a plus à venir.

Ce ne sont PAS des données réelles : libellés génériques, dates calculées à partir d'aujourd'hui (aucune
date officielle), lieux à préciser. L'équipe nationale les remplace par le vrai catalogue (administration).

    manage.py charger_catalogue_exemple
"""

import math
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from franceservices.formations.models import Categorie, Format, Module, Session
from franceservices.partenaires.models import Partenaire
from franceservices.territoires.models import Commune, Departement

PARIS = ZoneInfo("Europe/Paris")
DEPARTEMENT = "16"
COMMUNE = "16015"  # Angoulême
NOTE = "Module d'exemple livré avec l'outil, à remplacer par le catalogue réel."

# code, titre, catégorie, organisme, code du partenaire, durée, format, compte pour le label, ouvre le pilote de,
# prérequis (codes)
MODULES = [
    (
        "exemple-tronc-commun",
        "Tronc commun : accueillir et accompagner l'usager (exemple)",
        Categorie.SOCLE,
        "CNFPT",
        None,
        "14",
        Format.PRESENTIEL,
        True,
        None,
        [],
    ),
    (
        "exemple-caf",
        "Module partenaire : prestations familiales et logement (exemple)",
        Categorie.MODULE_PARTENAIRE,
        "Caf",
        "cnaf",
        "7",
        Format.DISTANCIEL,
        True,
        None,
        ["exemple-tronc-commun"],
    ),
    (
        "exemple-assurance-maladie",
        "Module partenaire : droits à l'assurance maladie (exemple)",
        Categorie.MODULE_PARTENAIRE,
        "Assurance maladie",
        "cpam",
        "7",
        Format.DISTANCIEL,
        True,
        None,
        ["exemple-tronc-commun"],
    ),
    (
        "exemple-dgfip",
        "Module partenaire : impôt sur le revenu et prélèvement à la source (exemple)",
        Categorie.MODULE_PARTENAIRE,
        "DGFiP",
        "dgfip",
        "7",
        Format.PRESENTIEL,
        True,
        None,
        ["exemple-tronc-commun"],
    ),
    (
        "exemple-ants",
        "Module partenaire : titres sécurisés et pré-demandes en ligne (exemple)",
        Categorie.MODULE_PARTENAIRE,
        "ANTS",
        "ants",
        "3.5",
        Format.E_LEARNING,
        False,
        None,
        [],
    ),
    (
        "exemple-immersion",
        "Immersion d'une journée chez un partenaire (exemple)",
        Categorie.IMMERSION,
        "Partenaire d'accueil",
        None,
        "7",
        Format.PRESENTIEL,
        False,
        None,
        ["exemple-tronc-commun"],
    ),
    (
        "exemple-banque-de-france",
        "Banque de France : droit au compte et surendettement (exemple)",
        Categorie.CONTINUE,
        "Banque de France",
        "bdf",
        "7",
        Format.DISTANCIEL,
        False,
        "bdf",
        ["exemple-tronc-commun"],
    ),
]
# Sessions d'exemple : (code du module, dans combien de semaines, capacité) ; de 9 h 30 à 17 h, un jour par
# tranche de 7 heures.
SESSIONS = [
    ("exemple-tronc-commun", 3, 12),
    ("exemple-tronc-commun", 8, 12),
    ("exemple-caf", 5, 15),
    ("exemple-assurance-maladie", 6, 15),
    ("exemple-dgfip", 7, 10),
    ("exemple-immersion", 9, 4),
    ("exemple-banque-de-france", 10, 8),
]


def _jour_ouvre(jour):
    while jour.weekday() >= 5:
        jour += timedelta(days=1)
    return jour


class Command(BaseCommand):
    help = "Charge un catalogue de formation d'exemple (à remplacer) et des sessions à venir en Charente."

    @transaction.atomic
    def handle(self, *args, **options):
        partenaires = {p.code.lower(): p for p in Partenaire.objects.all()}
        crees = maj = 0
        modules = {}
        for code, titre, categorie, organisme, partenaire, duree, format_, label, pilote, _ in MODULES:
            manquants = {c for c in (partenaire, pilote) if c and c not in partenaires}
            if manquants:
                self.stdout.write(
                    f"Partenaire absent du référentiel ({', '.join(sorted(manquants))}) : « {titre} » sans lien."
                )
            module, cree = Module.objects.update_or_create(
                code=code,
                defaults={
                    "titre": titre,
                    "categorie": categorie,
                    "organisme": organisme,
                    "partenaire": partenaires.get(partenaire) if partenaire else None,
                    "duree_heures": Decimal(duree),
                    "format": format_,
                    "compte_pour_label": label,
                    "ouvre_pilote": partenaires.get(pilote) if pilote else None,
                    "description": NOTE,
                    "actif": True,
                    "exemple": True,
                },
            )
            modules[code] = module
            crees, maj = crees + cree, maj + (not cree)
        for code, *_, prerequis in MODULES:
            modules[code].prerequis.set([modules[p] for p in prerequis])

        departement = Departement.objects.filter(code=DEPARTEMENT).first()
        commune = Commune.objects.filter(code_insee=COMMUNE).order_by("pk").first()
        maintenant = timezone.now()
        deja = set(
            Session.objects.filter(module__in=modules.values(), departement=departement)
            .a_venir(maintenant)
            .values_list("module__code", flat=True)
        )
        sessions = 0
        for code, semaines, capacite in SESSIONS:
            if code in deja:
                continue
            module = modules[code]
            jour = _jour_ouvre(timezone.localdate() + timedelta(weeks=semaines))
            debut = datetime.combine(jour, time(9, 30), tzinfo=PARIS)
            jours = max(math.ceil(module.duree_heures / 7), 1)  # 7 heures par jour
            fin = datetime.combine(_jour_ouvre(jour + timedelta(days=jours - 1)), time(17, 0), tzinfo=PARIS)
            distance = module.format != Format.PRESENTIEL
            Session.objects.create(
                module=module,
                debut=debut,
                fin=fin,
                capacite=capacite,
                departement=departement,
                commune=None if distance else commune,
                lieu="" if distance else "Lieu à préciser (exemple)",
            )
            sessions += 1
        self.stdout.write(
            f"Catalogue d'exemple : {crees} module(s) créé(s), {maj} mis à jour, {sessions} session(s) ajoutée(s) "
            "(données d'exemple, à remplacer)."
        )
