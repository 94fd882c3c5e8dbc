"""Demandes de rappel SYNTHÉTIQUES (`synthetique=True`) pour la démonstration et les mesures
(`benchmarks/rappels.py`) : exclues des indicateurs sauf option explicite, jamais notifiées (numéros fictifs
de la tranche réservée aux fictions 06 39 98…, pas de `notification_echec_prevue_le`), pas d'audit.

Écriture par `bulk_create` (demandes et tentatives), par lots : ~20 000 demandes en quelques secondes.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from .models import DemandeRappel, Origine, Resultat, Statut, TentativeRappel, delai_heures

BESOINS = [
    "Renouvellement de titre de séjour",
    "Question sur mon allocation logement",
    "Déclaration de revenus en ligne",
    "Inscription à France Travail",
    "Carte grise : changement d'adresse",
    "Dossier de retraite",
    "Complémentaire santé solidaire",
]
LOT = 2000


def _telephone(rng: random.Random) -> str:
    # Tranche 06 39 98 xx xx : numéros réservés aux œuvres de fiction par l'Arcep (jamais attribués).
    return f"+3363998{rng.randrange(10_000):04d}"


def generer(
    nombre: int, *, departement: str | None = None, jours: int = 90, graine: int = 0, maintenant=None
) -> int:
    """Crée `nombre` demandes étalées sur les `jours` derniers jours (dans un département, ou tout le pays)."""
    if nombre <= 0:
        raise ValueError("Le nombre de demandes doit être positif.")
    rng = random.Random(graine)
    maintenant = maintenant or timezone.now()
    structures = Structure.objects.all()
    if departement:
        if not Departement.objects.filter(code=departement).exists():
            raise ValueError(f"Département inconnu : « {departement} ».")
        structures = structures.filter(departement__code=departement)
    structures = list(structures.values_list("pk", "departement_id"))
    if not structures:
        raise ValueError("Aucune France services : importez d'abord le référentiel.")
    partenaires = list(Partenaire.objects.filter(actif=True).values_list("pk", flat=True)) or [None]
    delai = timedelta(hours=delai_heures())
    cree = 0
    with transaction.atomic():
        while cree < nombre:
            taille = min(LOT, nombre - cree)
            demandes, issues = [], []
            for _ in range(taille):
                structure_id, departement_id = rng.choice(structures)
                if rng.random() < 0.15:
                    structure_id = None  # file du département
                instant = maintenant - timedelta(minutes=rng.randrange(jours * 1440))
                demande = DemandeRappel(
                    cree_le=instant,
                    structure_id=structure_id,
                    departement_id=departement_id,
                    partenaire_id=rng.choice(partenaires) if rng.random() < 0.7 else None,
                    besoin=rng.choice(BESOINS),
                    telephone=_telephone(rng),
                    creneaux=rng.choice([[], ["matin"], ["apres_midi"], ["matin", "apres_midi"]]),
                    consentement=True,
                    consentement_le=instant,
                    origine=rng.choice(Origine.values),
                    echeance=instant + delai,
                    synthetique=True,
                )
                tirage = rng.random()
                contact = instant + timedelta(minutes=int(rng.lognormvariate(7.3, 0.9)))  # médiane ≈ 25 h
                if tirage < 0.65 and contact < maintenant:
                    demande.statut, demande.premier_contact_le, demande.clos_le = (
                        Statut.RAPPELE,
                        contact,
                        contact,
                    )
                    issues.append(Resultat.JOINT)
                elif tirage < 0.8 and contact < maintenant:
                    demande.statut, demande.clos_le = Statut.INJOIGNABLE, contact
                    issues.append(Resultat.PAS_DE_REPONSE)
                elif tirage < 0.85 and contact < maintenant:
                    demande.statut, demande.clos_le = Statut.ABANDONNE, contact
                    issues.append(None)
                else:
                    issues.append(None)
                demandes.append(demande)
            DemandeRappel.objects.bulk_create(demandes, batch_size=LOT)
            TentativeRappel.objects.bulk_create(
                [
                    TentativeRappel(rappel=d, le=d.clos_le, resultat=resultat)
                    for d, resultat in zip(demandes, issues, strict=True)
                    if resultat is not None
                ],
                batch_size=LOT,
            )
            cree += taille
    return cree
