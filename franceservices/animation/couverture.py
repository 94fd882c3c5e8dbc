"""Couverture du réseau en animateurs : part des départements (DROM compris, hors collectivités d'outre-mer)
ayant au moins un animateur actif (habilitation `Role.ANIMATEUR` active), contre l'objectif en vigueur."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.territoires.models import Departement, Zone

from .models import ObjectifCouverture


def departements_couverts():
    """Les départements métropolitains et d'outre-mer (DROM) : 101."""
    return Departement.objects.exclude(zone=Zone.COM)


def objectif_en_vigueur(aujourdhui=None) -> ObjectifCouverture | None:
    """L'objectif dont l'échéance est la plus proche à venir ; à défaut, le dernier échu."""
    aujourdhui = aujourdhui or timezone.localdate()
    a_venir = ObjectifCouverture.objects.filter(echeance__gte=aujourdhui).order_by("echeance", "pk").first()
    return a_venir or ObjectifCouverture.objects.order_by("-echeance", "-pk").first()


def pourcentage(n: int, total: int) -> Decimal:
    if not total:
        return Decimal("0")
    return (Decimal(100) * n / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class LigneRegion:
    region: object
    total: int = 0
    couverts: int = 0

    @property
    def part(self) -> Decimal:
        return pourcentage(self.couverts, self.total)


@dataclass
class Couverture:
    total: int
    couverts: int
    animateurs: dict  # departement_id → nombre d'animateurs actifs
    objectif: ObjectifCouverture | None
    regions: list[LigneRegion] = field(default_factory=list)
    sans_animateur: list = field(default_factory=list)

    @property
    def part(self) -> Decimal:
        return pourcentage(self.couverts, self.total)

    def _part_exacte(self, couverts: int) -> Decimal:
        return Decimal(100) * couverts / self.total if self.total else Decimal(0)

    @property
    def atteint(self) -> bool | None:
        if self.objectif is None:
            return None
        return self.objectif.atteint(self._part_exacte(self.couverts))

    @property
    def manquants(self) -> int | None:
        """Départements à doter en plus pour atteindre l'objectif (0 s'il est atteint)."""
        if self.objectif is None:
            return None
        for k in range(self.total - self.couverts + 1):
            if self.objectif.atteint(self._part_exacte(self.couverts + k)):
                return k
        return None  # inatteignable (part cible > 100 %)

    @property
    def cible_departements(self) -> int | None:
        m = self.manquants
        return None if m is None else self.couverts + m if m else None


def calculer(aujourdhui=None) -> Couverture:
    """Trois requêtes : départements avec leur région, animateurs actifs, objectif."""
    aujourdhui = aujourdhui or timezone.localdate()
    departements = list(departements_couverts().select_related("region").order_by("region__nom", "code"))
    # Un animateur compté une fois par département, même avec deux habilitations : compter les personnes.
    personnes = Counter(
        d
        for d, _ in set(
            Habilitation.objects.actives(aujourdhui)
            .filter(role=Role.ANIMATEUR, departement__isnull=False)
            .values_list("departement_id", "utilisateur_id")
        )
    )
    regions: dict[int, LigneRegion] = {}
    sans = []
    couverts = 0
    for d in departements:
        ligne = regions.setdefault(d.region_id, LigneRegion(region=d.region))
        ligne.total += 1
        if personnes.get(d.pk):
            ligne.couverts += 1
            couverts += 1
        else:
            sans.append(d)
    return Couverture(
        total=len(departements),
        couverts=couverts,
        animateurs=dict(personnes),
        objectif=objectif_en_vigueur(aujourdhui),
        regions=list(regions.values()),
        sans_animateur=sorted(sans, key=lambda d: d.code),
    )
