"""Données ouvertes de l'activité : demandes par mois × France services × partenaire, sous secret statistique.

Source : les agrégats par France services (`Agregat`, dimensions « total » et « partenaire »), hors demandes
synthétiques (démonstration) sauf demande explicite.

Secret statistique (seuil `settings.SEUIL_SECRET_STATISTIQUE`, 10 par défaut) :
- secret primaire : une case (partenaire) de 1 à seuil − 1 demandes est masquée (nombre null, secret vrai) ;
  une case nulle n'est pas publiée du tout (absence = 0) ;
- secret secondaire : si une seule case d'une ligne est masquée, on masque aussi la plus petite des autres
  cases, sinon la case masquée se retrouverait par différence avec le total de la ligne ;
- le total de la ligne est masqué s'il est lui-même sous le seuil (toutes ses cases le sont alors aussi).
Limite connue : le secret n'est pas croisé entre lignes (par exemple entre les France services d'un
département et un total départemental publié ailleurs).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Sum

from franceservices.activite.models import Agregat, Dimension
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure

AUTRE = "autre"
COLONNES_CSV = [
    "mois",
    "departement",
    "id_fs",
    "france_services",
    "partenaire",
    "libelle_partenaire",
    "demandes",
    "secret",
]


def seuil() -> int:
    return settings.SEUIL_SECRET_STATISTIQUE


@dataclass
class Case:
    partenaire: str  # code du partenaire, ou « autre » (partenaires locaux)
    libelle: str
    nombre: int | None
    secret: bool


@dataclass
class LigneOuverte:
    mois: str  # AAAA-MM
    id_fs: str
    structure: str
    departement: str
    total: int | None
    total_secret: bool
    partenaires: list[Case]


def appliquer_secret(cases: dict[str, int], total: int) -> tuple[dict[str, int | None], int | None]:
    """Masque (None) les cases sous le seuil, puis le secret secondaire ; renvoie (cases, total)."""
    s = seuil()
    masquees = {code for code, n in cases.items() if 0 < n < s}
    if len(masquees) == 1:
        autres = sorted((n, code) for code, n in cases.items() if code not in masquees and n > 0)
        if autres:
            masquees.add(autres[0][1])
    total_publie = None if 0 < total < s else total
    return {code: (None if code in masquees else n) for code, n in cases.items()}, total_publie


def _cles(*, mois=None, departement=None, structure=None, synthetiques=False):
    qs = Agregat.objects.filter(dimension=Dimension.TOTAL)
    if not synthetiques:
        qs = qs.filter(synthetique=False)
    if mois:
        qs = qs.filter(mois=mois)
    if departement:
        qs = qs.filter(structure__departement__code=departement)
    if structure:
        qs = qs.filter(structure__id_fs=structure)
    return (
        qs.values("mois", "structure_id", "structure__id_fs")
        .annotate(n=Sum("nombre"))
        .filter(n__gt=0)
        .order_by("-mois", "structure__id_fs")
    )


def _lignes(cles: list[dict], synthetiques: bool) -> list[LigneOuverte]:
    if not cles:
        return []
    structures = Structure.objects.select_related("departement").in_bulk({c["structure_id"] for c in cles})
    cases: dict[tuple, dict[str, int]] = {}
    qs = Agregat.objects.filter(
        dimension=Dimension.PARTENAIRE,
        structure_id__in={c["structure_id"] for c in cles},
        mois__in={c["mois"] for c in cles},
    )
    if not synthetiques:
        qs = qs.filter(synthetique=False)
    valeurs = list(qs.values_list("mois", "structure_id", "valeur").annotate(n=Sum("nombre")).order_by())
    partenaires = Partenaire.objects.in_bulk({int(v) for _, _, v, _ in valeurs if v.isdigit()})
    for mois, structure_id, valeur, n in valeurs:
        if n:
            cases.setdefault((mois, structure_id), {})[valeur] = n
    resultat = []
    for cle in cles:
        s = structures[cle["structure_id"]]
        brutes = cases.get((cle["mois"], cle["structure_id"]), {})
        publiees, total = appliquer_secret(brutes, cle["n"])
        liste = []
        for valeur, n in sorted(publiees.items(), key=lambda kv: (-brutes[kv[0]], kv[0])):
            p = partenaires.get(int(valeur)) if valeur.isdigit() else None
            liste.append(
                Case(
                    partenaire=p.code if p else AUTRE,
                    libelle=p.nom_court if p else "Autre partenaire (local)",
                    nombre=n,
                    secret=n is None,
                )
            )
        resultat.append(
            LigneOuverte(
                mois=f"{cle['mois']:%Y-%m}",
                id_fs=s.id_fs,
                structure=s.nom,
                departement=s.departement.code,
                total=total,
                total_secret=total is None,
                partenaires=liste,
            )
        )
    return resultat


def page(numero: int, taille: int, **filtres) -> tuple[int, int, list[LigneOuverte]]:
    """(nombre de lignes, nombre de pages, lignes de la page) ; page au-delà de la dernière : liste vide."""
    synthetiques = filtres.get("synthetiques", False)
    paginateur = Paginator(_cles(**filtres), taille)
    if numero > paginateur.num_pages:
        return paginateur.count, paginateur.num_pages, []
    return paginateur.count, paginateur.num_pages, _lignes(list(paginateur.page(numero)), synthetiques)


def lignes_csv(taille: int = 1000):
    """Toutes les cases publiées (format long), plus une ligne « total » par France services et par mois."""
    numero, pages = 1, 1
    while numero <= pages:
        _, pages, lignes = page(numero, taille)
        for ligne in lignes:
            debut = [ligne.mois, ligne.departement, ligne.id_fs, ligne.structure]
            yield [
                *debut,
                "total",
                "Total",
                "" if ligne.total is None else ligne.total,
                int(ligne.total_secret),
            ]
            for case in ligne.partenaires:
                yield [
                    *debut,
                    case.partenaire,
                    case.libelle,
                    "" if case.nombre is None else case.nombre,
                    int(case.secret),
                ]
        numero += 1
