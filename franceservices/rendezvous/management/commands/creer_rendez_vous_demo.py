"""Rendez-vous de démonstration dans les France services des comptes de démonstration (DEBUG seulement).

Pour chaque France services d'un compte de démo (`creer_comptes_demo`) : trois types de rendez-vous (dont un
« Rendez-vous CAF » tenu pendant une permanence de la CAF le 2e mardi du mois), des disponibilités (lundi à
vendredi, 9 h – 12 h et 14 h – 17 h, si aucune n'est saisie) et quelques rendez-vous SYNTHÉTIQUES : noms
visiblement fictifs (« Usager de démonstration 1 »), numéros de la plage 01 99 00 xx xx que l'Arcep réserve
aux œuvres de fiction. Aucun message n'est envoyé (les rendez-vous sont écrits directement).

Idempotent : relancée, la commande ne crée rien de plus (types, permanence et rendez-vous retrouvés par leur
libellé ou leur nom). `--dry-run` : dit ce qui serait créé, sans rien écrire.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from franceservices.activite.models import Demarche
from franceservices.comptes.management.commands.creer_comptes_demo import DOMAINE
from franceservices.comptes.models import Habilitation
from franceservices.core.telephone import normaliser_telephone
from franceservices.partenaires.models import Partenaire
from franceservices.rendezvous.models import (
    Disponibilite,
    Modalite,
    Permanence,
    RendezVous,
    Statut,
    TypeRendezVous,
)
from franceservices.structures.models import Structure
from franceservices.territoires.jours_ouvres import ajouter_jours_ouvres, est_ouvre

PREFIXE_NOM = "Usager de démonstration"
TYPES = [
    ("Accompagnement administratif", 30, Modalite.PRESENTIEL, None),
    ("Rendez-vous téléphonique", 20, Modalite.TELEPHONE, None),
    ("Rendez-vous CAF", 30, Modalite.PRESENTIEL, "cnaf"),
]
# (décalage en jours ouvrés depuis le jour ouvré courant, heure, minute, type (indice dans TYPES), statut)
RENDEZ_VOUS = [
    (-1, 9, 0, 0, Statut.HONORE),
    (-1, 10, 0, 1, Statut.ABSENT),
    (0, 9, 0, 0, Statut.PREVU),
    (0, 9, 30, 1, Statut.PREVU),
    (0, 14, 0, 0, Statut.PREVU),
    (0, 15, 0, 2, Statut.PREVU),
    (1, 10, 0, 0, Statut.PREVU),
    (2, 14, 30, 1, Statut.PREVU),
]


def telephone_fictif(n: int) -> str:
    """01 99 00 00 nn : plage réservée à la fiction par l'Arcep, valide pour `normaliser_telephone`."""
    return normaliser_telephone(f"01 99 00 {n // 100:02d} {n % 100:02d}")


class Command(BaseCommand):
    help = "Crée des types, disponibilités et rendez-vous synthétiques de démonstration (DEBUG seulement)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Affiche sans rien écrire.")

    def handle(self, *args, dry_run=False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Les rendez-vous de démonstration ne sont jamais créés quand DEBUG est désactivé."
            )
        ids = (
            Habilitation.objects.actives()
            .filter(utilisateur__email__endswith=f"@{DOMAINE}", structure__isnull=False)
            .values_list("structure_id", flat=True)
        )
        structures = list(Structure.objects.filter(pk__in=ids).select_related("departement").order_by("nom"))
        if not structures:
            raise CommandError("Aucune France services de démonstration : lancez d'abord creer_comptes_demo.")
        bilan = {"types": 0, "permanences": 0, "disponibilites": 0, "rendez_vous": 0}
        with transaction.atomic():
            for structure in structures:
                self.preparer(structure, bilan)
            if dry_run:
                transaction.set_rollback(True)
        verbe = "seraient créés" if dry_run else "créés"
        self.stdout.write(
            f"Rendez-vous de démonstration ({', '.join(s.nom for s in structures)}) — {verbe} : "
            f"{bilan['types']} types, {bilan['permanences']} permanences, "
            f"{bilan['disponibilites']} disponibilités, {bilan['rendez_vous']} rendez-vous."
        )

    def preparer(self, structure, bilan):
        types = []
        for libelle, duree, modalite, code in TYPES:
            partenaire = Partenaire.objects.filter(code=code).first() if code else None
            demarche = (
                Demarche.objects.filter(partenaire=partenaire, actif=True).order_by("ordre", "pk").first()
                if partenaire
                else None
            )
            type_, cree = TypeRendezVous.objects.get_or_create(
                structure=structure,
                libelle=libelle,
                defaults={
                    "duree": duree,
                    "modalite": modalite,
                    "partenaire": partenaire,
                    "demarche": demarche,
                },
            )
            bilan["types"] += cree
            types.append(type_)
            if partenaire is not None:
                _, cree = Permanence.objects.get_or_create(
                    structure=structure,
                    partenaire=partenaire,
                    rang=2,
                    jour_semaine=1,  # le 2e mardi du mois
                    defaults={"heure_debut": time(9), "heure_fin": time(12)},
                )
                bilan["permanences"] += cree
        if not Disponibilite.objects.filter(structure=structure).exists():
            for jour in range(5):
                for debut, fin in ((time(9), time(12)), (time(14), time(17))):
                    Disponibilite.objects.create(
                        structure=structure, jour_semaine=jour, heure_debut=debut, heure_fin=fin
                    )
                    bilan["disponibilites"] += 1
        fuseau = structure.fuseau
        code = structure.departement.code
        aujourd_hui = timezone.localdate(timezone=fuseau)
        while not est_ouvre(aujourd_hui, code):  # week-end ou férié : le prochain jour ouvré
            aujourd_hui += timedelta(days=1)
        hier = aujourd_hui - timedelta(days=1)
        while not est_ouvre(hier, code):
            hier -= timedelta(days=1)
        for n, (decalage, heure, minute, indice, statut) in enumerate(RENDEZ_VOUS, start=1):
            nom = f"{PREFIXE_NOM} {n}"
            if RendezVous.objects.filter(structure=structure, nom=nom).exists():
                continue
            type_ = types[indice]
            jour = hier if decalage < 0 else ajouter_jours_ouvres(aujourd_hui, decalage, code)
            debut = datetime.combine(jour, time(heure, minute), tzinfo=fuseau)
            RendezVous.objects.create(
                structure=structure,
                type=type_,
                debut=debut,
                fin=debut + timedelta(minutes=type_.duree),
                nom=nom,
                telephone=telephone_fictif(n),
                statut=statut,
                arrive_le=debut + timedelta(minutes=3) if statut == Statut.HONORE else None,
            )
            bilan["rendez_vous"] += 1
