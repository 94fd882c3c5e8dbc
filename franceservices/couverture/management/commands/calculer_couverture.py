"""Met en table la distance de chaque commune au point d'accès le plus proche (idempotent).

Ne recalcule que si le registre (sites, arrêts itinérants, communes) ou le facteur de détour a changé
depuis le dernier calcul ; `--force` recalcule quand même, `--dry-run` dit seulement ce qui serait fait.
À lancer avec les tâches périodiques (`make periodiques`) et après un import du registre.
"""

from django.core.management.base import BaseCommand, CommandError

from franceservices.couverture import calcul


class Command(BaseCommand):
    help = (
        "Calcule la distance de chaque commune à la France services la plus proche (et aux arrêts "
        "itinérants) ; ne fait rien si le registre n'a pas changé depuis le dernier calcul."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Recalculer même si rien n'a changé")
        parser.add_argument("--dry-run", action="store_true", help="Dire ce qui serait fait, sans écrire")
        parser.add_argument(
            "--facteur-detour",
            type=float,
            default=None,
            help=f"Facteur de détour route / vol d'oiseau (défaut : {calcul.FACTEUR_DETOUR_DEFAUT}, "
            "ou COUVERTURE_FACTEUR_DETOUR)",
        )

    def handle(self, *args, force=False, dry_run=False, facteur_detour=None, **options):
        facteur = calcul.facteur_detour() if facteur_detour is None else facteur_detour
        if not (1.0 <= facteur <= 3.0):
            raise CommandError("Le facteur de détour doit être compris entre 1 et 3.")
        if dry_run:
            dernier = calcul.dernier_calcul()
            if force or not calcul.a_jour(dernier) or dernier.facteur_detour != facteur:
                self.stdout.write("À recalculer (registre ou facteur modifié, ou --force).")
            else:
                self.stdout.write(f"À jour : {dernier}.")
            return
        resultat, recalcule = calcul.enregistrer_couverture(facteur=facteur, forcer=force)
        if recalcule:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Couverture calculée : {resultat.communes} communes, {resultat.sites} France services, "
                    f"{resultat.arrets} arrêts, facteur de détour {resultat.facteur_detour} "
                    f"({resultat.duree_ms} ms de calcul)."
                )
            )
        else:
            self.stdout.write(f"Rien à faire : {resultat} est à jour.")
