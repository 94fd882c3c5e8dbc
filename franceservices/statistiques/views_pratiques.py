"""Rapport mensuel « évolution des pratiques d'accès » : page (choix de la portée et du mois en GET, sans
JavaScript) et PDF téléchargeable (WeasyPrint, PDF/UA comme les attestations de formation, mêmes graphiques).

Portée : `?portee=national`, `region:<code>`, `departement:<code>` ou `structure:<id>` ; hors du périmètre →
404 (comme le tableau de bord) ; code inconnu ou mois illisible/futur → message, rapport par défaut affiché
(le PDF répond 400 avec la page et le message). Chaque PDF est journalisé (export)."""

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from franceservices.comptes.perimetre import perimetre_de
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement
from franceservices.territoires.models import Departement, Region

from . import graphiques
from .lecture import Portee, libelle_mois, portee_demandee
from .pratiques import (
    ParametreInvalide,
    Rapport,
    Repartition,
    lire_mois,
    mois_court,
    mois_par_defaut,
    portees_pratiques,
    rapport,
)

GROUPES = {
    "national": "France entière",
    "region": "Régions",
    "departement": "Départements",
    "structure": "France services",
}
NOMS_NIVEAUX = {"region": "Région", "departement": "Département", "structure": "France services"}
COURBES_DEMARCHES = 5  # démarches tracées (toutes sont dans le tableau)


def _codes(portees) -> dict[tuple[str, int], str]:
    """Code INSEE de chaque région et département des portées (deux requêtes)."""
    codes = {}
    for niveau, modele in (("region", Region), ("departement", Departement)):
        ids = [p.id for p in portees if p.niveau == niveau]
        if ids:
            codes |= {
                (niveau, pk): code for pk, code in modele.objects.filter(pk__in=ids).values_list("pk", "code")
            }
    return codes


def _valeur(portee: Portee, codes) -> str:
    if portee.niveau == "national":
        return "national"
    if portee.niveau == "structure":
        return f"structure:{portee.id}"
    return f"{portee.niveau}:{codes[(portee.niveau, portee.id)]}"


def _portee(user, texte: str, portees: list[Portee]) -> Portee:
    """La portée désignée par `texte` ; `ParametreInvalide` si illisible ou inconnue, 404 hors périmètre."""
    if not texte:
        return portees[0]
    niveau, _, code = texte.partition(":")
    code = code.strip()
    if niveau == "national" and not code:
        demandee = Portee("national", None)
    elif niveau in ("region", "departement"):
        modele = Region if niveau == "region" else Departement
        pk = modele.objects.filter(code=code.upper()).values_list("pk", flat=True).first() if code else None
        if pk is None:
            raise ParametreInvalide(
                f"{NOMS_NIVEAUX[niveau]} inconnu{'e' if niveau == 'region' else ''} : « {code[:10]} »."
            )
        demandee = Portee(niveau, pk)
    elif niveau == "structure":
        if not code.isdigit():
            raise ParametreInvalide(f"France services inconnue : « {code[:10]} ».")
        if perimetre_de(user).national:
            return portee_demandee(
                user, "structure", code
            )  # toute France services (404 si elle n'existe pas)
        demandee = Portee("structure", int(code))
    else:
        raise ParametreInvalide(
            f"Portée illisible : « {texte[:30]} » (attendu : national, region:<code>, departement:<code>…)."
        )
    for portee in portees:
        if portee == demandee:
            return portee
    raise Http404("Ce rapport n'est pas dans votre périmètre.")


def _lire(request):
    """(portées, portée, mois, avec_synthetique, erreurs) depuis les paramètres GET."""
    portees = portees_pratiques(request.user)
    if not portees:
        raise Http404("Aucun rapport des pratiques dans votre périmètre.")
    aujourdhui = timezone.localdate()
    erreurs = []
    try:
        portee = _portee(request.user, request.GET.get("portee", ""), portees)
    except ParametreInvalide as erreur:
        portee = portees[0]
        erreurs.append(f"{erreur} Le rapport de {portee.libelle} est affiché.")
    mois = mois_par_defaut(aujourdhui)
    if texte := request.GET.get("mois", ""):
        try:
            mois = lire_mois(texte, aujourdhui)
        except ParametreInvalide as erreur:
            erreurs.append(f"{erreur} Le dernier mois complet ({libelle_mois(mois)}) est affiché.")
    return portees, portee, mois, aujourdhui, request.GET.get("synthetiques") != "non", erreurs


