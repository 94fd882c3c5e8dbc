"""Pages de la couverture du territoire : national (carte et tableaux), département, zones blanches,
placement de nouveaux points d'accès.

Qui voit quoi : les chiffres de couverture ne sont pas personnels ; tous les rôles qui pilotent le réseau
(`Perimetre.voit_reseau` : équipe nationale, animateurs, préfectures) voient le national et chaque
département. L'outil de placement d'un département : son animateur, sa préfecture, l'équipe nationale ;
un autre département répond 404. Les autres rôles reçoivent la page « accès réservé ».
Tout fonctionne sans JavaScript (formulaires GET, cartes SVG rendues ici).
"""

import csv
import io
import re

from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.core.audit import journaliser
from franceservices.core.exports import neutraliser
from franceservices.core.models import Evenement
from franceservices.structures.models import Structure
from franceservices.territoires.models import ContourDepartement, Departement, Zone

from . import calcul, carte, placement
from .forms import ParametresForm, PlacementForm
from .models import DistanceCommune

PAR_PAGE = 50
TRIS = {
    "code": lambda li, s: li.code,
    "nom": lambda li, s: li.nom,
    "population": lambda li, s: li.population,
    "part": lambda li, s: -1 if li.part(s) is None else li.part(s),
    "non_couverte": lambda li, s: li.non_couverte(s),
    "distance": lambda li, s: li.distance_max,
}
TITRE_RESERVE = "Couverture du territoire"
MESSAGE_RESERVE = (
    "La couverture du territoire est réservée aux personnes qui pilotent le réseau : équipe nationale, "
    "animateurs départementaux et préfectures."
)


def _reserve(request):
    if not perimetre_de(request.user).voit_reseau:
        return refuser(request, TITRE_RESERVE, MESSAGE_RESERVE)
    return None


def _departement(code: str, queryset=None) -> Departement:
    if not re.fullmatch(r"[0-9A-Za-z]{2,3}", code):  # caractère nul, etc. : jamais jusqu'à la base
        raise Http404("Code de département invalide.")
    return get_object_or_404(
        queryset if queryset is not None else Departement.objects.all(), code=code.upper()
    )


def _contexte_calcul(calcul_):
    return {"calcul": calcul_, "a_jour": calcul.a_jour(calcul_) if calcul_ else False}


def _parametres(request, calcul_):
    form = ParametresForm(request.GET or None)
    facteur = calcul_.facteur_detour if calcul_ else calcul.facteur_detour()
    seuil, mesure = form.parametres(facteur)
    if not form.is_bound:
        form = ParametresForm(initial={"seuil": seuil, "mesure": "vol"})
    requete = {"seuil": seuil, "mesure": "route" if mesure.route else "vol"}
    if mesure.arrets:
        requete["arrets"] = "on"
    return form, seuil, mesure, requete


@require_GET
def index(request):
    if (refus := _reserve(request)) is not None:
        return refus
    calcul_ = calcul.dernier_calcul()
    form, seuil, mesure, requete = _parametres(request, calcul_)
    seuils = calcul.seuils_km()
    contexte = {"titre": "Couverture du territoire", "form": form, "seuil": seuil, "mesure": mesure}
    contexte.update(_contexte_calcul(calcul_))
    if calcul_ is None:
        return render(request, "couverture/index.html", contexte)
    departements = [li.choisir(seuil) for li in calcul.par_departement(mesure, seuils)]
    regions = [li.choisir(seuil) for li in calcul.par_region(departements, seuils)]
    tri = request.GET.get("tri", "code")
    if tri not in TRIS:
        tri = "code"
    decroissant = request.GET.get("ordre") == "desc"
    nationaux = [d for d in departements if d.zone in calcul.ZONES_NATIONALES]
    nationaux.sort(key=lambda li: TRIS[tri](li, seuil), reverse=decroissant)
    chemins, encarts = carte.chemins_nationaux()
    formes = [
        {
            "code": d.code,
            "nom": d.nom,
            "d": chemins[d.code],
            "couleur": carte.couleur(d.part(seuil)),
            "part": d.part(seuil),
        }
        for d in departements
        if d.code in chemins
    ]
    contexte.update(
        {
            "seuils": seuils,
            "national": calcul.national(departements, seuils).choisir(seuil),
            "regions": [r for r in regions if r.zone != Zone.COM],
            "departements": nationaux,
            "com": [d for d in departements if d.zone == Zone.COM],
            "formes": formes,
            "encarts": encarts,
            "largeur": carte.LARGEUR,
            "hauteur": carte.HAUTEUR,
            "legende": carte.legende(),
            "tri": tri,
            "decroissant": decroissant,
            "liens_tri": {
                cle: "?"
                + urlencode(
                    {
                        **requete,
                        "tri": cle,
                        "ordre": "asc" if tri == cle and decroissant else ("desc" if tri == cle else "asc"),
                    }
                )
                for cle in TRIS
            },
            "requete": urlencode(requete),
        }
    )
    return render(request, "couverture/index.html", contexte)


