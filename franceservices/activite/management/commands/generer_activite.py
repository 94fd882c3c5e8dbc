"""Génère de l'activité SYNTHÉTIQUE (démonstration, mesures) : origine « synthétique », jamais présentée comme réelle.

Exemples :
    manage.py generer_activite --departement 16 --du 2025-11 --au 2026-11 --par-mois 600 --si-vide
    manage.py generer_activite --du 2026-01 --au 2026-10 --volume 10000000 --graine 1   # tout le pays

Volume par défaut : 350 demandes par France services et par mois (≈ 1 million par mois pour le réseau).
Petits volumes : `actions.enregistrer` par paquets ; gros volumes sur PostgreSQL : COPY puis agrégats en SQL.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection

from franceservices.activite import synthetique
from franceservices.activite.models import Demande, Origine
from franceservices.structures.models import Structure


def _mois(texte: str) -> date:
    try:
        return synthetique.mois_de(texte)
    except ValueError as exc:
        raise CommandError(f"Mois invalide : « {texte} » (attendu : AAAA-MM).") from exc


def _decaler(mois: date, n: int) -> date:
    total = mois.year * 12 + mois.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


class Command(BaseCommand):
    help = "Génère des demandes synthétiques (origine « synthétique ») et tient les agrégats."

    def add_arguments(self, parser):
        parser.add_argument(
            "--departement",
            action="append",
            default=[],
            help="Code du département (répétable) ; défaut : tout le pays",
        )
        parser.add_argument("--du", help="Premier mois AAAA-MM (défaut : 12 mois avant --au)")
        parser.add_argument("--au", help="Dernier mois AAAA-MM (défaut : le mois en cours)")
        volume = parser.add_mutually_exclusive_group()
        volume.add_argument("--volume", type=int, help="Nombre total de demandes sur la période")
        volume.add_argument(
            "--par-mois", type=int, help="Demandes par mois (toutes France services choisies)"
        )
        parser.add_argument("--graine", type=int, default=0, help="Graine du hasard (reproductible)")
        parser.add_argument(
            "--si-vide",
            action="store_true",
            help="Ne fait rien s'il existe déjà des synthétiques sur la période",
        )
        parser.add_argument(
            "--remplacer",
            action="store_true",
            help="Efface d'abord les synthétiques de la période (et lieux)",
        )
        ecriture = parser.add_mutually_exclusive_group()
        ecriture.add_argument("--copy", action="store_true", help="Forcer COPY (PostgreSQL)")
        ecriture.add_argument("--sans-copy", action="store_true", help="Forcer actions.enregistrer")

    def handle(self, *args, **options):
        au = _mois(options["au"]) if options["au"] else date.today().replace(day=1)
        du = _mois(options["du"]) if options["du"] else _decaler(au, -12)
        if du > au:
            raise CommandError("--du doit précéder --au.")
        if au > date.today().replace(day=1):
            raise CommandError("--au ne peut pas être dans le futur (pas de demande synthétique à venir).")
        structures = Structure.objects.all()
        codes = options["departement"]
        if codes:
            structures = structures.filter(departement__code__in=codes)
            inconnus = set(codes) - set(structures.values_list("departement__code", flat=True))
            if inconnus:
                raise CommandError(
                    f"Aucune France services dans le(s) département(s) : {', '.join(sorted(inconnus))}."
                )
        if not structures.exists():
            raise CommandError(
                "Aucune France services : importez d'abord le référentiel (importer_referentiel)."
            )
        for nom in ("volume", "par_mois"):
            if options[nom] is not None and options[nom] < 0:
                raise CommandError(f"--{nom.replace('_', '-')} doit être positif.")
        portee = f"département(s) {', '.join(codes)}" if codes else "toute la France"
        existantes = Demande.objects.filter(
            origine=Origine.SYNTHETIQUE, structure__in=structures, mois__gte=du, mois__lte=au
        )
        if options["si_vide"] and not options["remplacer"] and existantes.exists():
            self.stdout.write(
                f"Activité synthétique déjà présente ({portee}, {du:%Y-%m} → {au:%Y-%m}) : rien à faire."
            )
            return
        copy = True if options["copy"] else (False if options["sans_copy"] else None)
        if copy and connection.vendor != "postgresql":
            raise CommandError("--copy n'existe que sur PostgreSQL.")
        try:
            bilan = synthetique.generer(
                structures,
                du,
                au,
                volume=options["volume"],
                par_mois=options["par_mois"],
                graine=options["graine"],
                copy=copy,
                remplacer=options["remplacer"],
            )
        except IntegrityError as exc:
            raise CommandError(
                "Ces demandes synthétiques existent déjà (même graine, période et lieux) : rien n'a été écrit. "
                "Utilisez --remplacer, --si-vide ou une autre --graine."
            ) from exc
        if not bilan.demandes:
            self.stdout.write(
                "Ces demandes synthétiques existent déjà (même graine, période et lieux) : rien de neuf."
            )
            return
        detail = f" (dont agrégats {bilan.agregats_secondes:.1f} s)" if bilan.agregats_secondes else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{bilan.demandes} demandes SYNTHÉTIQUES générées ({portee}, {du:%Y-%m} → {au:%Y-%m}) "
                f"en {bilan.secondes:.1f} s{detail}, soit {round(bilan.debit)} demandes/s."
            )
        )
