"""Charge les fiches d'exemple du projet (`bouquet/donnees/fiches_exemple.csv`), pour la démonstration.

Idempotente : une fiche d'exemple déjà présente (même partenaire, même titre) n'est pas touchée (elle a pu
être relue et modifiée). Chaque fiche est publiée, marquée « fiche d'exemple du projet, à relire par le
partenaire », avec une première version et une date de relecture à trois mois.
"""

from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from franceservices.activite.models import Demarche
from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.core.importation import FichierInvalide, lire_csv
from franceservices.partenaires.models import Partenaire

from ...models import Fiche, Statut, VersionFiche
from ...recherche import invalider_vocabulaire

FICHIER = Path(__file__).resolve().parents[2] / "donnees" / "fiches_exemple.csv"
AVERTISSEMENT = "Fiche d'exemple du projet, à relire par le partenaire."


def responsable_par_defaut(email: str | None) -> Utilisateur:
    if email:
        compte = Utilisateur.objects.filter(email__iexact=email, is_active=True).first()
        if compte is None:
            raise CommandError(f"Aucun compte actif « {email} ».")
        return compte
    compte = (
        Utilisateur.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        or Utilisateur.objects.filter(
            pk__in=Habilitation.objects.actives().filter(role=Role.EQUIPE_NATIONALE).values("utilisateur_id"),
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    if compte is None:
        raise CommandError(
            "Aucun compte de l'équipe nationale ni superutilisateur : créez-en un "
            "(manage.py createsuperuser) ou passez --responsable <adresse>."
        )
    return compte


class Command(BaseCommand):
    help = "Charge les fiches d'exemple de la base de connaissances (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--responsable", help="Adresse du compte responsable des fiches (équipe nationale)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Dire ce qui serait créé, sans écrire")

    def handle(self, *args, responsable=None, dry_run=False, **options):
        try:
            lignes = lire_csv(FICHIER, {"partenaire", "titre", "resume", "contenu", "mots_cles", "demarches"})
        except FichierInvalide as exc:
            raise CommandError(str(exc)) from exc
        compte = responsable_par_defaut(responsable)
        partenaires = {p.code: p for p in Partenaire.objects.all()}
        existantes = set(Fiche.objects.values_list("partenaire__code", "titre"))
        creees = ignorees = 0
        with transaction.atomic():
            for ligne in lignes:
                partenaire = partenaires.get(ligne["partenaire"])
                if partenaire is None:
                    self.stderr.write(
                        f"Partenaire inconnu « {ligne['partenaire']} » : fiche « {ligne['titre']} » ignorée."
                    )
                    continue
                if (partenaire.code, ligne["titre"]) in existantes:
                    ignorees += 1
                    continue
                creees += 1
                if dry_run:
                    continue
                fiche = Fiche(
                    partenaire=partenaire,
                    titre=ligne["titre"],
                    resume=ligne["resume"],
                    contenu=f"{ligne['contenu']}\n\n{AVERTISSEMENT}",
                    mots_cles=ligne["mots_cles"],
                    statut=Statut.PUBLIEE,
                    responsable=compte,
                    revoir_le=timezone.localdate() + timedelta(days=90),
                )
                fiche.preparer_recherche()
                fiche.save()
                libelles = [x.strip() for x in ligne["demarches"].split("|") if x.strip()]
                fiche.demarches.set(Demarche.objects.filter(partenaire=partenaire, libelle__in=libelles))
                VersionFiche.objects.create(
                    fiche=fiche,
                    numero=1,
                    titre=fiche.titre,
                    resume=fiche.resume,
                    contenu=fiche.contenu,
                    mots_cles=fiche.mots_cles,
                    statut=fiche.statut,
                    auteur=compte,
                    motif="Fiche d'exemple du projet (chargement initial)",
                )
            if dry_run:
                transaction.set_rollback(True)
        invalider_vocabulaire()
        verbe = "seraient créées" if dry_run else "créées"
        self.stdout.write(
            f"Fiches d'exemple : {creees} {verbe}, {ignorees} déjà présentes (responsable : {compte})."
        )