def _ecart(v) -> str:
    if v is None:
        return "—"
    signe = "+" if v > 0 else ("−" if v < 0 else "")
    return f"{signe}{abs(v):.1f}".replace(".", ",") + " pt"


def _section(ident: str, r: Rapport, rep: Repartition, svg, intro: str = "") -> dict:
    return {
        "ident": ident,
        "titre": rep.titre,
        "definition": rep.definition,
        "intro": intro,
        "colonne": rep.colonne,
        "svg": svg,
        "mois": [mois_court(m) for m in r.fenetre],
        "lignes": [
            {
                "s": s,
                "ecart": _ecart(s.ecart_points),
                "cellules": list(zip(s.parts, s.nombres, strict=True)),
            }
            for s in rep.series
        ],
        "denominateurs": rep.denominateurs,
        "denominateur_avant": rep.denominateur_annee_precedente,
    }


def _sections(r: Rapport) -> list[dict]:
    abscisses = [mois_court(m) for m in r.fenetre]
    fin = f"de {libelle_mois(r.fenetre[0])} à {libelle_mois(r.mois)}, {r.portee.libelle}"

    def empilees(ident, rep):
        return graphiques.barres_empilees(
            f"graphique-{ident}",
            f"{rep.titre} : parts mensuelles",
            f"Barres empilées à 100 % : part de chaque valeur dans les demandes de chaque mois, {fin}. "
            "Données détaillées dans le tableau qui suit.",
            abscisses,
            [(s.libelle, s.parts) for s in rep.series],
        )

    en_ligne = r.en_ligne.series
    sections = [
        _section("canaux", r, r.canaux, empilees("canaux", r.canaux)),
        _section(
            "en-ligne",
            r,
            r.en_ligne,
            graphiques.courbes(
                "graphique-en-ligne",
                "Part des demandes portant sur une démarche disponible en ligne",
                f"Courbes des parts mensuelles, {fin} : démarche disponible en ligne, démarche sans lien en "
                "ligne, démarche non renseignée. Données détaillées dans le tableau qui suit.",
                abscisses,
                [(s.libelle, s.parts) for s in en_ligne],
            ),
        ),
        _section("partenaires", r, r.partenaires, empilees("partenaires", r.partenaires)),
        _section(
            "demarches",
            r,
            r.demarches,
            graphiques.courbes(
                "graphique-demarches",
                f"Les {COURBES_DEMARCHES} démarches les plus fréquentes : parts mensuelles",
                f"Courbes des parts mensuelles des {COURBES_DEMARCHES} démarches les plus fréquentes sur les douze "
                f"mois, {fin}. Données détaillées dans le tableau qui suit.",
                abscisses,
                [(s.libelle, s.parts) for s in r.demarches.series if s.cle not in ("", "autres")][
                    :COURBES_DEMARCHES
                ],
            ),
        ),
    ]
    ages = r.ages.series
    sections.append(
        _section(
            "ages",
            r,
            r.ages,
            graphiques.histogramme(
                "graphique-ages",
                "Profil d'âge des usagers",
                f"Barres horizontales : part de chaque tranche d'âge parmi les demandes dont l'âge est renseigné, "
                f"sur les douze mois, en {libelle_mois(r.mois)} et en {libelle_mois(r.annee_precedente)}, "
                f"{r.portee.libelle}. Données détaillées dans le tableau qui suit.",
                [s.libelle for s in ages],
                [
                    ("Douze mois", [s.part_periode for s in ages]),
                    (libelle_mois(r.mois).capitalize(), [s.part_mois for s in ages]),
                    (libelle_mois(r.annee_precedente).capitalize(), [s.part_annee_precedente for s in ages]),
                ],
            ),
            intro=f"Âge renseigné pour {_pourcent(r.age_renseigne.series[0].part_mois)} des demandes de "
            f"{libelle_mois(r.mois)} ({_pourcent(r.age_renseigne.series[0].part_periode)} sur les douze mois).",
        )
    )
    return sections


