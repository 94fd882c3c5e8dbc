from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from franceservices.core.limitation import limiter_debit
from franceservices.core.texte import normaliser
from franceservices.mediation.models import LieuMediation
from franceservices.territoires.models import Commune, ContourDepartement
from franceservices.territoires.recherche import chercher_communes

from .forms import RechercheForm
from .models import Structure
from .proximite import structures_proches

# Lieux de médiation numérique montrés à côté des France services (désactivables : ?mediation=non).
MEDIATION_RAYON_KM = 15
MEDIATION_LIMITE = 5


def _contexte_carte():
    return {"tuiles_url": settings.CARTE_TUILES_URL, "tuiles_attribution": settings.CARTE_TUILES_ATTRIBUTION}


@login_not_required
@require_GET
def accueil(request):
    return render(request, "structures/accueil.html", {"form": RechercheForm(), "commune_choisie": ""})


def _resoudre_commune(form, code_choisi: str):
    """La commune demandée et les autres correspondances (pour « Vouliez-vous dire… »)."""
    if code_choisi:
        commune = Commune.objects.select_related("departement", "commune_parente").par_code(code_choisi)
        if commune is not None:
            return commune, []
    q = form.cleaned_data["q"]
    trouvees = chercher_communes(q, 6)
    if not trouvees:
        return None, []
    premiere = trouvees[0]
    autres = trouvees[1:]
    code = q.strip()
    if normaliser(q) == premiere.nom_normalise:
        autres = [c for c in autres if c.nom_normalise == premiere.nom_normalise]  # homonymes seulement
    elif code in (premiere.code_insee, *premiere.liste_codes_postaux):
        autres = [c for c in autres if code in (c.code_insee, *c.liste_codes_postaux)]  # même code postal
    return premiere, autres


@login_not_required
@require_GET
@limiter_debit("recherche", methodes=("GET",))
def recherche(request):
    form = RechercheForm(request.GET)
    contexte = {
        "form": form,
        "commune": None,
        "autres_communes": [],
        "resultats": [],
        "origine": "",
        "ouvert_le": None,
        "carte": None,
        "commune_choisie": request.GET.get("commune", "")[:5],
        "avec_mediation": request.GET.get("mediation") != "non",
        "lieux_mediation": [],
        "rayon_mediation": MEDIATION_RAYON_KM,
        **_contexte_carte(),
    }
    if not form.is_valid():
        return render(request, "structures/recherche.html", contexte, status=200)
    commune, autres = None, []
    if (
        form.cleaned_data.get("lat") is not None
        and form.cleaned_data.get("lon") is not None
        and not form.cleaned_data["q"]
    ):
        lat, lon = form.cleaned_data["lat"], form.cleaned_data["lon"]
        origine = "votre position"
    else:
        commune, autres = _resoudre_commune(form, request.GET.get("commune", "").strip()[:5])
        if commune is None or commune.position is None:
            form.add_error(
                "q",
                f"Aucune commune ne correspond à « {form.cleaned_data['q']} ». Vérifiez l'orthographe ou saisissez un code postal.",
            )
            return render(request, "structures/recherche.html", contexte)
        lat, lon = commune.position
        origine = f"{commune.nom} ({commune.departement.code})"
    ouvert_le = form.ouvert_le()
    maintenant = timezone.now()
    resultats = [
        {
            "structure": s,
            "distance": d,
            "plage": s.plage_a(maintenant),
            "prochaine": s.prochaine_ouverture(maintenant),
        }
        for s, d in structures_proches(lat, lon, settings.RECHERCHE_RESULTATS_PAR_DEFAUT, ouvert_le)
    ]
    lieux_mediation = (
        LieuMediation.objects.proches(lat, lon, MEDIATION_RAYON_KM, MEDIATION_LIMITE)
        if contexte["avec_mediation"]
        else []
    )
    parametres = request.GET.copy()
    parametres["mediation"] = "oui" if not contexte["avec_mediation"] else "non"
    contexte.update(
        lieux_mediation=lieux_mediation,
        bascule_mediation=parametres.urlencode(),
        commune=commune,
        autres_communes=autres,
        resultats=resultats,
        origine=origine,
        ouvert_le=ouvert_le,
        carte={
            "centre": [lat, lon],
            "departements": sorted({r["structure"].departement.code for r in resultats}),
            "lieux": [
                {
                    "nom": r["structure"].nom,
                    "lat": r["structure"].latitude,
                    "lon": r["structure"].longitude,
                    "url": r["structure"].get_absolute_url(),
                    "rang": i,
                }
                for i, r in enumerate(resultats, start=1)
            ]
            + [
                {
                    "nom": f"Médiation numérique : {lieu.nom}",
                    "lat": lieu.latitude,
                    "lon": lieu.longitude,
                    "url": f"#lieu-mediation-{i}",
                    "rang": f"M{i}",
                    "type": "mediation",
                }
                for i, (lieu, _) in enumerate(lieux_mediation, start=1)
            ],
        },
    )
    return render(request, "structures/recherche.html", contexte)


@login_not_required
@require_GET
def detail(request, id_fs):
    structure = get_object_or_404(Structure.objects.pour_affichage(), id_fs=id_fs)
    maintenant = timezone.now()
    return render(
        request,
        "structures/detail.html",
        {
            "structure": structure,
            "plage": structure.plage_a(maintenant),
            "prochaine": structure.prochaine_ouverture(maintenant),
            "carte": {
                "centre": [structure.latitude, structure.longitude],
                "departements": [structure.departement.code],
                "lieux": [
                    {"nom": structure.nom, "lat": structure.latitude, "lon": structure.longitude, "rang": 1}
                ]
                if structure.latitude is not None
                else [],
            },
            **_contexte_carte(),
        },
    )


@login_not_required
@require_GET
@cache_control(public=True, max_age=86400)
def contour_departement(request, code):
    contour = (
        ContourDepartement.objects.select_related("departement")
        .filter(departement__code=code.upper())
        .first()
    )
    if contour is None:
        raise Http404("Département inconnu")
    proprietes = {"code": contour.departement.code, "nom": contour.departement.nom}
    return JsonResponse({"type": "Feature", "properties": proprietes, "geometry": contour.geometrie})


@login_not_required
@require_GET
def sante(request):
    with connection.cursor() as curseur:
        curseur.execute("SELECT 1")
    return JsonResponse({"statut": "ok"})
