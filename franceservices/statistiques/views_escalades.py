"""Page des chiffres des escalades (par partenaire, par département) et export CSV (journalisé)."""

import csv

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.exports import Echo, neutraliser
from franceservices.core.models import Evenement

from . import escalades as chiffres
from .lecture import Periode, PeriodeInvalide

TABLEAUX = {"partenaires": "Par partenaire", "departements": "Par département"}


def _decaler(mois, n):
    total = mois.year * 12 + mois.month - 1 + n
    return mois.replace(year=total // 12, month=total % 12 + 1, day=1)


def periode_par_defaut(aujourdhui) -> Periode:
    """Les douze derniers mois, mois en cours compris."""
    m = aujourdhui.replace(day=1)
    return Periode(_decaler(m, -11), m)


def periode_demandee(request, aujourdhui) -> tuple[Periode, str | None]:
    """Période des paramètres du/au (mois) ; les douze derniers mois par défaut ou si la saisie est invalide."""
    du, au = request.GET.get("du", ""), request.GET.get("au", "")
    if not (du or au):
        return periode_par_defaut(aujourdhui), None
    try:
        return Periode.depuis_textes(du, au, aujourdhui), None
    except PeriodeInvalide as erreur:
        return periode_par_defaut(aujourdhui), f"{erreur} Les douze derniers mois sont affichés."


def _nombre(valeur) -> str:
    if valeur is None:
        return ""
    return str(valeur).replace(".", ",") if isinstance(valeur, float) else str(valeur)


ENTETES = [
    "Ouvertes",
    "Closes",
    "Délai médian (jours ouvrés)",
    "Délai 90e centile (jours ouvrés)",
    "Part close dans le délai (%)",
    "Rejets",
    "Motifs des rejets",
    "En cours aujourd'hui",
    "En retard aujourd'hui",
]


def _rangee(li) -> list:
    return [
        neutraliser(li.libelle),
        li.ouvertes,
        li.closes,
        _nombre(li.mediane),
        _nombre(li.p90),
        _nombre(li.part_dans_les_temps),
        li.nombre_rejets,
        neutraliser(" ; ".join(f"{m} : {n}" for m, n in li.motifs)),
        li.en_cours,
        li.en_retard,
    ]


def _exporter(request, resultat, nom: str):
    if request.GET.get("export") != "csv" or nom not in TABLEAUX:
        raise Http404("Tableau ou format d'export inconnu.")
    lignes = [*getattr(resultat, nom), resultat.total]
    journaliser(
        Evenement.EXPORT,
        request=request,
        details={
            "export": "escalades",
            "tableau": nom,
            "format": "csv",
            "periode": resultat.periode.parametres,
            "synthetiques": resultat.avec_synthetiques,
            "lignes": len(lignes),
        },
    )
    redacteur = csv.writer(Echo(), delimiter=";")
    colonne = "Partenaire" if nom == "partenaires" else "Département"

    def flux():
        yield "\ufeff" + redacteur.writerow([colonne, *ENTETES])
        for li in lignes:
            yield redacteur.writerow(_rangee(li))

    reponse = StreamingHttpResponse(flux(), content_type="text/csv; charset=utf-8")
    p = resultat.periode
    reponse["Content-Disposition"] = f'attachment; filename="escalades-{nom}-{p.du:%Y-%m}-{p.au:%Y-%m}.csv"'
    return reponse


def escalades(request):
    perimetre = perimetre_de(request.user)
    filtre = chiffres.filtre_perimetre(perimetre)
    if filtre is None:
        raise Http404("Aucun chiffre d'escalade dans votre périmètre.")
    aujourdhui = timezone.localdate()
    periode, erreur = periode_demandee(request, aujourdhui)
    avec_synthetiques = request.GET.get("synthetiques") == "oui"
    resultat = chiffres.calculer(filtre, periode, avec_synthetiques=avec_synthetiques, aujourdhui=aujourdhui)
    if request.GET.get("export"):
        return _exporter(request, resultat, request.GET.get("tableau", ""))

    base = reverse("statistiques:escalades")
    parametres = {**periode.parametres, **({"synthetiques": "oui"} if avec_synthetiques else {})}
    return render(
        request,
        "statistiques/escalades.html",
        {
            "titre": "Chiffres des escalades",
            "c": resultat,
            "erreur": erreur,
            "explication": perimetre.explication(),
            "du": f"{periode.du:%Y-%m}",
            "au": f"{periode.au:%Y-%m}",
            "mois_max": f"{aujourdhui:%Y-%m}",
            "tableaux": [
                {
                    "nom": nom,
                    "titre": titre,
                    "lignes": getattr(resultat, nom),
                    "colonne": "Partenaire" if nom == "partenaires" else "Département",
                    "csv": f"{base}?{urlencode({**parametres, 'export': 'csv', 'tableau': nom})}",
                }
                for nom, titre in TABLEAUX.items()
            ],
        },
    )