def _pourcent(v) -> str:
    return "—" if v is None else f"{v:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def _contexte(r: Rapport) -> dict:
    en_ligne = r.en_ligne.series[0]
    return {
        "titre": f"Évolution des pratiques d'accès — {r.portee.libelle} — {libelle_mois(r.mois)}",
        "r": r,
        "sections": [] if r.vide else _sections(r),
        "en_ligne": en_ligne,
        "en_ligne_ecart": _ecart(en_ligne.ecart_points),
        "part_en_ligne_renseignees": r.part_en_ligne_parmi_renseignees,
        "mois_vides": [libelle_mois(m) for m in r.mois_vides],
        "libelle_avant": libelle_mois(r.annee_precedente),
        "genere_le": timezone.localtime(),
    }


def _parametres(valeur_portee: str, mois, avec_synthetique: bool) -> str:
    p = {"portee": valeur_portee, "mois": f"{mois:%Y-%m}"}
    if not avec_synthetique:
        p["synthetiques"] = "non"
    return urlencode(p)


def _page(request, portees, portee, mois, aujourdhui, avec_synthetique, erreurs, *, status=200):
    r = rapport(portee, mois, avec_synthetique=avec_synthetique)
    codes = _codes([*portees, portee])
    valeur = _valeur(portee, codes)
    groupes = []
    for niveau, titre in GROUPES.items():
        options = [p for p in portees if p.niveau == niveau]
        if portee.niveau == niveau and portee not in options:  # France services vue par l'équipe nationale
            options.append(portee)
        if options:
            groupes.append(
                {
                    "titre": titre,
                    "options": [
                        {"valeur": _valeur(p, codes), "libelle": p.libelle, "choisie": p == portee}
                        for p in options
                    ],
                }
            )
    base = reverse("statistiques:pratiques")
    return render(
        request,
        "statistiques/pratiques/rapport.html",
        {
            **_contexte(r),
            "titre": "Évolution des pratiques d'accès",
            "groupes": groupes,
            "mois_choisi": f"{mois:%Y-%m}",
            "mois_max": f"{aujourdhui:%Y-%m}",
            "erreurs": erreurs,
            "explication": perimetre_de(request.user).explication(),
            "pdf": f"{reverse('statistiques:pratiques_pdf')}?{_parametres(valeur, mois, avec_synthetique)}",
            "sans_synthetiques": f"{base}?{_parametres(valeur, mois, False)}",
            "avec_synthetiques": f"{base}?{_parametres(valeur, mois, True)}",
        },
        status=status,
    )


@require_GET
def pratiques(request):
    return _page(request, *_lire(request))


GABARIT_PDF = "statistiques/pratiques/rapport_pdf.html"
PDF_CACHE_SECONDES = 24 * 3600


def pdf_du_rapport(contexte: dict) -> bytes:
    """PDF/UA du rapport, mis en cache par empreinte de son contenu : la mise en page WeasyPrint prend plusieurs
    secondes, le calcul du rapport (3 requêtes) quelques dizaines de millisecondes. Mêmes chiffres → même PDF
    (qui garde alors sa date de génération) ; un chiffre qui change → une autre empreinte, un nouveau PDF."""
    from franceservices.formations.attestations import polices, rendre_pdf

    html = render_to_string(GABARIT_PDF, {**contexte, "genere_le": None, "polices": polices()})
    cle = "pratiques-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    contenu = cache.get(cle)
    if contenu is None:
        contenu = rendre_pdf(GABARIT_PDF, contexte)
        cache.set(cle, contenu, PDF_CACHE_SECONDES)
    return contenu


@require_GET
def pratiques_pdf(request):
    portees, portee, mois, aujourdhui, avec_synthetique, erreurs = _lire(request)
    if erreurs:  # pas de PDF d'un autre rapport que celui demandé : la page dit pourquoi
        return _page(request, portees, portee, mois, aujourdhui, avec_synthetique, erreurs, status=400)
    r = rapport(portee, mois, avec_synthetique=avec_synthetique)
    contenu = pdf_du_rapport(_contexte(r))
    journaliser(
        Evenement.EXPORT,
        request=request,
        details={
            "export": "pratiques",
            "format": "pdf",
            "portee": portee.cle,
            "mois": f"{mois:%Y-%m}",
            "synthetiques": avec_synthetique,
        },
    )
    reponse = HttpResponse(contenu, content_type="application/pdf")
    reponse["Content-Disposition"] = (
        f'attachment; filename="pratiques-{portee.cle.rstrip("-")}-{mois:%Y-%m}.pdf"'
    )
    reponse["Cache-Control"] = "private, no-store"
    return reponse
