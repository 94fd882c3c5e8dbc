"""Pages des statistiques : tableau de bord (connecté, limité au périmètre) et données ouvertes (publiques).

Les vues lisent seulement ; seul le journal d'audit est écrit, à chaque export."""

import csv
import io

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.exports import Echo, neutraliser
from franceservices.core.models import Evenement

from . import ouvertes
from .lecture import (
    PREREGLAGES,
    Periode,
    PeriodeInvalide,
    Tableau,
    portee_demandee,
    portees_de,
    tableau_de_bord,
)

PREREGLAGE_PAR_DEFAUT = "annee"
STRUCTURES_DANS_LE_SELECTEUR = 300  # au-delà (équipe nationale), on passe par le tableau d'un département
FORMATS = ("csv", "xlsx")
LARGEUR, HAUTEUR, MARGE = 600, 180, 24  # courbe de tendance (unités SVG)


def _portee(request, portees):
    choix = request.GET.get("portee", "")
    if choix:
        morceaux = [*choix.split(":"), "", ""][:3]
        return portee_demandee(
            request.user, morceaux[0], morceaux[1] or None, morceaux[2] or None, portees=portees
        )
    return portee_demandee(
        request.user,
        request.GET.get("niveau"),
        request.GET.get("id"),
        request.GET.get("partenaire"),
        portees=portees,
    )


def _periode(request, aujourdhui) -> tuple[Periode, str, str | None]:
    """(période, préréglage choisi ou « libre », message d'erreur éventuel)."""
    du, au = request.GET.get("du", ""), request.GET.get("au", "")
    prereglage = request.GET.get("periode", "")
    if prereglage in PREREGLAGES:
        periode = PREREGLAGES[prereglage][1](aujourdhui)
        # Mois modifiés à la main sans changer le préréglage : les mois choisis l'emportent.
        if not (du and au) or (du, au) == (f"{periode.du:%Y-%m}", f"{periode.au:%Y-%m}"):
            return periode, prereglage, None
    if du or au:
        try:
            return Periode.depuis_textes(du, au, aujourdhui), "libre", None
        except PeriodeInvalide as erreur:
            defaut = PREREGLAGES[PREREGLAGE_PAR_DEFAUT][1](aujourdhui)
            return defaut, PREREGLAGE_PAR_DEFAUT, f"{erreur} La période par défaut est affichée."
    return PREREGLAGES[PREREGLAGE_PAR_DEFAUT][1](aujourdhui), PREREGLAGE_PAR_DEFAUT, None


def _valeur_portee(p) -> str:
    return f"{p.niveau}:{p.id or ''}:{p.partenaire or ''}"


def _selecteur(portees, actuelle) -> list[dict]:
    """Groupes d'options (optgroup) du sélecteur de portée."""
    groupes = {
        "national": "France entière",
        "region": "Régions",
        "departement": "Départements",
        "structure": "France services",
    }
    if actuelle not in portees:  # France services vue par l'équipe nationale (absente du sélecteur)
        portees = [*portees, actuelle]
    resultat = []
    for niveau, titre in groupes.items():
        options = [p for p in portees if p.niveau == niveau]
        if niveau == "structure" and len(options) > STRUCTURES_DANS_LE_SELECTEUR:
            options = [p for p in options if p == actuelle]
        if options:
            resultat.append(
                {
                    "titre": titre,
                    "options": [
                        {"valeur": _valeur_portee(p), "libelle": p.libelle, "choisie": p == actuelle}
                        for p in options
                    ],
                }
            )
    return resultat


SOUS_NIVEAU = {"departement": "structure", "region": "departement", "national": "region"}


def _barres(tableau: Tableau, portee, suffixe: str) -> list[dict]:
    """Lignes du tableau avec la largeur de leur barre ; pour la répartition, le lien vers le tableau de bord
    de chaque France services, département ou région (404 s'il sort du périmètre, comme partout)."""
    maximum = tableau.maximum
    sous = SOUS_NIVEAU.get(portee.niveau) if tableau.nom == "repartition" and not portee.partenaire else None
    base = reverse("statistiques:tableau_de_bord")
    return [
        {
            "ligne": li,
            "largeur": round(li.nombre * 100 / maximum, 1) if maximum else 0,
            "lien": f"{base}?{urlencode({'niveau': sous, 'id': li.cle})}&{suffixe}" if sous else "",
        }
        for li in tableau.lignes
    ]


def _courbe(tableau: Tableau) -> dict:
    """Points SVG des deux courbes (période et période précédente)."""
    lignes = tableau.lignes
    maximum = max([li.nombre for li in lignes] + [li.precedent for li in lignes] + [1])
    pas = (LARGEUR - 2 * MARGE) / max(len(lignes) - 1, 1)

    def points(valeurs):
        return " ".join(
            f"{MARGE + i * pas:.1f},{HAUTEUR - MARGE - v * (HAUTEUR - 2 * MARGE) / maximum:.1f}"
            for i, v in enumerate(valeurs)
        )

    return {
        "courant": points([li.nombre for li in lignes]),
        "precedent": points([li.precedent for li in lignes]),
        "maximum": maximum,
        "largeur": LARGEUR,
        "hauteur": HAUTEUR,
        "marge": MARGE,
        "bas": HAUTEUR - MARGE,
        "droite": LARGEUR - MARGE,
        "premier": lignes[0].libelle if lignes else "",
        "dernier": lignes[-1].libelle if lignes else "",
    }


def _parametres(portee, periode, avec_synthetique, **autres) -> str:
    p = {**portee.parametres, **periode.parametres}
    if not avec_synthetique:
        p["synthetiques"] = "non"
    return urlencode({**p, **autres})


