"""Outils communs aux imports de données : lecture de fichiers, upsert par clé, bilan."""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone


class FichierInvalide(CommandError):
    """Le fichier ne peut pas être lu : rien n'est importé."""


class TeleversementInvalide(Exception):
    """Un fichier CSV téléversé ne peut pas être lu (vide, encodage, en-tête, trop long) : rien n'est importé."""


def lire_csv_televerse(
    contenu: bytes, nom_fichier: str, obligatoires, attendu, max_lignes: int | None = None
) -> tuple[list[str], list[dict[str, str]]]:
    """(en-tête normalisé, lignes) d'un CSV UTF-8 (BOM admis, séparateur « ; » ou « , » deviné sur la première
    ligne, noms de colonnes sans accents ni majuscules) ; `TeleversementInvalide` avec un message clair sinon."""
    from .texte import normaliser

    if not contenu.strip():
        raise TeleversementInvalide(f"{nom_fichier} est vide.")
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TeleversementInvalide(
            f"{nom_fichier} n'est pas encodé en UTF-8 (octet illisible en position {exc.start}) : "
            "enregistrez-le en « CSV UTF-8 » depuis votre tableur."
        ) from exc
    premiere = texte.split("\n", 1)[0]
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    lecteur = csv.DictReader(io.StringIO(texte), delimiter=separateur)
    entete = [normaliser(c).replace(" ", "_") for c in (lecteur.fieldnames or [])]
    manquantes = [c for c in obligatoires if c not in entete]
    if manquantes:
        raise TeleversementInvalide(
            f"{nom_fichier} : colonne(s) manquante(s) : {', '.join(manquantes)} (en-tête attendu : {attendu})."
        )
    lecteur.fieldnames = entete
    try:
        lignes = list(lecteur)
    except csv.Error as exc:
        raise TeleversementInvalide(f"{nom_fichier} : CSV illisible ({exc}).") from exc
    if not lignes:
        raise TeleversementInvalide(f"{nom_fichier} ne contient aucune ligne de données.")
    if max_lignes is not None and len(lignes) > max_lignes:
        raise TeleversementInvalide(
            f"{nom_fichier} : {len(lignes)} lignes, au plus {max_lignes} par fichier."
        )
    return entete, lignes


def lire_csv(chemin: Path, colonnes_requises: set[str]) -> list[dict[str, str]]:
    try:
        texte = Path(chemin).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise FichierInvalide(f"Fichier introuvable : {chemin}") from exc
    except UnicodeDecodeError as exc:
        raise FichierInvalide(f"{chemin} n'est pas encodé en UTF-8 ({exc.reason}).") from exc
    lecteur = csv.DictReader(io.StringIO(texte))
    manquantes = colonnes_requises - set(lecteur.fieldnames or [])
    if manquantes:
        raise FichierInvalide(f"{chemin} : colonnes manquantes : {', '.join(sorted(manquantes))}.")
    try:
        lignes = list(lecteur)
    except csv.Error as exc:
        raise FichierInvalide(f"{chemin} : CSV illisible ({exc}).") from exc
    for numero, ligne in enumerate(lignes, start=2):
        if None in ligne or any(v is None for v in ligne.values()):
            raise FichierInvalide(
                f"{chemin}, ligne {numero} : nombre de colonnes incorrect (fichier tronqué ?)."
            )
    return lignes


@dataclass
class Bilan:
    """Bilan d'un import : créés / mis à jour / inchangés / rejetés (avec motifs)."""

    nom: str
    compteurs: Counter = field(default_factory=Counter)
    rejets: list[tuple[str, str]] = field(default_factory=list)

    def rejeter(self, ligne: str, motif: str) -> None:
        self.compteurs["rejetés"] += 1
        self.rejets.append((ligne, motif))

    def resume(self) -> str:
        c = self.compteurs
        texte = (
            f"{self.nom} : {c['créés']} créé(s), {c['mis à jour']} mis à jour, "
            f"{c['inchangés']} inchangé(s), {c['rejetés']} rejeté(s)"
        )
        for nom, valeur in c.items():
            if nom not in {"créés", "mis à jour", "inchangés", "rejetés"}:
                texte += f", {valeur} {nom}"
        for ligne, motif in self.rejets[:50]:
            texte += f"\n  - rejet {ligne} : {motif}"
        if len(self.rejets) > 50:
            texte += f"\n  … et {len(self.rejets) - 50} autre(s) rejet(s)"
        return texte


TYPES_SIMPLES = {"CharField", "SlugField", "TextField", "IntegerField", "PositiveIntegerField",
                 "PositiveSmallIntegerField", "FloatField", "ForeignKey", "DateField", "BooleanField"}  # fmt: skip


def _insertion_directe_possible(modele, champs_cle, champs) -> bool:
    """Vrai si toutes les colonnes sont de types simples et qu'aucune n'est remplie automatiquement."""
    for champ in modele._meta.concrete_fields:
        if champ.primary_key:
            continue
        if getattr(champ, "auto_now", False) or getattr(champ, "auto_now_add", False):
            return False
        if champ.attname in (*champs_cle, *champs) and champ.get_internal_type() not in TYPES_SIMPLES:
            return False
        if champ.attname not in (*champs_cle, *champs) and not (champ.null or champ.has_default()):
            return False
    return True