def _communes_eloignees(mesure, departement=None):
    qs = DistanceCommune.objects.filter(departement__zone__in=calcul.ZONES_NATIONALES)
    if departement is not None:
        qs = DistanceCommune.objects.filter(departement=departement)
    return qs.select_related("commune", "departement", "structure").order_by(
        F(mesure.champ).desc(), "-population", "commune__code_insee"
    )


def _lignes_communes(page_ou_liste, mesure):
    return [
        {
            "commune": dc.commune,
            "departement": dc.departement,
            "population": dc.population,
            "distance": getattr(dc, mesure.champ),
            "route": getattr(dc, mesure.champ) * mesure.facteur,
            "structure": dc.structure,
        }
        for dc in page_ou_liste
    ]


def _export(request, qs, mesure, nom_fichier, portee):
    journaliser(
        Evenement.EXPORT,
        request=request,
        details={"export": "couverture", "portee": portee, "mesure": mesure.libelle, "lignes": qs.count()},
    )
    tampon = io.StringIO()
    redacteur = csv.writer(tampon, delimiter=";")
    redacteur.writerow(
        [
            "Code INSEE",
            "Commune",
            "Département",
            "Population",
            "Distance à vol d'oiseau (km)",
            f"Distance routière estimée (km, facteur {mesure.facteur:g})",
            "France services la plus proche",
        ]
    )
    for li in _lignes_communes(qs, mesure):
        redacteur.writerow(
            [
                li["commune"].code_insee,
                neutraliser(li["commune"].nom),
                li["departement"].code,
                li["population"],
                f"{li['distance']:.1f}".replace(".", ","),
                f"{li['route']:.1f}".replace(".", ","),
                neutraliser(li["structure"].nom if li["structure"] else ""),
            ]
        )
    reponse = HttpResponse("\ufeff" + tampon.getvalue(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}.csv"'
    return reponse


@require_GET
def departement(request, code):
    if (refus := _reserve(request)) is not None:
        return refus
    departement_ = _departement(code)
    calcul_ = calcul.dernier_calcul()
    form, seuil, mesure, requete = _parametres(request, calcul_)
    seuils = calcul.seuils_km()
    contexte = {
        "titre": f"Couverture — {departement_.nom} ({departement_.code})",
        "departement": departement_,
        "form": form,
        "seuil": seuil,
        "mesure": mesure,
        "seuils": seuils,
        "peut_placer": _peut_placer(perimetre_de(request.user), departement_),
    }
    contexte.update(_contexte_calcul(calcul_))
    if calcul_ is None:
        return render(request, "couverture/departement.html", contexte)
    qs = _communes_eloignees(mesure, departement_)
    if request.GET.get("format") == "csv":
        return _export(request, qs, mesure, f"couverture-{departement_.code}", departement_.code)
    ligne = next(li for li in calcul.par_departement(mesure, seuils) if li.code == departement_.code)
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    contexte.update(
        {
            "ligne": ligne,
            "page": page,
            "lignes": _lignes_communes(page.object_list, mesure),
            "requete": urlencode(requete),
            "sites": Structure.objects.filter(departement=departement_).count(),
        }
    )
    return render(request, "couverture/departement.html", contexte)


@require_GET
def zones_blanches(request):
    if (refus := _reserve(request)) is not None:
        return refus
    calcul_ = calcul.dernier_calcul()
    form, seuil, mesure, requete = _parametres(request, calcul_)
    contexte = {
        "titre": "Zones blanches : les communes les plus éloignées",
        "form": form,
        "seuil": seuil,
        "mesure": mesure,
    }
    contexte.update(_contexte_calcul(calcul_))
    if calcul_ is None:
        return render(request, "couverture/zones_blanches.html", contexte)
    qs = _communes_eloignees(mesure)
    if request.GET.get("format") == "csv":
        return _export(
            request,
            qs.filter(**{f"{mesure.champ}__gt": mesure.limite_vol(seuil)}),
            mesure,
            f"zones-blanches-{seuil}km",
            "national",
        )
    seuils = calcul.seuils_km()
    national = calcul.national(calcul.par_departement(mesure, seuils), seuils)
    au_dela = qs.filter(**{f"{mesure.champ}__gt": mesure.limite_vol(seuil)})
    page = Paginator(au_dela, PAR_PAGE).get_page(request.GET.get("page"))
    contexte.update(
        {
            "national": national,
            "seuils": seuils,
            "page": page,
            "lignes": _lignes_communes(page.object_list, mesure),
            "requete": urlencode(requete),
            "non_couvertes": [(s, national.non_couverte(s)) for s in seuils],
        }
    )
    return render(request, "couverture/zones_blanches.html", contexte)


def _departements_placement(perimetre):
    if perimetre.national:
        return Departement.objects.all()
    return Departement.objects.filter(pk__in=perimetre.departements_pilotes)


def _peut_placer(perimetre, departement_) -> bool:
    return perimetre.national or departement_.pk in perimetre.departements_pilotes


@require_GET
def placement_departement(request, code):
    if (refus := _reserve(request)) is not None:
        return refus
    departement_ = _departement(code, _departements_placement(perimetre_de(request.user)))
    calcul_ = calcul.dernier_calcul()
    form = PlacementForm(
        request.GET or None, initial={"k": 3, "rayon": "10", "mesure": "vol", "type": "sites"}
    )
    contexte = {
        "titre": f"Où ouvrir de nouveaux points d'accès — {departement_.nom} ({departement_.code})",
        "departement": departement_,
        "form": form,
    }
    contexte.update(_contexte_calcul(calcul_))
    if calcul_ is None or not form.is_valid():
        return render(request, "couverture/placement.html", contexte, status=200)
    donnees = form.cleaned_data
    mesure = calcul.Mesure(
        route=donnees["mesure"] == "route", arrets=donnees["arrets"], facteur=calcul_.facteur_detour
    )
    resultat = placement.placer(departement_, k=donnees["k"], rayon_km=donnees["rayon"], mesure=mesure)
    bus = donnees["type"] == "bus"
    contour = (
        ContourDepartement.objects.filter(departement=departement_)
        .values_list("geometrie", flat=True)
        .first()
    )
    sites = list(
        Structure.objects.filter(latitude__isnull=False, longitude__isnull=False, departement=departement_)
        .order_by("nom")
        .values_list("latitude", "longitude", "nom")
    )
    dessin = carte.carte_departement(
        contour,
        {
            "sites": sites,
            "non_couvertes": [(c.latitude, c.longitude, c.nom) for c in resultat.communes_non_couvertes],
            "propositions": [
                (p.commune.latitude, p.commune.longitude, p.commune.nom) for p in resultat.propositions
            ],
        },
    )
    contexte.update(
        {
            "resultat": resultat,
            "bus": bus,
            "libelle_point": ("arrêts de bus" if len(resultat.propositions) > 1 else "arrêt de bus")
            if bus
            else "France services",
            "carte": dessin,
            "nb_sites": len(sites),
            "garantie": round(100 * placement.garantie(resultat.k)),
        }
    )
    return render(request, "couverture/placement.html", contexte)