def tableau_de_bord_vue(request):
    # Lues une fois (sélecteur et contrôle du périmètre) ; sans les ~2 800 France services pour l'équipe
    # nationale.
    portees = portees_de(request.user, structures_nationales=False)
    portee = _portee(request, portees)
    aujourdhui = timezone.localdate()
    periode, prereglage, erreur = _periode(request, aujourdhui)
    avec_synthetique = request.GET.get("synthetiques") != "non"
    tdb = tableau_de_bord(portee, periode, avec_synthetique=avec_synthetique)

    format_export = request.GET.get("export")
    if format_export:
        return _exporter(request, tdb, format_export, request.GET.get("tableau", ""))

    base = reverse("statistiques:tableau_de_bord")
    suffixe = urlencode({**periode.parametres, **({} if avec_synthetique else {"synthetiques": "non"})})
    tableaux = []
    for tableau in tdb.tableaux.values():
        tableaux.append(
            {
                "t": tableau,
                "barres": _barres(tableau, portee, suffixe),
                "courbe": _courbe(tableau) if tableau.nom == "tendance" else None,
                "csv": f"{base}?{_parametres(portee, periode, avec_synthetique, export='csv', tableau=tableau.nom)}",
                "xlsx": f"{base}?{_parametres(portee, periode, avec_synthetique, export='xlsx', tableau=tableau.nom)}",
            }
        )
    perimetre = perimetre_de(request.user)
    return render(
        request,
        "statistiques/tableau_de_bord.html",
        {
            "titre": "Statistiques d'activité",
            "tdb": tdb,
            "tableaux": tableaux,
            "groupes": _selecteur(portees, portee),
            "prereglages": [
                {"cle": cle, "libelle": libelle, "choisi": cle == prereglage}
                for cle, (libelle, _) in PREREGLAGES.items()
            ],
            "libre": prereglage == "libre",
            "du": f"{periode.du:%Y-%m}",
            "au": f"{periode.au:%Y-%m}",
            "mois_max": f"{aujourdhui:%Y-%m}",
            "erreur": erreur,
            "explication": perimetre.explication(),
            "sans_synthetiques": f"{base}?{_parametres(portee, periode, False)}",
            "avec_synthetiques": f"{base}?{_parametres(portee, periode, True)}",
            "vide": tdb.total == 0,
        },
    )


def _entetes(tableau: Tableau) -> list[str]:
    return [
        tableau.colonne,
        "Demandes",
        "Part (%)",
        "Durée totale (minutes)",
        "Période précédente",
        "Évolution (%)",
    ]


def _rangees(tableau: Tableau):
    for li in tableau.lignes:
        yield [
            neutraliser(li.libelle),
            li.nombre,
            "" if li.part is None else li.part,
            li.duree,
            li.precedent,
            "" if li.evolution is None else li.evolution,
        ]


def _exporter(request, tdb, format_export: str, nom: str):
    tableau = tdb.tableaux.get(nom)
    if tableau is None or format_export not in FORMATS:
        raise Http404("Tableau ou format d'export inconnu.")
    journaliser(
        Evenement.EXPORT,
        request=request,
        details={
            "export": "statistiques",
            "tableau": nom,
            "format": format_export,
            "portee": tdb.portee.cle,
            "periode": tdb.periode.parametres,
            "synthetiques": tdb.avec_synthetique,
            "lignes": len(tableau.lignes),
        },
    )
    fichier = f"statistiques-{nom}-{tdb.portee.cle}-{tdb.periode.du:%Y-%m}-{tdb.periode.au:%Y-%m}"
    if format_export == "csv":
        tampon = io.StringIO()
        redacteur = csv.writer(tampon, delimiter=";")
        redacteur.writerow(_entetes(tableau))
        for rangee in _rangees(tableau):
            redacteur.writerow([str(v).replace(".", ",") if isinstance(v, float) else v for v in rangee])
        reponse = HttpResponse("\ufeff" + tampon.getvalue(), content_type="text/csv; charset=utf-8")
        reponse["Content-Disposition"] = f'attachment; filename="{fichier}.csv"'
        return reponse

    from openpyxl import Workbook

    classeur = Workbook()
    feuille = classeur.active
    feuille.title = tableau.nom[:31]
    feuille.append([neutraliser(tableau.titre)])
    feuille.append([neutraliser(tdb.filtres)])
    feuille.append([])
    feuille.append(_entetes(tableau))
    for rangee in _rangees(tableau):
        feuille.append([None if v == "" else v for v in rangee])
    sortie = io.BytesIO()
    classeur.save(sortie)
    reponse = HttpResponse(
        sortie.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    reponse["Content-Disposition"] = f'attachment; filename="{fichier}.xlsx"'
    return reponse


# — Données ouvertes (publiques) —


@login_not_required
def donnees_ouvertes(request):
    return render(
        request,
        "statistiques/donnees_ouvertes.html",
        {
            "titre": "Données ouvertes : activité des France services",
            "seuil": ouvertes.seuil(),
        },
    )


@login_not_required
def donnees_ouvertes_csv(request):
    redacteur = csv.writer(Echo(), delimiter=";")

    def lignes():
        yield "\ufeff" + redacteur.writerow(ouvertes.COLONNES_CSV)
        for ligne in ouvertes.lignes_csv():
            yield redacteur.writerow([neutraliser(v) if isinstance(v, str) else v for v in ligne])

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = 'attachment; filename="france-services-activite-mensuelle.csv"'
    return reponse
