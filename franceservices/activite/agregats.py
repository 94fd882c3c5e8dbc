"""Agrégats de l'activité : tenus à jour à chaque écriture, reconstruits et vérifiés depuis les lignes brutes.

Une demande contribue, pour son mois, sa France services et son département, à une ligne par dimension
(`Dimension`) : +1 demande et +durée. Une correction retire l'ancienne contribution et ajoute la nouvelle ;
une annulation la retire. L'écriture est un seul `INSERT … ON CONFLICT DO UPDATE` (PostgreSQL et SQLite),
dans la transaction de la demande : les agrégats ne divergent jamais des lignes brutes, ce que
`reconcilier` vérifie (et `reconstruire` répare).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import Cast, Coalesce

from franceservices.structures.models import Structure

from .models import Agregat, AgregatDepartement, Demande, Dimension, Origine

Cle = tuple  # (mois, structure_id | departement_id, synthetique, dimension, valeur)


def _texte(valeur) -> str:
    return "" if valeur is None else str(valeur)


def valeurs_de(demande) -> dict[str, str]:
    """La valeur de chaque dimension pour une demande (mêmes chaînes que `_expressions`)."""
    premiere = demande.premiere_visite
    return {
        Dimension.TOTAL: "",
        Dimension.JOUR: demande.jour.isoformat(),
        Dimension.PARTENAIRE: _texte(demande.partenaire_id),
        Dimension.THEME: demande.theme,
        Dimension.DEMARCHE: _texte(demande.demarche_id),
        Dimension.CANAL: demande.canal,
        Dimension.NIVEAU: demande.niveau,
        Dimension.ISSUE: demande.issue,
        Dimension.TRANCHE_AGE: demande.tranche_age,
        Dimension.SEXE: demande.sexe,
        Dimension.AUTONOMIE: demande.autonomie,
        Dimension.PREMIERE_VISITE: "" if premiere is None else ("oui" if premiere else "non"),
        Dimension.COMMUNE: _texte(demande.commune_id),
    }


def _expressions():
    """Les mêmes valeurs calculées en SQL sur la table des demandes (reconstruction, vérification)."""
    return {
        Dimension.TOTAL: Value(""),
        Dimension.JOUR: Cast("jour", CharField()),
        Dimension.PARTENAIRE: Coalesce(Cast("partenaire_id", CharField()), Value("")),
        Dimension.THEME: F("theme"),
        Dimension.DEMARCHE: Coalesce(Cast("demarche_id", CharField()), Value("")),
        Dimension.CANAL: F("canal"),
        Dimension.NIVEAU: F("niveau"),
        Dimension.ISSUE: F("issue"),
        Dimension.TRANCHE_AGE: F("tranche_age"),
        Dimension.SEXE: F("sexe"),
        Dimension.AUTONOMIE: F("autonomie"),
        Dimension.PREMIERE_VISITE: Case(
            When(premiere_visite=True, then=Value("oui")),
            When(premiere_visite=False, then=Value("non")),
            default=Value(""),
            output_field=CharField(),
        ),
        Dimension.COMMUNE: Coalesce(Cast("commune_id", CharField()), Value("")),
    }


@dataclass
class Contribution:
    """Nombre et durée à ajouter (ou retirer) par clé, aux deux niveaux."""

    structures: Counter
    departements: Counter

    @classmethod
    def vide(cls):
        return cls(Counter(), Counter())

    def ajouter(self, demande, signe: int = 1, departement_id: int | None = None):
        synthetique = demande.origine == Origine.SYNTHETIQUE
        if departement_id is None:
            departement_id = demande.structure.departement_id
        for dimension, valeur in valeurs_de(demande).items():
            for compteur, porteur in (
                (self.structures, demande.structure_id),
                (self.departements, departement_id),
            ):
                cle = (demande.mois, porteur, synthetique, str(dimension), valeur)
                compteur[(cle, "n")] += signe
                compteur[(cle, "d")] += signe * demande.duree
        return self

    def lignes(self, compteur) -> list[tuple]:
        cles = sorted({cle for cle, _ in compteur})  # ordre stable : pas d'interblocage entre écritures
        lignes = []
        for cle in cles:
            nombre, duree = compteur[(cle, "n")], compteur[(cle, "d")]
            if nombre or duree:
                lignes.append((*cle, nombre, duree))
        return lignes


def _inserer_ou_ajouter(table: str, porteur: str, source: str) -> str:
    """INSERT des lignes de `source` (VALUES … ou SELECT …) ; une clé existante reçoit nombre et durée en plus."""
    return (
        f"INSERT INTO {table} (mois, {porteur}, synthetique, dimension, valeur, nombre, duree) {source} "
        f"ON CONFLICT (mois, {porteur}, synthetique, dimension, valeur) DO UPDATE SET "
        f"nombre = {table}.nombre + excluded.nombre, duree = {table}.duree + excluded.duree"
    )


def _upsert(table: str, porteur: str, lignes: list[tuple]):
    if not lignes:
        return
    valeurs = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(lignes))
    sql = _inserer_ou_ajouter(table, porteur, f"VALUES {valeurs}")
    parametres = [v for ligne in lignes for v in ligne]
    with connection.cursor() as curseur:
        curseur.execute(sql, parametres)


def appliquer(contribution: Contribution):
    """Ajoute la contribution aux agrégats (à appeler dans la transaction qui écrit les demandes)."""
    _upsert(Agregat._meta.db_table, "structure_id", contribution.lignes(contribution.structures))
    _upsert(
        AgregatDepartement._meta.db_table, "departement_id", contribution.lignes(contribution.departements)
    )


def ajouter_en_masse(demandes, signe: int = 1):
    """Ajoute (signe +1) ou retire (-1) la contribution des demandes non annulées de `demandes` aux agrégats,
    en SQL (INSERT … SELECT … GROUP BY … ON CONFLICT), avec les expressions de `reconcilier` : le résultat
    est exactement celui de `Contribution` ligne à ligne (vérifié par `reconcilier`). Pour les gros volumes
    (génération, reconstruction) : rien ne remonte en Python.

    Une table temporaire reçoit la contribution par France services (une lecture des demandes par
    dimension) ; celle des départements s'en déduit sans relire les demandes."""
    signe = int(signe)  # écrit dans le SQL
    demandes = demandes.filter(annulee_le__isnull=True).order_by()
    synth = Case(
        When(origine=Origine.SYNTHETIQUE, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    vrai = "true" if connection.vendor == "postgresql" else "1"
    temporaire = "contribution_activite"
    with connection.cursor() as curseur:
        curseur.execute(f"DROP TABLE IF EXISTS {temporaire}")
        curseur.execute(
            f"CREATE TEMPORARY TABLE {temporaire} (mois date, p integer, s boolean, dimension varchar(16), "
            "valeur varchar(24), n bigint, d bigint)"
        )
        for dimension, expression in _expressions().items():
            requete = (
                demandes.annotate(v=expression, s=synth)
                .values("mois", "structure_id", "s", "v")
                .annotate(n=Count("id"), d=Sum("duree"))
            )
            sous_sql, parametres = requete.query.sql_with_params()
            curseur.execute(
                f"INSERT INTO {temporaire} SELECT q.mois, q.structure_id, q.s = 1, %s, COALESCE(q.v, ''), "
                f"q.n, COALESCE(q.d, 0) FROM ({sous_sql}) q",
                [str(dimension), *parametres],
            )
        curseur.execute(
            _inserer_ou_ajouter(
                Agregat._meta.db_table,
                "structure_id",
                f"SELECT mois, p, s, dimension, valeur, {signe} * n, {signe} * d FROM {temporaire} WHERE {vrai}",
            )
        )
        curseur.execute(
            _inserer_ou_ajouter(
                AgregatDepartement._meta.db_table,
                "departement_id",
                f"SELECT c.mois, st.departement_id, c.s, c.dimension, c.valeur, {signe} * SUM(c.n), "
                f"{signe} * SUM(c.d) FROM {temporaire} c JOIN {Structure._meta.db_table} st ON st.id = c.p "
                f"WHERE {vrai} GROUP BY c.mois, st.departement_id, c.s, c.dimension, c.valeur",
            )
        )
        curseur.execute(f"DROP TABLE {temporaire}")


# — Reconstruction et vérification depuis les lignes brutes —


def premier_du_mois(jour: date) -> date:
    return jour.replace(day=1)


def calculer_depuis_les_demandes(du: date, au: date) -> tuple[dict, dict]:
    """Agrégats recalculés depuis les demandes non annulées des mois [du, au] : ({clé: (n, d)}, idem département)."""
    du, au = premier_du_mois(du), premier_du_mois(au)
    demandes = Demande.objects.filter(mois__gte=du, mois__lte=au, annulee_le__isnull=True)
    structures: dict[Cle, list[int]] = {}
    departements: dict[Cle, list[int]] = defaultdict(lambda: [0, 0])
    for dimension, expression in _expressions().items():
        lignes = (
            demandes.annotate(
                v=expression,
                synth=Case(
                    When(origine=Origine.SYNTHETIQUE, then=Value(True)),
                    default=Value(False),
                ),
            )
            .values("mois", "structure_id", "structure__departement_id", "synth", "v")
            .annotate(n=Count("id"), d=Sum("duree"))
            .order_by()
        )
        for ligne in lignes.iterator(chunk_size=10_000):
            valeur = ligne["v"] or ""
            cle = (ligne["mois"], ligne["structure_id"], ligne["synth"], str(dimension), valeur)
            structures[cle] = [ligne["n"], ligne["d"] or 0]
            cle_dep = (
                ligne["mois"],
                ligne["structure__departement_id"],
                ligne["synth"],
                str(dimension),
                valeur,
            )
            departements[cle_dep][0] += ligne["n"]
            departements[cle_dep][1] += ligne["d"] or 0
    return (
        {cle: tuple(v) for cle, v in structures.items()},
        {cle: tuple(v) for cle, v in departements.items()},
    )


def _lus(modele, porteur: str, du: date, au: date) -> dict:
    lignes = modele.objects.filter(mois__gte=premier_du_mois(du), mois__lte=premier_du_mois(au)).values_list(
        "mois", porteur, "synthetique", "dimension", "valeur", "nombre", "duree"
    )
    return {
        (mois, p, synth, dim, val): (n, d)
        for mois, p, synth, dim, val, n, d in lignes.iterator(chunk_size=10_000)
        if n or d
    }


@dataclass
class Ecart:
    niveau: str  # "structure" ou "departement"
    cle: Cle
    attendu: tuple[int, int]  # depuis les demandes
    trouve: tuple[int, int]  # dans les agrégats

    def __str__(self):
        mois, porteur, synth, dim, val = self.cle
        return (
            f"{self.niveau} {porteur} {mois:%Y-%m}{' (synthétique)' if synth else ''} {dim}={val or '∅'} : "
            f"attendu {self.attendu[0]} demandes / {self.attendu[1]} min, trouvé {self.trouve[0]} / {self.trouve[1]}"
        )


def _comparer(niveau, attendu: dict, trouve: dict) -> list[Ecart]:
    ecarts = []
    for cle in sorted(attendu.keys() | trouve.keys(), key=str):
        a, t = attendu.get(cle, (0, 0)), trouve.get(cle, (0, 0))
        if a != t:
            ecarts.append(Ecart(niveau, cle, a, t))
    return ecarts


def reconcilier(du: date, au: date) -> list[Ecart]:
    """Compare les agrégats des mois [du, au] aux lignes brutes ; liste vide = aucun écart."""
    structures, departements = calculer_depuis_les_demandes(du, au)
    return _comparer("structure", structures, _lus(Agregat, "structure_id", du, au)) + _comparer(
        "departement", departements, _lus(AgregatDepartement, "departement_id", du, au)
    )


@transaction.atomic
def reconstruire(du: date, au: date) -> int:
    """Réécrit les agrégats des mois [du, au] depuis les lignes brutes ; renvoie le nombre de lignes écrites."""
    du, au = premier_du_mois(du), premier_du_mois(au)
    Agregat.objects.filter(mois__gte=du, mois__lte=au).delete()
    AgregatDepartement.objects.filter(mois__gte=du, mois__lte=au).delete()
    ajouter_en_masse(Demande.objects.filter(mois__gte=du, mois__lte=au))
    return sum(
        modele.objects.filter(mois__gte=du, mois__lte=au).count() for modele in (Agregat, AgregatDepartement)
    )
