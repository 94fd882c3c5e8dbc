"""Recherche de communes par nom, code postal ou code INSEE : exacte, puis préfixe, puis approchée.

Index en mémoire (37 590 communes), construit une fois par processus : la recherche ne dépend pas du
moteur de base de données (même résultat sur SQLite et PostgreSQL) et répond en quelques millisecondes.
"""

import bisect
import re
import threading
import time as horloge
from dataclasses import dataclass

from django.db.models import Count, Max
from rapidfuzz import fuzz, process

from franceservices.core.texte import normaliser

from .models import Commune, TypeCommune, selon_ordre_de_resolution

SEUIL_APPROCHE = 78  # score rapidfuzz (0-100) minimal pour une correspondance approchée


@dataclass(frozen=True)
class Entree:
    pk: int
    nom_normalise: str
    code_insee: str
    codes_postaux: tuple[str, ...]
    population: int
    type: str
    nom: str = ""
    position: tuple[float, float] | None = None  # la sienne, ou celle de la commune parente

    @property
    def actuelle(self) -> bool:
        return self.type == TypeCommune.ACTUELLE


class IndexCommunes:
    def __init__(self, entrees: list[Entree]):
        self.entrees = entrees
        self.par_nom = sorted(entrees, key=lambda e: e.nom_normalise)
        self.noms = [e.nom_normalise for e in self.par_nom]
        self.par_code: dict[str, list[Entree]] = {}
        for e in entrees:
            self.par_code.setdefault(e.code_insee, []).append(e)
            for cp in e.codes_postaux:
                self.par_code.setdefault(cp, []).append(e)
        self.codes = sorted(self.par_code)

    @staticmethod
    def _rang(e: Entree):
        return (-e.population, not e.actuelle, e.nom_normalise, e.pk)

    def chercher(self, q: str, limite: int = 10) -> list[int]:
        """Les pk des communes correspondantes, les meilleures d'abord."""
        q = (q or "").strip()
        if not q or limite <= 0:
            return []
        if re.fullmatch(r"\d[\dabAB]{1,4}", q):
            return self._par_code(q.upper(), limite)
        n = normaliser(q)
        if not n:
            return []
        resultats: list[Entree] = []
        vus: set[int] = set()

        def ajouter(liste):
            for e in liste:
                if e.pk not in vus:
                    vus.add(e.pk)
                    resultats.append(e)

        debut = bisect.bisect_left(self.noms, n)
        fin = bisect.bisect_right(self.noms, n)
        ajouter(sorted(self.par_nom[debut:fin], key=self._rang))
        prefixes = []
        i = fin
        while i < len(self.noms) and self.noms[i].startswith(n):
            prefixes.append(self.par_nom[i])
            i += 1
        ajouter(sorted(prefixes, key=self._rang))
        if len(resultats) < limite and len(n) >= 3:
            approches = process.extract(
                n, self.noms, scorer=fuzz.ratio, score_cutoff=SEUIL_APPROCHE, limit=limite * 4
            )
            candidats = [(score, self.par_nom[index]) for _, score, index in approches]
            candidats.sort(key=lambda sc: (-round(sc[0]), *self._rang(sc[1])))
            ajouter(e for _, e in candidats)
        return [e.pk for e in resultats[:limite]]

    def commune_de_code(self, code_insee: str) -> Entree | None:
        """Comme `Commune.objects.par_code` (actuelle, puis arrondissement, déléguée, associée), sans requête."""
        return selon_ordre_de_resolution(
            {e.type: e for e in self.par_code.get(code_insee, []) if e.code_insee == code_insee}
        )

    def _par_code(self, q: str, limite: int) -> list[int]:
        if len(q) == 5:
            exacts = self.par_code.get(q, [])
            # code INSEE exact d'abord, puis codes postaux
            exacts = sorted(exacts, key=lambda e: (e.code_insee != q, *self._rang(e)))
            return list(dict.fromkeys(e.pk for e in exacts))[:limite]
        debut = bisect.bisect_left(self.codes, q)
        trouvees: dict[int, Entree] = {}
        for code in self.codes[debut:]:
            if not code.startswith(q):
                break
            for e in self.par_code[code]:
                trouvees[e.pk] = e
        return [e.pk for e in sorted(trouvees.values(), key=self._rang)][:limite]


_verrou = threading.Lock()
_index: dict = {"valeur": None, "version": None, "verifie_a": 0.0}
DELAI_VERIFICATION_S = 60.0


def _version():
    return tuple(Commune.objects.aggregate(n=Count("pk"), m=Max("pk")).values())


def index_communes() -> IndexCommunes:
    """L'index du processus ; reconstruit si le référentiel a changé (vérifié au plus toutes les 60 s)."""
    with _verrou:
        maintenant = horloge.monotonic()
        if _index["valeur"] is not None and maintenant - _index["verifie_a"] > DELAI_VERIFICATION_S:
            if _version() != _index["version"]:
                _index["valeur"] = None
            _index["verifie_a"] = maintenant
        if _index["valeur"] is None:
            _index["version"], _index["verifie_a"] = _version(), maintenant
            lignes = list(
                Commune.objects.values_list(
                    "pk", "nom_normalise", "code_insee", "codes_postaux", "population", "type",
                    "nom", "latitude", "longitude", "commune_parente_id",
                ).iterator(chunk_size=5000)
            )  # fmt: skip
            positions = {
                ligne[0]: (ligne[7], ligne[8])
                for ligne in lignes
                if ligne[7] is not None and ligne[8] is not None
            }
            entrees = [
                Entree(
                    pk, nom_n, code, tuple(cps.split()), pop or 0, type_, nom,
                    positions.get(pk) or positions.get(parente),
                )
                for pk, nom_n, code, cps, pop, type_, nom, _, _, parente in lignes
            ]  # fmt: skip
            _index["valeur"] = IndexCommunes(entrees)
        return _index["valeur"]


def invalider_index() -> None:
    with _verrou:
        _index["valeur"] = None


def chercher_communes(q: str, limite: int = 10) -> list[Commune]:
    pks = index_communes().chercher(q, limite)
    communes = Commune.objects.select_related("departement", "commune_parente").in_bulk(pks)
    return [communes[pk] for pk in pks if pk in communes]
