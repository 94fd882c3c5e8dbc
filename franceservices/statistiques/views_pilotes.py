"""Évaluation d'un pilote : page et exports CSV / XLSX (journalisés). Lecture seule.

Portée : `pilotes_evaluables` (équipe nationale, référents du partenaire, animateurs et préfectures des
départements du pilote) ; toute autre personne reçoit une 404."""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from franceservices.core.audit import journaliser
from franceservices.core.exports import neutraliser
from franceservices.core.models import Evenement

from .lecture import Periode, PeriodeInvalide
from .pilotes import METHODE, evaluer, periode_par_defaut, pilotes_evaluables

FORMATS = ("csv", "xlsx")


def _periode(request, pilote, aujourdhui) -> tuple[Periode, str | None]:
    du, au = request.GET.get("du", ""), request.GET.get("au", "")
    defaut = periode_par_defaut(pilote, aujourdhui)
    if du or au:
        try:
            return Periode.depuis_textes(
                du or f"{defaut.du:%Y-%m}", au or f"{defaut.au:%Y-%m}", aujourdhui
            ), None
        except PeriodeInvalide as erreur:
            return defaut, f"{erreur} La période du pilote est affichée."
    return defaut, None


def evaluation(request, pk):
    pilote = get_object_or_404(pilotes_evaluables(request.user).select_related("partenaire"), pk=pk)
    aujourdhui = timezone.localdate()
    periode, erreur = _periode(request, pilote, aujourdhui)
    avec_synthetique = request.GET.get("synthetiques") == "oui"
    ev = evaluer(pilote, periode, avec_synthetique=avec_synthetique, aujourdhui=aujourdhui)
    format_export = request.GET.get("export")
    if format_export:
        return _exporter(request, ev, format_export)
    base = reverse("statistiques:pilote", args=[pilote.pk])
    parametres = {**periode.parametres, **({"synthetiques": "oui"} if avec_synthetique else {})}
    return render(
        request,
        "statistiques/pilote.html",
        {
            "titre": f"Évaluation du pilote « {pilote.nom} »",
            "ev": ev,
            "pilote": pilote,
            "erreur": erreur,
            "du": f"{periode.du:%Y-%m}",
            "au": f"{periode.au:%Y-%m}",
            "mois_max": f"{aujourdhui:%Y-%m}",
            "methode": METHODE,
            "csv": f"{base}?{urlencode({**parametres, 'export': 'csv'})}",
            "xlsx": f"{base}?{urlencode({**parametres, 'export': 'xlsx'})}",
            "vide": ev.pilote_ind.demandes_total == 0 and ev.pilote_ind.escalades == 0,
        },
    )


def _valeur(v):
    return "" if v is None else v


def _exporter(request, ev, format_export: str):
    if format_export not in FORMATS:
        raise Http404("Format d'export inconnu.")
    journaliser(
        Evenement.EXPORT,
        request=request,
        cible=ev.pilote,
        details={
            "export": "evaluation_pilote",
            "pilote": ev.pilote.pk,
            "format": format_export,
            "periode": ev.periode.parametres,
            "synthetiques": ev.avec_synthetique,
        },
    )
    fichier = f"evaluation-pilote-{ev.pilote.pk}-{ev.periode.du:%Y-%m}-{ev.periode.au:%Y-%m}"
    entetes_mois = [
        "Mois",
        f"Demandes {ev.pilote.partenaire.nom_court} (pilote)",
        "Demandes totales (pilote)",
        f"Demandes {ev.pilote.partenaire.nom_court} (comparables)",
        "Demandes totales (comparables)",
    ]
    rangees_mois = [
        [m["mois"].strftime("%Y-%m"), m["pilote_partenaire"], m["pilote_total"], m["comparables_partenaire"],
         m["comparables_total"]]
        for m in ev.mois
    ]  # fmt: skip
    rangees = [[neutraliser(i), _valeur(p), _valeur(c)] for i, p, c in ev.lignes]
    if format_export == "csv":
        tampon = io.StringIO()
        redacteur = csv.writer(tampon, delimiter=";")
        redacteur.writerow([neutraliser(f"Évaluation du pilote {ev.pilote.nom}"), ev.periode.libelle])
        redacteur.writerow(["Données synthétiques", "incluses" if ev.avec_synthetique else "exclues"])
        redacteur.writerow([])
        redacteur.writerow(["Indicateur", "France services du pilote", "France services comparables"])
        for rangee in rangees:
            redacteur.writerow([str(v).replace(".", ",") if isinstance(v, float) else v for v in rangee])
        redacteur.writerow([])
        redacteur.writerow(entetes_mois)
        redacteur.writerows(rangees_mois)
        reponse = HttpResponse("\ufeff" + tampon.getvalue(), content_type="text/csv; charset=utf-8")
        reponse["Content-Disposition"] = f'attachment; filename="{fichier}.csv"'
        return reponse

    from openpyxl import Workbook

    classeur = Workbook()
    feuille = classeur.active
    feuille.title = "Indicateurs"
    feuille.append([neutraliser(f"Évaluation du pilote {ev.pilote.nom}"), ev.periode.libelle])
    feuille.append(["Données synthétiques", "incluses" if ev.avec_synthetique else "exclues"])
    feuille.append([])
    feuille.append(["Indicateur", "France services du pilote", "France services comparables"])
    for rangee in rangees:
        feuille.append([None if v == "" else v for v in rangee])
    mensuel = classeur.create_sheet("Par mois")
    mensuel.append(entetes_mois)
    for rangee in rangees_mois:
        mensuel.append(rangee)
    sortie = io.BytesIO()
    classeur.save(sortie)
    reponse = HttpResponse(
        sortie.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    reponse["Content-Disposition"] = f'attachment; filename="{fichier}.xlsx"'
    return reponse
