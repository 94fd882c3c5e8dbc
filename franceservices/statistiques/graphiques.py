"""Graphiques SVG rendus côté serveur (sans JavaScript), pour la page et pour le PDF.

Chaque graphique est un `<svg role="img">` avec `<title>` et `<desc>` (reliés par `aria-labelledby`) ; la
page place à côté le tableau des données. Couleurs : des couleurs du DSFR assez foncées pour un contraste
d'au moins 3:1 sur fond blanc (aussi lisibles imprimées) ; les courbes se distinguent aussi par leurs
pointillés et leurs marqueurs, les barres par l'ordre de la légende (jamais par la seule couleur).
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Couleurs DSFR (variantes « sun » / 425) : bleu France, rouge Marianne, vert succès, orange avertissement,
# glycine, cumulus, menthe, café crème ; gris pour « autres » et « non renseigné ».
PALETTE = (
    "#000091",
    "#C9191E",
    "#18753C",
    "#B34000",
    "#6E445A",
    "#3558A2",
    "#006A6F",
    "#685C48",
    "#A94645",
    "#4B5D2F",
)
GRIS = "#666666"
POINTILLES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "4 4")
LARGEUR = 720
POLICE = 'font-family="Marianne, DejaVu Sans, Arial, sans-serif"'


def couleur(i: int, libelle: str = "") -> str:
    if libelle.startswith(("Autres", "Non renseign", "Démarche non renseignée", "Partenaire local")):
        return GRIS
    return PALETTE[i % len(PALETTE)]


def _nombre(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _entete(ident: str, titre: str, description: str, hauteur: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fs-graphique" role="img" '
        f'aria-labelledby="{ident}-titre {ident}-desc" viewBox="0 0 {LARGEUR} {hauteur}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" {POLICE} font-size="12">'
        f'<title id="{ident}-titre">{escape(titre)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
        f'<rect x="0" y="0" width="{LARGEUR}" height="{hauteur}" fill="#ffffff"/>'
    )


def _legende(series_libelles: list[str], y0: float, *, traits: bool) -> tuple[str, float]:
    """Légende sur plusieurs colonnes sous le graphique ; renvoie (svg, hauteur utilisée)."""
    colonnes = 3
    largeur_col = (LARGEUR - 40) / colonnes
    parties = []
    for i, libelle in enumerate(series_libelles):
        x = 20 + (i % colonnes) * largeur_col
        y = y0 + (i // colonnes) * 20
        c = couleur(i, libelle)
        if traits:
            tiret = POINTILLES[i % len(POINTILLES)]
            dash = f' stroke-dasharray="{tiret}"' if tiret else ""
            parties.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 24:.1f}" y2="{y - 4:.1f}" stroke="{c}" '
                f'stroke-width="2.5"{dash}/>{_marqueur(i, x + 12, y - 4, c)}'
            )
        else:
            parties.append(f'<rect x="{x:.1f}" y="{y - 12:.1f}" width="14" height="14" fill="{c}"/>')
        texte = libelle if len(libelle) <= 34 else libelle[:33] + "…"
        parties.append(f'<text x="{x + 30:.1f}" y="{y:.1f}" fill="#161616">{escape(texte)}</text>')
    lignes = (len(series_libelles) + colonnes - 1) // colonnes
    return "".join(parties), lignes * 20


def _marqueur(i: int, x: float, y: float, c: str) -> str:
    forme = i % 3
    if forme == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"/>'
    if forme == 1:
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{c}"/>'
    return f'<path d="M{x:.1f},{y - 4:.1f} L{x + 4:.1f},{y + 3:.1f} L{x - 4:.1f},{y + 3:.1f} Z" fill="{c}"/>'


def _axe_parts(x0: float, x1: float, y_haut: float, y_bas: float, maximum: float) -> str:
    parties = []
    for k in range(5):
        v = maximum * k / 4
        y = y_bas - (y_bas - y_haut) * k / 4
        parties.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#3a3a3a">{_nombre(v)} %</text>'
        )
    return "".join(parties)


def _maximum(valeurs: list[float | None]) -> float:
    """Borne haute de l'axe des parts : 100, ou un palier plus bas si toutes les parts sont petites."""
    haut = max([v for v in valeurs if v is not None] + [0])
    for palier in (10, 20, 40, 60, 80, 100):
        if haut <= palier:
            return palier
    return 100


def courbes(
    ident: str,
    titre: str,
    description: str,
    abscisses: list[str],
    series: list[tuple[str, list[float | None]]],
) -> SafeString:
    """Courbes de parts (%) par mois ; un mois sans donnée (None) interrompt la courbe."""
    x0, x1, y_haut, y_bas = 60, LARGEUR - 36, 16, 216
    legende, h_legende = _legende([s[0] for s in series], y_bas + 50, traits=True)
    hauteur = int(y_bas + 50 + h_legende + 6)
    maximum = _maximum([v for _, valeurs in series for v in valeurs])
    pas = (x1 - x0) / max(len(abscisses) - 1, 1)
    parties = [_entete(ident, titre, description, hauteur), _axe_parts(x0, x1, y_haut, y_bas, maximum)]
    for i, libelle in enumerate(abscisses):
        parties.append(
            f'<text x="{x0 + i * pas:.1f}" y="{y_bas + 18}" text-anchor="middle" fill="#3a3a3a">{escape(libelle)}</text>'
        )
    for i, (_, valeurs) in enumerate(series):
        c = couleur(i, series[i][0])
        tiret = POINTILLES[i % len(POINTILLES)]
        dash = f' stroke-dasharray="{tiret}"' if tiret else ""
        morceau: list[str] = []
        points = []
        for j, v in enumerate([*valeurs, None]):
            if v is None:
                if len(morceau) > 1:
                    parties.append(
                        f'<polyline points="{" ".join(morceau)}" fill="none" stroke="{c}" stroke-width="2.5"{dash}/>'
                    )
                morceau = []
                continue
            x, y = x0 + j * pas, y_bas - (y_bas - y_haut) * min(v, maximum) / maximum
            morceau.append(f"{x:.1f},{y:.1f}")
            points.append(_marqueur(i, x, y, c))
        parties.extend(points)
    parties.append(f'<line x1="{x0}" y1="{y_bas}" x2="{x1}" y2="{y_bas}" stroke="#3a3a3a" stroke-width="1"/>')
    parties.append(legende)
    parties.append("</svg>")
    return mark_safe("".join(parties))


