"""Exports CSV : cellules sûres dans un tableur et écriture en flux (StreamingHttpResponse)."""


def neutraliser(valeur) -> str:
    """Neutralise les formules dans un tableur (=, +, -, @ en tête de cellule)."""
    valeur = "" if valeur is None else str(valeur)
    return "'" + valeur if valeur[:1] in ("=", "+", "-", "@", "\t", "\r") else valeur


class Echo:
    """Pseudo-fichier pour `csv.writer` : `writerow` renvoie la ligne au lieu de l'écrire (export en flux)."""

    def write(self, valeur):
        return valeur