def _inserer_directement(modele, attributs: list[str], lignes: list[tuple], n: int, lot: int = 5000) -> None:
    """INSERT en masse par `executemany` : pour 37 590 communes, la préparation ligne à ligne de
    `bulk_create` coûtait plusieurs secondes. Réservé aux types simples (cf. `_insertion_directe_possible`)."""
    if not lignes:
        return
    meta = modele._meta
    champs = [
        meta.get_field(a.removesuffix("_id")) if a.endswith("_id") else meta.get_field(a) for a in attributs
    ]
    # Colonnes omises : valeur par défaut du modèle (ou NULL).
    omis = [c for c in meta.concrete_fields if not c.primary_key and c not in champs]
    colonnes = ", ".join(connection.ops.quote_name(c.column) for c in [*champs, *omis])
    marques = ", ".join(["%s"] * (len(champs) + len(omis)))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({colonnes}) VALUES ({marques})"
    defauts = [c.get_default() if c.has_default() else None for c in omis]
    noms = attributs[n:]
    parametres = [
        [*((cle,) if n == 1 else cle), *(valeurs.get(nom) for nom in noms), *defauts]
        for cle, valeurs in lignes
    ]
    with connection.cursor() as curseur:
        for debut in range(0, len(parametres), lot):
            curseur.executemany(sql, parametres[debut : debut + lot])


def synchroniser(
    modele, cle: str | tuple[str, ...], valeurs_par_cle: dict, bilan: Bilan, lot: int = 2000
) -> dict:
    """Upsert en masse : crée, met à jour ou laisse inchangé chaque objet selon `valeurs_par_cle`.

    `cle` désigne le(s) champ(s) naturel(s) ; renvoie {clé: pk}. Comparaison champ à champ pour ne
    réécrire que ce qui a changé (idempotence : un second import ne modifie rien).
    """
    champs_cle = (cle,) if isinstance(cle, str) else cle
    champs = sorted({c for valeurs in valeurs_par_cle.values() for c in valeurs})
    # Champs « auto_now » (modifie_le) : bulk_create les renseigne, une mise à jour doit le faire elle-même
    # (l'index de proximité des autres processus se recharge quand max(modifie_le) change).
    horodates = [f.attname for f in modele._meta.concrete_fields if getattr(f, "auto_now", False)]
    # Lecture de l'existant en tuples (values_list) : 3 à 4 fois plus rapide que des instances.
    n = len(champs_cle)
    existants: dict = {}
    pks: dict = {}
    for ligne in modele.objects.values_list("pk", *champs_cle, *champs).iterator(chunk_size=5000):
        k = ligne[1] if n == 1 else tuple(ligne[1 : 1 + n])
        pks[k] = ligne[0]
        existants[k] = dict(zip(champs, ligne[1 + n :], strict=True))
    a_creer, a_modifier = [], []
    for k, valeurs in valeurs_par_cle.items():
        actuel = existants.get(k)
        if actuel is None:
            a_creer.append(k)
            continue
        modifies = {c: v for c, v in valeurs.items() if actuel[c] != v}
        if modifies:
            a_modifier.append((pks[k], modifies))
        else:
            bilan.compteurs["inchangés"] += 1
    crees = {}
    if _insertion_directe_possible(modele, champs_cle, champs):
        _inserer_directement(modele, [*champs_cle, *champs], [(k, valeurs_par_cle[k]) for k in a_creer], n)
    else:
        for k in a_creer:
            crees[k] = modele(
                **dict(zip(champs_cle, (k,) if n == 1 else k, strict=True)), **valeurs_par_cle[k]
            )
        modele.objects.bulk_create(list(crees.values()), batch_size=lot)
    # Une requête UPDATE par objet, limitée aux champs modifiés : bulk_update construit un « CASE WHEN »
    # par champ et par objet, dont le coût croît comme le carré du lot (908 lieux du GeoJSON 2020
    # réimportés : 35 s avec bulk_update, moins d'une seconde ainsi).
    maintenant = timezone.now()
    for pk, modifies in a_modifier:
        modele.objects.filter(pk=pk).update(**modifies, **dict.fromkeys(horodates, maintenant))
    bilan.compteurs["créés"] += len(a_creer)
    bilan.compteurs["mis à jour"] += len(a_modifier)
    if len(crees) == len(a_creer) and all(o.pk is not None for o in crees.values()):
        # bulk_create renseigne les pk (PostgreSQL, SQLite ≥ 3.35) : pas besoin de relire la table
        return {**pks, **{k: objet.pk for k, objet in crees.items()}}
    resultat = {}
    for ligne in modele.objects.values_list("pk", *champs_cle).iterator(chunk_size=5000):
        resultat[ligne[1] if n == 1 else tuple(ligne[1:])] = ligne[0]
    return resultat
