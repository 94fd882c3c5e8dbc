"""Normalisation de texte pour la recherche (insensible à la casse, aux accents et à la ponctuation)."""

import re
import unicodedata

_SEPARATEURS = re.compile(r"[\s\-‐‑‒–—'’`´.,;/()]+")
_ABREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normaliser(texte: str) -> str:
    """« Sainte-Marie-aux-Mines » → « sainte marie aux mines » ; « St-Étienne » → « saint etienne »."""
    texte = unicodedata.normalize("NFKD", texte or "")
    texte = "".join(c for c in texte if not unicodedata.combining(c)).lower()
    texte = texte.replace("œ", "oe").replace("æ", "ae")
    mots = [m for m in _SEPARATEURS.split(texte) if m]
    return " ".join(_ABREVIATIONS.get(m, m) for m in mots)