def barres_empilees(
    ident: str,
    titre: str,
    description: str,
    abscisses: list[str],
    series: list[tuple[str, list[float | None]]],
) -> SafeString:
    """Barres empilées à 100 % par mois (parts de chaque série) ; un mois sans donnée : « aucune donnée »."""
    x0, x1, y_haut, y_bas = 60, LARGEUR - 20, 16, 216
    legende, h_legende = _legende([s[0] for s in series], y_bas + 50, traits=False)
    hauteur = int(y_bas + 50 + h_legende + 6)
    n = max(len(abscisses), 1)
    largeur_case = (x1 - x0) / n
    barre = largeur_case * 0.7
    parties = [_entete(ident, titre, description, hauteur), _axe_parts(x0, x1, y_haut, y_bas, 100)]
    for j, libelle in enumerate(abscisses):
        cx = x0 + largeur_case * (j + 0.5)
        parties.append(
            f'<text x="{cx:.1f}" y="{y_bas + 18}" text-anchor="middle" fill="#3a3a3a">{escape(libelle)}</text>'
        )
        valeurs = [valeurs[j] for _, valeurs in series]
        if all(v is None for v in valeurs):
            parties.append(
                f'<text x="{cx:.1f}" y="{y_bas - 6}" text-anchor="middle" fill="#3a3a3a" font-size="10">'
                "aucune</text>"
            )
            continue
        cumul = 0.0
        for i, v in enumerate(valeurs):
            if not v:
                continue
            haut = (y_bas - y_haut) * v / 100
            y = y_bas - (y_bas - y_haut) * cumul / 100 - haut
            parties.append(
                f'<rect x="{cx - barre / 2:.1f}" y="{y:.1f}" width="{barre:.1f}" height="{haut:.1f}" '
                f'fill="{couleur(i, series[i][0])}" stroke="#ffffff" stroke-width="0.5"/>'
            )
            cumul += v
    parties.append(f'<line x1="{x0}" y1="{y_bas}" x2="{x1}" y2="{y_bas}" stroke="#3a3a3a" stroke-width="1"/>')
    parties.append(legende)
    parties.append("</svg>")
    return mark_safe("".join(parties))


def histogramme(
    ident: str,
    titre: str,
    description: str,
    categories: list[str],
    groupes: list[tuple[str, list[float | None]]],
) -> SafeString:
    """Barres horizontales (une par groupe et par catégorie : ex. tranche d'âge × période), valeurs en %."""
    x0, x1 = 150, LARGEUR - 60
    haut_barre, ecart = 12, 10
    bloc = len(groupes) * haut_barre + ecart
    y0 = 14
    y_fin = y0 + len(categories) * bloc
    legende, h_legende = _legende([g[0] for g in groupes], y_fin + 24, traits=False)
    hauteur = int(y_fin + 24 + h_legende + 6)
    maximum = _maximum([v for _, valeurs in groupes for v in valeurs])
    parties = [_entete(ident, titre, description, hauteur)]
    for k in range(5):
        x = x0 + (x1 - x0) * k / 4
        parties.append(
            f'<line x1="{x:.1f}" y1="{y0 - 4}" x2="{x:.1f}" y2="{y_fin}" stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{y_fin + 14}" text-anchor="middle" fill="#3a3a3a">{_nombre(maximum * k / 4)} %</text>'
        )
    for c, categorie in enumerate(categories):
        y = y0 + c * bloc
        parties.append(
            f'<text x="{x0 - 8}" y="{y + len(groupes) * haut_barre / 2 + 4:.1f}" text-anchor="end" '
            f'fill="#161616">{escape(categorie)}</text>'
        )
        for g, (_, valeurs) in enumerate(groupes):
            v = valeurs[c]
            yb = y + g * haut_barre
            if v is None:
                continue
            largeur = (x1 - x0) * min(v, maximum) / maximum
            parties.append(
                f'<rect x="{x0}" y="{yb:.1f}" width="{largeur:.1f}" height="{haut_barre - 2}" fill="{couleur(g)}"/>'
                f'<text x="{x0 + largeur + 4:.1f}" y="{yb + haut_barre - 3:.1f}" fill="#161616" font-size="10">'
                f"{_nombre(v)} %</text>"
            )
    parties.append(
        f'<line x1="{x0}" y1="{y0 - 4}" x2="{x0}" y2="{y_fin}" stroke="#3a3a3a" stroke-width="1"/>'
    )
    parties.append(legende)
    parties.append("</svg>")
    return mark_safe("".join(parties))
