"""Génère des fiches synthétiques (`synthetique=True`) pour les mesures de la recherche (banc).

Textes plausibles tirés d'un vocabulaire de démarches, graine fixe (reproductible). Jamais montrées comme
réelles (badge « synthétique »). `--supprimer` retire les fiches synthétiques.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from franceservices.activite.models import Demarche

from ...models import Fiche, Statut
from ...recherche import invalider_vocabulaire
from .charger_fiches_exemple import responsable_par_defaut

SUJETS = [
    "carte d'identité",
    "passeport",
    "permis de conduire",
    "carte grise",
    "prime d'activité",
    "RSA",
    "aide au logement",
    "allocations familiales",
    "complémentaire santé solidaire",
    "carte Vitale",
    "indemnités journalières",
    "retraite",
    "relevé de carrière",
    "pension de réversion",
    "allocation chômage",
    "actualisation",
    "déclaration de revenus",
    "prélèvement à la source",
    "taxe foncière",
    "surendettement",
    "droit au compte",
    "fichier FICP",
    "aide juridictionnelle",
    "casier judiciaire",
    "chèque énergie",
    "rénovation énergétique",
    "identité numérique",
    "micro-entrepreneur",
    "Cesu",
    "quotient familial",
]
SITUATIONS = [
    "perte",
    "vol",
    "renouvellement",
    "première demande",
    "changement d'adresse",
    "déménagement",
    "naissance",
    "mariage",
    "séparation",
    "décès",
    "baisse de revenus",
    "reprise d'emploi",
    "rappel",
    "trop-perçu",
    "réclamation",
    "attestation",
    "simulation",
    "mot de passe oublié",
    "création de compte",
]
PHRASES = [
    "L'usager se connecte à son espace personnel avec ses identifiants ou FranceConnect.",
    "Vérifier les pièces justificatives avant de commencer la démarche en ligne.",
    "En cas de blocage, orienter vers le partenaire ou escalader au correspondant.",
    "Le délai de traitement est de plusieurs semaines : noter la date de dépôt.",
    "Aider à numériser les documents et à les joindre au dossier.",
    "Un justificatif de domicile de moins de trois mois est demandé.",
    "Les ressources des trois derniers mois sont déclarées.",
    "La démarche est gratuite sur le site officiel.",
    "Conserver l'accusé de réception envoyé par courriel.",
]


class Command(BaseCommand):
    help = "Génère N fiches synthétiques (mesures de la recherche)."

    def add_arguments(self, parser):
        parser.add_argument("--nombre", type=int, default=2000)
        parser.add_argument("--graine", type=int, default=20261127)
        parser.add_argument("--responsable", help="Adresse du compte responsable (défaut : équipe nationale)")
        parser.add_argument("--supprimer", action="store_true", help="Supprimer les fiches synthétiques")

    def handle(self, *args, nombre, graine, responsable=None, supprimer=False, **options):
        if supprimer:
            n, _ = Fiche.objects.filter(synthetique=True).delete()
            invalider_vocabulaire()
            self.stdout.write(f"{n} objet(s) synthétique(s) supprimé(s).")
            return
        compte = responsable_par_defaut(responsable)
        hasard = random.Random(graine)
        demarches = list(Demarche.objects.select_related("partenaire"))
        aujourdhui = timezone.localdate()
        fiches = []
        for i in range(nombre):
            d = hasard.choice(demarches)
            sujet, situation = hasard.choice(SUJETS), hasard.choice(SITUATIONS)
            fiche = Fiche(
                partenaire=d.partenaire,
                titre=f"{d.libelle} : {situation} ({sujet}) n° {i + 1}"[:200],
                resume=f"Que faire pour {sujet} en cas de {situation} : démarche {d.libelle.lower()}."[:500],
                contenu="\n\n".join(" ".join(hasard.sample(PHRASES, 3)) for _ in range(3)),
                mots_cles=", ".join([sujet, situation, d.partenaire.nom_court]),
                statut=Statut.PUBLIEE,
                responsable=compte,
                revoir_le=aujourdhui + timedelta(days=hasard.randint(-60, 365)),
                synthetique=True,
            )
            fiche.preparer_recherche()
            fiches.append(fiche)
        with transaction.atomic():
            Fiche.objects.bulk_create(fiches, batch_size=500)
        invalider_vocabulaire()
        self.stdout.write(f"{len(fiches)} fiche(s) synthétique(s) créée(s).")
