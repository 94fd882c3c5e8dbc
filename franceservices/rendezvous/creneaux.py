"""Créneaux libres d'une France services pour un type de rendez-vous.

Les plages d'un jour viennent, dans l'ordre :
1. des permanences du partenaire du type (s'il en a dans cette structure) ;
2. sinon des disponibilités saisies (union des plages, tous agents confondus : une seule personne
   reçoit à la fois ; la capacité par agent reste à faire) ;
3. à défaut, des horaires d'ouverture structurés (`HorairesSemaine`, plages « sur rendez-vous » comprises).
On retire les jours fériés de la zone du département, les fermetures, et tout créneau passé ; un créneau
ne dépasse jamais la fin de sa plage et ne chevauche aucun rendez-vous prévu. Les heures sont locales
(fuseau du département : Europe/Paris en métropole, fuseau de chaque DROM/COM).

Les créneaux d'une plage se suivent de « durée » en « durée » depuis le début de la plage ; après un
rendez-vous prévu, la suite repart de sa fin (rien n'est perdu entre deux rendez-vous de durées différentes).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from franceservices.structures.horaires import JOURS

SEMAINES_PAR_DEFAUT = 8

PlagesDuJour = Callable[[date], Iterable[tuple[time, time]]]


@dataclass(frozen=True)
class Contexte:
    """Tout ce qu'il faut pour calculer des créneaux sans toucher à la base."""

    fuseau: ZoneInfo
    duree: timedelta
    plages_du_jour: PlagesDuJour
    jours_exclus: frozenset[date]  # fériés + fermetures
    occupes: tuple[tuple[datetime, datetime], ...]  # rendez-vous prévus (UTC ou aware), triés par début


