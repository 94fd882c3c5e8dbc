"""Déclare (ou met à jour) un pilote : idempotent, la clé est (partenaire, nom).

Exemple — la Mayenne, seul département du pilote de la Banque de France connu de nos données ; les sept
autres départements se déclarent de la même façon quand on les connaît (rien n'est inventé ici) :

    manage.py declarer_pilote --partenaire bdf --nom "Banque de France — pilote 2022" \\
        --departements 53 --debut 2022-11-01
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement

from ...actions import enregistrer_pilote
from ...models import Partenaire, Pilote, Presence


def _date(texte: str, nom: str) -> date:
    try:
        return date.fromisoformat(texte)
    except ValueError:
        raise CommandError(f"--{nom} : date attendue au format AAAA-MM-JJ (reçu « {texte} »).") from None


class Command(BaseCommand):
    help = "Déclare ou met à jour le pilote d'un partenaire en expérimentation (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--partenaire", required=True, help="Code du partenaire (ex. bdf).")
        parser.add_argument("--nom", required=True, help="Nom du pilote (clé avec le partenaire).")
        parser.add_argument("--departements", nargs="*", default=[], help="Codes INSEE des départements.")
        parser.add_argument(
            "--structures", nargs="*", default=[], help="Identifiants id_fs de France services."
        )
        parser.add_argument("--debut", required=True, help="Date de début AAAA-MM-JJ.")
        parser.add_argument("--fin", default=None, help="Date de fin incluse AAAA-MM-JJ (facultative).")
        parser.add_argument(
            "--sans-formation", action="store_true", help="Pas de formation préalable exigée."
        )
        parser.add_argument("--description", default=None, help="Description (facultative).")
        parser.add_argument("--dry-run", action="store_true", help="Vérifier sans rien écrire.")

    def handle(self, *args, **o):
        try:
            partenaire = Partenaire.objects.get(code=o["partenaire"].strip().lower())
        except Partenaire.DoesNotExist:
            raise CommandError(
                f"Partenaire « {o['partenaire']} » inconnu : importez d'abord le référentiel (make import)."
            ) from None
        if partenaire.presence != Presence.PILOTE:
            raise CommandError(
                f"{partenaire} n'est pas un partenaire en expérimentation (présence « pilote ») : un pilote "
                "n'aurait aucun effet. Modifiez d'abord sa présence dans l'admin."
            )
        codes = [c.upper() for c in o["departements"]]
        departements = list(Departement.objects.filter(code__in=codes))
        inconnus = sorted(set(codes) - {d.code for d in departements})
        if inconnus:
            raise CommandError(f"Département(s) inconnu(s) : {', '.join(inconnus)}.")
        structures = list(Structure.objects.filter(id_fs__in=o["structures"]))
        inconnues = sorted(set(o["structures"]) - {s.id_fs for s in structures})
        if inconnues:
            raise CommandError(f"France services inconnue(s) (id_fs) : {', '.join(inconnues)}.")
        debut = _date(o["debut"], "debut")
        fin = _date(o["fin"], "fin") if o["fin"] else None
        existant = Pilote.objects.filter(partenaire=partenaire, nom=o["nom"]).first()
        champs = {
            "partenaire": partenaire,
            "nom": o["nom"],
            "debut": debut,
            "fin": fin,
            "formation_requise": not o["sans_formation"],
        }
        if o["description"] is not None:
            champs["description"] = o["description"]
        try:
            with transaction.atomic():
                pilote, changements = enregistrer_pilote(
                    par=None,
                    pilote=existant,
                    departements=departements,
                    structures=structures,
                    commande="commande declarer_pilote",
                    **champs,
                )
                if o["dry_run"]:
                    transaction.set_rollback(True)
        except ValidationError as erreur:
            raise CommandError(" ".join(erreur.messages)) from None
        couvertes = pilote.structures_couvertes().count() if not o["dry_run"] else "?"
        if existant is None:
            verbe = "serait créé" if o["dry_run"] else "créé"
        elif changements:
            verbe = "serait modifié" if o["dry_run"] else "modifié"
        else:
            verbe = "inchangé"
        self.stdout.write(
            f"Pilote « {o['nom']} » ({partenaire}) {verbe} : {len(departements)} département(s), "
            f"{len(structures)} France services listée(s), {couvertes} France services couvertes."
        )
        for champ, (avant, apres) in changements.items():
            if existant is not None:
                self.stdout.write(f"  {champ} : {avant} → {apres}")
