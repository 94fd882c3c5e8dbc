"""Chiffres des orientations par territoire, sans donnée personnelle : volumes par sens et par état, part
acceptée (parmi les orientations répondues : acceptées, créneau proposé, puis honorées ou sans suite, contre
déclinées), délai de réponse médian et 90e centile (en heures).

Deux requêtes groupées quelle que soit la taille (comptes par groupe ; histogramme des délais), et une
référence naïve (`statistiques_naives`, tout en Python) pour le banc et les tests.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from franceservices.core.centiles import centile_90, mediane

from .models import Etat, Orientation, Sens

# Portée → (chemin du groupe, chemin du libellé).
GROUPES = {
    "region": ("departement__region_id", "departement__region__nom"),
    "departement": ("departement_id", "departement__nom"),
    "structure": ("structure_id", "structure__nom"),
    "lieu": ("lieu_id", "lieu__nom"),
}


@dataclass
class Ligne:
    cle: int
    libelle: str
    total: int = 0
    par_sens: dict = field(default_factory=dict)
    par_etat: dict = field(default_factory=dict)
    repondues: int = 0
    acceptees: int = 0
    delais: dict = field(default_factory=dict)  # histogramme {heures: effectif}

    @property
    def part_acceptee(self) -> float | None:
        return round(100 * self.acceptees / self.repondues, 1) if self.repondues else None

    @property
    def delai_median(self) -> float | None:
        return mediane(self.delais)

    @property
    def delai_90(self) -> int | None:
        return centile_90(self.delais)

    @property
    def colonnes(self) -> dict:
        """Tous les sens et états, à 0 quand il n'y en a pas (pour l'affichage)."""
        return {**dict.fromkeys(Sens.values + Etat.values, 0), **self.par_sens, **self.par_etat}

    @property
    def en_accord(self) -> int:
        """Acceptées ou avec un créneau proposé (en attente de l'issue)."""
        return self.par_etat.get(Etat.ACCEPTEE, 0) + self.par_etat.get(Etat.CRENEAU, 0)

    def resume(self) -> tuple:
        """Ce qui se compare entre la version SQL et la référence naïve."""
        return (
            self.cle,
            self.total,
            tuple(sorted(self.par_sens.items())),
            tuple(sorted(self.par_etat.items())),
            self.repondues,
            self.acceptees,
            self.delai_median,
            self.delai_90,
        )


def _total(lignes: list[Ligne]) -> Ligne:
    total = Ligne(cle=0, libelle="Total")
    for ligne in lignes:
        total.total += ligne.total
        total.repondues += ligne.repondues
        total.acceptees += ligne.acceptees
        for dico, source in ((total.par_sens, ligne.par_sens), (total.par_etat, ligne.par_etat)):
            for k, v in source.items():
                dico[k] = dico.get(k, 0) + v
        for k, v in ligne.delais.items():
            total.delais[k] = total.delais.get(k, 0) + v
    return total


def statistiques(orientations, portee: str) -> tuple[list[Ligne], Ligne]:
    """Lignes par groupe (`portee` : region, departement, structure, lieu) et total, pour le queryset donné."""
    cle, libelle = GROUPES[portee]
    repondue = Q(repondue_le__isnull=False)
    comptes = {
        "total": Count("pk"),
        "repondues": Count("pk", filter=repondue),
        "acceptees": Count("pk", filter=repondue & ~Q(etat=Etat.DECLINEE)),
        **{f"sens_{s}": Count("pk", filter=Q(sens=s)) for s in Sens.values},
        **{f"etat_{e}": Count("pk", filter=Q(etat=e)) for e in Etat.values},
    }
    lignes = {}
    for r in orientations.order_by().values(cle, libelle).annotate(**comptes):
        ligne = Ligne(cle=r[cle], libelle=r[libelle], total=r["total"])
        ligne.repondues, ligne.acceptees = r["repondues"], r["acceptees"]
        ligne.par_sens = {s: r[f"sens_{s}"] for s in Sens.values if r[f"sens_{s}"]}
        ligne.par_etat = {e: r[f"etat_{e}"] for e in Etat.values if r[f"etat_{e}"]}
        lignes[ligne.cle] = ligne
    histogramme = (
        orientations.order_by()
        .filter(delai_reponse_heures__isnull=False)
        .values(cle, "delai_reponse_heures")
        .annotate(n=Count("pk"))
    )
    for r in histogramme:
        if r[cle] in lignes:
            lignes[r[cle]].delais[r["delai_reponse_heures"]] = r["n"]
    resultat = sorted(lignes.values(), key=lambda ligne: (ligne.libelle or "", ligne.cle or 0))
    return resultat, _total(resultat)


def statistiques_naives(orientations, portee: str) -> tuple[list[Ligne], Ligne]:
    """Référence : chaque orientation lue et comptée en Python."""
    cle, libelle = GROUPES[portee]
    lignes: dict = {}
    champs = [cle, libelle, "sens", "etat", "repondue_le", "delai_reponse_heures"]
    for r in orientations.order_by().values(*champs).iterator(chunk_size=5000):
        ligne = lignes.get(r[cle]) or lignes.setdefault(r[cle], Ligne(cle=r[cle], libelle=r[libelle]))
        ligne.total += 1
        ligne.par_sens[r["sens"]] = ligne.par_sens.get(r["sens"], 0) + 1
        ligne.par_etat[r["etat"]] = ligne.par_etat.get(r["etat"], 0) + 1
        if r["repondue_le"] is not None:
            ligne.repondues += 1
            ligne.acceptees += r["etat"] != Etat.DECLINEE
        if r["delai_reponse_heures"] is not None:
            d = ligne.delais
            d[r["delai_reponse_heures"]] = d.get(r["delai_reponse_heures"], 0) + 1
    resultat = sorted(lignes.values(), key=lambda ligne: (ligne.libelle or "", ligne.cle or 0))
    return resultat, _total(resultat)


def portee_de(perimetre, region=None) -> tuple[object, str, str] | None:
    """(queryset borné, portée du regroupement, phrase) pour la personne ; None si elle ne voit aucun chiffre.
    National : par région, ou par département d'une région. Animateurs, préfectures : leurs départements.
    France services et lieux de médiation : les leurs."""
    tout = Orientation.objects.all()
    if perimetre.national:
        if region is not None:
            return (
                tout.filter(departement__region=region),
                "departement",
                f"région {region.nom}, par département",
            )
        return tout, "region", "ensemble du réseau, par région"
    if perimetre.departements_pilotes:
        return (
            tout.filter(departement_id__in=perimetre.departements_pilotes),
            "departement",
            "vos départements",
        )
    if perimetre.structures:
        return tout.filter(structure_id__in=perimetre.structures), "structure", "vos France services"
    if perimetre.lieux_mediation:
        return tout.filter(lieu_id__in=perimetre.lieux_mediation), "lieu", "vos lieux de médiation"
    return None
