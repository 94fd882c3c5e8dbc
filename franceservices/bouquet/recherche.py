"""Recherche plein texte dans les fiches, tolérante aux fautes de frappe.

1. La requête est normalisée (minuscules, sans accents ni ponctuation : « Perte carte d'identité » →
   `perte carte d identite`), coupée en mots (au plus `MOTS_MAX`).
2. Chaque mot absent du vocabulaire des fiches est corrigé contre ce vocabulaire (rapidfuzz) : on garde
   jusqu'à `VARIANTES` mots proches (« conte » → compte, contre…), le classement départage. Le
   vocabulaire est gardé en mémoire par processus et relu quand une fiche change (ici : aussitôt ;
   ailleurs : au plus tard après `VERIFICATION_SECONDES`).
3. PostgreSQL : `vecteur @@ to_tsquery('french', …)` sur l'index GIN (migration 0002), mots en OU,
   classés par `ts_rank` (titre et mots-clés au poids A) + un bonus si tous les mots sont dans le titre
   ou les mots-clés. SQLite : même correction, puis préfixes de mots dans `texte_recherche`, score calculé
   en Python (titre et mots-clés comptent triple).

`chercher(fiches, texte)` part d'un QuerySet déjà restreint (`Fiche.objects.visible_par(user)`) et rend
les identifiants classés : la vue pagine cette liste et ne charge que la page.
"""

import re
import threading
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz, process

from franceservices.core.texte import normaliser

LONGUEUR_MAX = 200  # caractères de la requête
MOTS_MAX = 8
RESULTATS_MAX = 500
VARIANTES = 5
SEUIL_CORRECTION = (
    70  # score rapidfuzz (0-100) minimal pour proposer une correction ("conte" → "compte" : 73)
)
LONGUEUR_MIN_CORRECTION = 4  # « au », « cni » : pas de correction des mots très courts
VERIFICATION_SECONDES = 5.0
BONUS_TETE = 1.0  # ajouté au ts_rank quand tous les mots sont dans le titre ou les mots-clés

# Mots vides (déjà ignorés par la configuration 'french' de PostgreSQL ; ici pour SQLite et la correction).
_VIDES = (
    "a au aux avec ce ces d dans de des du elle en et eux il je l la le les leur lui m ma mais me mes moi \
mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes toi ton tu un une vos \
votre vous y est sont"
)
MOTS_VIDES = frozenset(_VIDES.split(" "))
_MOT = re.compile(r"[a-z0-9]+")


@dataclass
class Resultat:
    ids: list[int] = field(default_factory=list)
    mots: list[str] = field(default_factory=list)  # mots retenus de la requête
    corrections: dict[str, list[str]] = field(default_factory=dict)  # mot tapé → mots du vocabulaire

    @property
    def corrige(self) -> str:
        """La requête telle que comprise (« droit compte »), pour « Résultats pour… »."""
        return " ".join(self.corrections.get(m, [m])[0] for m in self.mots)


def mots_de(texte: str) -> list[str]:
    """Mots utiles d'une requête : normalisés, sans mots vides ni doublons, au plus MOTS_MAX."""
    mots = []
    for mot in _MOT.findall(normaliser((texte or "")[:LONGUEUR_MAX])):
        if mot not in MOTS_VIDES and mot not in mots and len(mot) <= 40:
            mots.append(mot)
    return mots[:MOTS_MAX]


# — Vocabulaire (par processus) —


class _Vocabulaire:
    def __init__(self):
        self.verrou = threading.Lock()
        self.mots: frozenset[str] = frozenset()
        self.liste: list[str] = []
        self.empreinte = None
        self.verifie_a = 0.0

    def invalider(self):
        with self.verrou:
            self.empreinte = None
            self.verifie_a = 0.0

    def courant(self) -> tuple[frozenset[str], list[str]]:
        from .models import Fiche

        with self.verrou:
            maintenant = time.monotonic()
            if self.empreinte is not None and maintenant - self.verifie_a < VERIFICATION_SECONDES:
                return self.mots, self.liste
            etat = Fiche.objects.aggregate(n=Count("pk"), m=Max("modifie_le"))
            empreinte = (etat["n"], etat["m"])
            if empreinte != self.empreinte:
                mots = set()
                for texte in Fiche.objects.values_list("texte_recherche", flat=True).iterator(chunk_size=500):
                    mots.update(m for m in _MOT.findall(texte) if len(m) >= 2 and m not in MOTS_VIDES)
                self.mots = frozenset(mots)
                self.liste = sorted(mots)
                self.empreinte = empreinte
            self.verifie_a = maintenant
            return self.mots, self.liste


_vocabulaire = _Vocabulaire()