def fusionner(plages: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    """Union de plages horaires (qui se recouvrent ou se touchent)."""
    resultat: list[tuple[time, time]] = []
    for debut, fin in sorted(p for p in plages if p[1] > p[0]):
        if resultat and debut <= resultat[-1][1]:
            resultat[-1] = (resultat[-1][0], max(resultat[-1][1], fin))
        else:
            resultat.append((debut, fin))
    return resultat


def creneaux_libres(contexte: Contexte, du: date, au: date, maintenant: datetime) -> list[datetime]:
    """Débuts (aware, heure locale) des créneaux libres du `du` au `au` inclus. Fonction pure."""
    occupes = sorted(contexte.occupes)
    debuts_occupes = [d for d, _ in occupes]
    resultat: list[datetime] = []
    jour = du
    while jour <= au:
        if jour not in contexte.jours_exclus:
            for h_debut, h_fin in fusionner(contexte.plages_du_jour(jour)):
                debut = datetime.combine(jour, h_debut, tzinfo=contexte.fuseau)
                fin_plage = datetime.combine(jour, h_fin, tzinfo=contexte.fuseau)
                # premier rendez-vous susceptible de chevaucher : on remonte d'un cran (un rendez-vous
                # commencé avant la plage peut déborder dedans).
                i = max(0, bisect_left(debuts_occupes, debut) - 1)
                t = debut
                while t + contexte.duree <= fin_plage:
                    fin = t + contexte.duree
                    while i < len(occupes) and occupes[i][1] <= t:
                        i += 1
                    if i < len(occupes) and occupes[i][0] < fin:  # chevauchement : on repart de sa fin
                        t = max(t, occupes[i][1].astimezone(contexte.fuseau))
                        continue
                    if t > maintenant:
                        resultat.append(t)
                    t = fin
        jour += timedelta(days=1)
    return resultat


def creneaux_naifs(
    contexte: Contexte, du: date, au: date, maintenant: datetime, pas_minutes=5
) -> list[datetime]:
    """Référence naïve (banc et tests) : chaque pas de 5 minutes est testé contre toutes les contraintes.
    Donne tous les débuts possibles (pas seulement ceux de la grille) : `creneaux_libres` en est un sous-ensemble."""
    resultat = []
    pas = timedelta(minutes=pas_minutes)
    jour = du
    while jour <= au:
        plages = list(contexte.plages_du_jour(jour))
        t = datetime.combine(jour, time(0), tzinfo=contexte.fuseau)
        while t.date() == jour:
            fin = t + contexte.duree
            dans_plage = any(
                datetime.combine(jour, d, tzinfo=contexte.fuseau) <= t
                and fin <= datetime.combine(jour, f, tzinfo=contexte.fuseau)
                for d, f in fusionner(plages)
            )
            if (
                dans_plage
                and jour not in contexte.jours_exclus
                and t > maintenant
                and not any(d < fin and t < f for d, f in contexte.occupes)
            ):
                resultat.append(t)
            t += pas
        jour += timedelta(days=1)
    return resultat


def est_reservable(contexte: Contexte, debut: datetime, maintenant: datetime) -> str | None:
    """None si `debut` est un créneau proposé et libre, sinon la raison (message pour l'usager).

    Un début est proposé s'il figure sur la grille calculée avec les rendez-vous actuels, ou sur la grille
    sans rendez-vous (la grille se décale quand un rendez-vous d'une autre durée est pris entre-temps :
    le créneau vu par l'usager reste valable s'il est toujours libre)."""
    if debut <= maintenant:
        return "Ce créneau est passé : choisissez-en un autre."
    fin = debut + contexte.duree
    if any(d < fin and debut < f for d, f in contexte.occupes):
        return "Ce créneau vient d'être pris : choisissez-en un autre."
    jour = debut.astimezone(contexte.fuseau).date()
    sans_occupes = Contexte(
        contexte.fuseau, contexte.duree, contexte.plages_du_jour, contexte.jours_exclus, ()
    )
    if debut in creneaux_libres(contexte, jour, jour, maintenant) or debut in creneaux_libres(
        sans_occupes, jour, jour, maintenant
    ):
        return None
    return "Ce créneau n'est pas proposé par la France services : choisissez-en un dans la liste."


# --- Lecture en base ------------------------------------------------------------------------------


def contexte_de(structure, type_, du: date, au: date, arret=None) -> Contexte:
    """Charge en 4 à 5 requêtes (hors fériés, en cache par processus) ce qu'il faut pour la période.
    `arret` (France services itinérante) : les plages sont les horaires de cet arrêt, et seulement eux."""
    from franceservices.territoires.feries import est_ferie_pour

    from .models import Disponibilite, Fermeture, Permanence, RendezVous

    code = structure.departement.code
    fuseau = structure.fuseau
    exclus = {du + timedelta(days=n) for n in range((au - du).days + 1)}
    exclus = {j for j in exclus if est_ferie_pour(code, j)}
    for f_du, f_au in Fermeture.objects.filter(structure=structure, du__lte=au, au__gte=du).values_list(
        "du", "au"
    ):
        j = max(f_du, du)
        while j <= min(f_au, au):
            exclus.add(j)
            j += timedelta(days=1)

    plages_du_jour: PlagesDuJour
    permanences = []
    if arret is not None:

        def plages_du_jour(jour):
            return [(arret.heure_debut, arret.heure_fin)] if arret.a_lieu_le(jour) else []

    elif type_.partenaire_id:
        permanences = list(
            Permanence.objects.filter(structure=structure, partenaire_id=type_.partenaire_id)
            .exclude(au__lt=du)
            .exclude(du__gt=au)
        )
    if arret is not None:
        pass
    elif permanences:

        def plages_du_jour(jour):
            return [(p.heure_debut, p.heure_fin) for p in permanences if p.a_lieu_le(jour)]

    else:
        dispos = list(
            Disponibilite.objects.filter(structure=structure)
            .exclude(valable_au__lt=du)
            .exclude(valable_du__gt=au)
        )
        if dispos:
            par_jour: dict[int, list] = {}
            for d in dispos:
                par_jour.setdefault(d.jour_semaine, []).append(d)

            def plages_du_jour(jour):
                return [
                    (d.heure_debut, d.heure_fin)
                    for d in par_jour.get(jour.weekday(), ())
                    if d.valable_le(jour)
                ]

        else:
            semaine = structure.semaine
            par_nom = {i: [(p.debut, p.fin) for p in semaine.jour(nom).plages] for i, nom in enumerate(JOURS)}

            def plages_du_jour(jour):
                return par_nom[jour.weekday()]

    debut_periode = datetime.combine(du, time(0), tzinfo=fuseau)
    fin_periode = datetime.combine(au + timedelta(days=1), time(0), tzinfo=fuseau)
    occupes = tuple(
        RendezVous.objects.prevus()
        .filter(structure=structure, debut__lt=fin_periode, fin__gt=debut_periode)
        .order_by("debut")
        .values_list("debut", "fin")
    )
    return Contexte(fuseau, timedelta(minutes=type_.duree), plages_du_jour, frozenset(exclus), occupes)


def creneaux_structure(
    structure,
    type_,
    *,
    du: date | None = None,
    semaines: int = SEMAINES_PAR_DEFAUT,
    maintenant=None,
    arret=None,
) -> list[datetime]:
    """Créneaux libres de `structure` pour `type_` sur `semaines` semaines à partir de `du` (aujourd'hui) ;
    à l'arrêt `arret` pour une France services itinérante."""
    maintenant = maintenant or timezone.now()
    du = du or maintenant.astimezone(structure.fuseau).date()
    au = du + timedelta(weeks=semaines) - timedelta(days=1)
    return creneaux_libres(contexte_de(structure, type_, du, au, arret), du, au, maintenant)
