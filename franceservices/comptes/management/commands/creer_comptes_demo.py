"""Comptes de démonstration, un par rôle, sur de vraies France services d'un département (DEBUG seulement).

Idempotent : relancé, il remet les comptes en état (actifs, mot de passe de démo, habilitation active)
sans créer de doublon. Refuse de tourner quand DEBUG est désactivé : jamais de compte de démo en production.
"""

import csv
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune, Departement

DOMAINE = "demo.france-services.invalid"
FICHIER_LIEUX = "lieux_mediation_numerique_echantillon.csv"


@dataclass(frozen=True)
class CompteDemo:
    identifiant: str
    prenom: str
    nom: str
    role: Role

    @property
    def email(self) -> str:
        return f"{self.identifiant}@{DOMAINE}"


COMPTES = [
    CompteDemo("agent", "Alice", "Agent (démo)", Role.AGENT),
    CompteDemo("responsable", "Romain", "Responsable (démo)", Role.RESPONSABLE),
    CompteDemo("animateur", "Anne", "Animatrice (démo)", Role.ANIMATEUR),
    CompteDemo("prefecture", "Paul", "Coordinateur préfecture (démo)", Role.COORDINATEUR_PREFECTURE),
    CompteDemo("national", "Nadia", "Équipe nationale (démo)", Role.EQUIPE_NATIONALE),
    CompteDemo("referent-caf", "Claire", "Référente Caf (démo)", Role.REFERENT_PARTENAIRE),
    CompteDemo(
        "referent-bdf", "Bertrand", "Référent national Banque de France (démo)", Role.REFERENT_PARTENAIRE
    ),
    CompteDemo("conseiller-numerique", "Camille", "Conseiller numérique (démo)", Role.CONSEILLER_NUMERIQUE),
]


class Command(BaseCommand):
    help = "Crée les comptes de démonstration (un par rôle) sur de vraies France services (DEBUG seulement)."

    def add_arguments(self, parser):
        parser.add_argument("--departement", default=settings.DEMO_DEPARTEMENT, help="Code du département.")

    def handle(self, *args, departement, **options):
        if not settings.DEBUG:
            raise CommandError("Les comptes de démonstration ne sont jamais créés quand DEBUG est désactivé.")
        try:
            dep = Departement.objects.get(code=departement)
        except Departement.DoesNotExist:
            raise CommandError(
                f"Département « {departement} » inconnu : importez d'abord le référentiel (make import)."
            ) from None
        structure = Structure.objects.filter(departement=dep, format="fixe").order_by("nom").first()
        if structure is None:
            raise CommandError(f"Aucune France services dans le département {dep} : importez les structures.")
        # Par identifiant de compte (deux référents : Caf du département, Banque de France nationale).
        perimetres = {
            "agent": {"structure": structure},
            "responsable": {"structure": structure},
            "animateur": {"departement": dep},
            "prefecture": {"departement": dep},
            "national": {},
            "referent-caf": {"partenaire": Partenaire.objects.get(code="cnaf"), "departement": dep},
            "referent-bdf": {"partenaire": Partenaire.objects.get(code="bdf"), "departement": None},
        }
        lieu = self.lieu_de_mediation(dep, structure)
        if lieu is not None:
            perimetres["conseiller-numerique"] = {"lieu_mediation": lieu}

        with transaction.atomic():
            for compte in COMPTES:
                if compte.identifiant not in perimetres:
                    self.stderr.write(
                        f"{compte.email} : aucun lieu de médiation numérique connu, compte non créé."
                    )
                    continue
                self.preparer(compte, perimetres[compte.identifiant])
        self.stdout.write(
            f"Comptes de démonstration prêts ({dep}, {structure}) — mot de passe : {settings.MOT_DE_PASSE_DEMO}"
        )
        for compte in COMPTES:
            if compte.identifiant in perimetres:
                self.stdout.write(f"  {compte.role.label:<28} {compte.email}")

    def preparer(self, compte: CompteDemo, perimetre: dict):
        utilisateur, _ = Utilisateur.objects.get_or_create(
            email=compte.email,
            defaults={"username": compte.email, "first_name": compte.prenom, "last_name": compte.nom},
        )
        utilisateur.demo = True
        utilisateur.is_active = True
        utilisateur.desactive_le = None
        utilisateur.set_password(settings.MOT_DE_PASSE_DEMO)
        utilisateur.save()
        actives = Habilitation.objects.actives().filter(
            utilisateur=utilisateur, role=compte.role, **perimetre
        )
        if not actives.exists():
            Habilitation.objects.create(utilisateur=utilisateur, role=compte.role, **perimetre)

    def lieu_de_mediation(self, dep: Departement, structure: Structure) -> LieuMediation | None:
        """Un vrai lieu de l'échantillon national, de préférence dans la commune de la France services."""
        chemin = settings.REFERENCE_DATA_DIR / FICHIER_LIEUX
        if not chemin.exists():
            return None
        with chemin.open(encoding="utf-8", newline="") as fichier:
            lignes = [
                ligne
                for ligne in csv.DictReader(fichier)
                if ligne.get("code_insee", "").startswith(dep.code) and ligne.get("nom")
            ]
        if not lignes:
            return None
        lignes.sort(key=lambda ligne: (ligne["code_insee"] != structure.code_insee, ligne["nom"]))
        ligne = lignes[0]
        lieu, _ = LieuMediation.objects.update_or_create(
            identifiant=ligne["id"][:120],
            defaults={
                "nom": ligne["nom"][:250],
                "departement": dep,
                "commune": Commune.objects.par_code(ligne["code_insee"]),
            },
        )
        return lieu