def invalider_vocabulaire() -> None:
    """À appeler quand une fiche est créée ou modifiée (voir `actions.enregistrer_fiche`)."""
    _vocabulaire.invalider()


def corriger(mots: list[str]) -> dict[str, list[str]]:
    """Mot absent du vocabulaire → jusqu'à VARIANTES mots proches (les plus proches d'abord)."""
    connus, liste = _vocabulaire.courant()
    corrections = {}
    for mot in mots:
        if mot in connus or len(mot) < LONGUEUR_MIN_CORRECTION or mot.isdigit() or not liste:
            continue
        proches = process.extract(
            mot, liste, scorer=fuzz.ratio, limit=VARIANTES, score_cutoff=SEUIL_CORRECTION
        )
        if proches:
            corrections[mot] = [p[0] for p in proches]
    return corrections


# — Recherche —


def _tsquery(mots: list[str], corrections: dict[str, list[str]], *, tous=False, poids="") -> str:
    """« droit conte » → `droit | (compte | contre)` ; `tous` : `droit & (compte | contre)` ; `poids` :
    seulement les mots de ce poids (« A » : titre et mots-clés). Dernier mot non corrigé : aussi en préfixe
    (frappe en cours)."""
    termes = []
    for i, mot in enumerate(mots):
        variantes = [f"{v}:{poids}" if poids else v for v in (corrections.get(mot) or [mot])]
        if i == len(mots) - 1 and mot not in corrections and len(mot) >= 3:
            variantes = [f"{mot}:*{poids}"]
        termes.append("(" + " | ".join(variantes) + ")" if len(variantes) > 1 else variantes[0])
    return (" & " if tous else " | ").join(termes)


def _postgresql(fiches, mots, corrections) -> list[int]:
    requete = _tsquery(mots, corrections)
    # Bonus : tous les mots (ou une de leurs corrections) dans le titre ou les mots-clés (poids A du vecteur).
    tete = _tsquery(mots, corrections, tous=True, poids="A")
    rang = RawSQL(
        "ts_rank(bouquet_fiche.vecteur, to_tsquery('french', %s))"
        " + CASE WHEN bouquet_fiche.vecteur @@ to_tsquery('french', %s) THEN %s ELSE 0 END",
        (requete, tete, BONUS_TETE),
    )
    return list(
        fiches.extra(where=["bouquet_fiche.vecteur @@ to_tsquery('french', %s)"], params=[requete])
        .annotate(rang=rang)
        .order_by("-rang", "titre", "pk")
        .values_list("pk", flat=True)[:RESULTATS_MAX]
    )


def _sqlite(fiches, mots, corrections) -> list[int]:
    """Repli sans moteur plein texte : préfixes (5 lettres) des mots et de leurs corrections."""
    groupes = []
    for mot in mots:
        groupes.append({v[:5] if len(v) > 5 else v for v in (corrections.get(mot) or [mot])})
    condition = Q()
    for groupe in groupes:
        for prefixe in groupe:
            condition |= (
                Q(texte_recherche__contains=f" {prefixe}")
                | Q(texte_recherche__contains=f"\n{prefixe}")
                | Q(texte_recherche__startswith=prefixe)
            )
    candidats = fiches.filter(condition).values_list("pk", "titre", "texte_recherche")
    prefixes = [tuple(g) for g in groupes]
    scores = []
    for pk, titre, texte in candidats:
        tete, _, corps = texte.partition("\n")
        mots_tete, mots_corps = tete.split(), corps.split()
        score, trouves, tous_en_tete = 0.0, 0, True
        for groupe in prefixes:
            dans_tete = sum(1 for m in mots_tete if m.startswith(groupe))
            dans_corps = sum(1 for m in mots_corps if m.startswith(groupe)) if len(mots_corps) else 0
            trouves += bool(dans_tete or dans_corps)
            tous_en_tete = tous_en_tete and bool(dans_tete)
            score += 3 * min(dans_tete, 3) + 0.5 * min(dans_corps, 5)
        if trouves:
            score += 5 * trouves + (10 if tous_en_tete else 0)
            scores.append((-score, titre, pk))
    scores.sort()
    return [pk for _, _, pk in scores[:RESULTATS_MAX]]


def chercher(fiches, texte: str) -> Resultat:
    """Identifiants des fiches de `fiches` (QuerySet) qui répondent à `texte`, les meilleures d'abord."""
    mots = mots_de(texte)
    if not mots:
        return Resultat()
    corrections = corriger(mots)
    if connection.vendor == "postgresql":
        ids = _postgresql(fiches, mots, corrections)
    else:
        ids = _sqlite(fiches, mots, corrections)
    return Resultat(ids=ids, mots=mots, corrections=corrections)
