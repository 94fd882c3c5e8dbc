"""Prise de rendez-vous publique, sans compte : choisir un besoin et un lieu, une France services, un créneau,
réserver ; puis, par le lien signé reçu, voir, annuler ou déplacer le rendez-vous, l'ajouter à son agenda.

Tout fonctionne sans JavaScript (formulaires GET, liens, POST classiques). Les paramètres reçus (type,
arrêt, début, semaine) sont tous revérifiés : un paramètre forgé donne un message, jamais une erreur 500.
Les heures s'affichent dans le fuseau de la France services.
"""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from franceservices.core import limitation
from franceservices.core.parametres import identifiant
from franceservices.core.texte import normaliser
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.structures.proximite import index
from franceservices.territoires.models import Commune
from franceservices.territoires.recherche import chercher_communes

from . import actions, messages
from .creneaux import SEMAINES_PAR_DEFAUT, contexte_de, creneaux_libres, creneaux_structure, est_reservable
from .forms import RechercheForm, ReservationForm, partenaires_avec_rendez_vous
from .models import Arret, RendezVous, Statut, TypeRendezVous

RESULTATS = 10
PORTEE_DEBIT = "rendez_vous"


# --- Outils -------------------------------------------------------------------------------------------


def limiter(vue):
    """Limitation de débit des POST publics (portée `rendez_vous` de LIMITES_DEBIT, à défaut `connexion`)."""

    def enveloppe(request, *args, **kwargs):
        if request.method == "POST":
            portee = PORTEE_DEBIT if PORTEE_DEBIT in settings.LIMITES_DEBIT else "connexion"
            if limitation.depasse(request, portee):
                return limitation.reponse_trop_de_requetes(request)
        return vue(request, *args, **kwargs)

    enveloppe.__name__ = vue.__name__
    enveloppe.__doc__ = vue.__doc__
    return enveloppe


def lien_rappel(partenaire=None) -> str:
    """La demande de rappel (application rappels), avec le partenaire s'il est connu."""
    try:
        url = reverse("rappels:demander_public")
    except NoReverseMatch:  # application rappels absente : l'adresse convenue
        url = "/rappels/demander/"
    return f"{url}?{urlencode({'partenaire': partenaire.code})}" if partenaire else url


def url_avec(nom: str, args, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse(nom, args=args) + (f"?{urlencode(params)}" if params else "")


entier = identifiant


def lire_debut(valeur: str) -> datetime | None:
    """Début ISO 8601 avec fuseau (« 2026-12-01T09:30:00+01:00 ») ; un « + » devenu espace est réparé."""
    valeur = (valeur or "").strip().replace(" ", "+")[:40]
    if not valeur:
        return None
    try:
        debut = datetime.fromisoformat(valeur)
    except ValueError:
        return None
    if not timezone.is_aware(debut) or not 2000 <= debut.year <= 2100:  # bornes : pas de débordement de date
        return None
    return debut


def lire_semaine(valeur: str, aujourd_hui: date) -> tuple[date, str]:
    """Lundi de la semaine demandée, borné aux 8 semaines proposées ; et un message si corrigé."""
    premier = aujourd_hui - timedelta(days=aujourd_hui.weekday())
    dernier = premier + timedelta(weeks=SEMAINES_PAR_DEFAUT - 1)
    if not valeur:
        return premier, ""
    try:
        jour = date.fromisoformat(valeur.strip()[:10])
    except ValueError:
        return premier, "Date de semaine illisible : voici la semaine en cours."
    lundi = jour - timedelta(days=jour.weekday())
    if lundi < premier:
        return premier, "Cette semaine est passée : voici la semaine en cours."
    if lundi > dernier:
        return dernier, f"Les rendez-vous se prennent {SEMAINES_PAR_DEFAUT} semaines à l'avance au plus."
    return lundi, ""


def structure_ou_404(structure_id: int) -> Structure:
    return get_object_or_404(Structure.objects.select_related("departement", "commune"), pk=structure_id)


def types_de(structure, partenaire=None) -> list[TypeRendezVous]:
    types = TypeRendezVous.objects.filter(structure=structure, actif=True).select_related("partenaire")
    if partenaire is not None:
        types = types.filter(partenaire=partenaire)
    return list(types.order_by("libelle", "pk"))


def choisir(structure, request_params, partenaire=None):
    """Type et arrêt demandés, vérifiés contre la structure : (types, type, arrets, arret, erreurs)."""
    erreurs = []
    tous = types_de(structure)
    types = [t for t in tous if partenaire is None or t.partenaire_id == partenaire.pk] or tous
    type_ = None
    if "type" in request_params:
        pk = entier(request_params.get("type"))
        type_ = next((t for t in tous if t.pk == pk), None)
        if type_ is None:
            erreurs.append("Ce type de rendez-vous n'est pas proposé par cette France services.")
    if type_ is None and len(types) == 1:
        type_ = types[0]
    arrets = list(Arret.objects.filter(structure=structure).select_related("commune"))
    arret = None
    if arrets:
        if request_params.get("arret"):
            pk = entier(request_params.get("arret"))
            arret = next((a for a in arrets if a.pk == pk), None)
            if arret is None:
                erreurs.append("Cet arrêt n'est pas desservi par cette France services.")
        if arret is None and len(arrets) == 1:
            arret = arrets[0]
    elif request_params.get("arret"):
        erreurs.append("Cette France services n'a pas d'arrêt itinérant.")
    return types, type_, arrets, arret, erreurs


def rendre(request, structure, gabarit, contexte, status=200):
    """Rend la page dans le fuseau de la France services (heures locales)."""
    with timezone.override(structure.fuseau):
        return render(request, gabarit, {"structure": structure, **contexte}, status=status)


# --- Accueil : besoin et lieu -----------------------------------------------------------------------------


def resoudre_commune(q: str, code_choisi: str):
    """La commune demandée et ses homonymes (pour « Vouliez-vous dire… »)."""
    if code_choisi:
        commune = Commune.objects.select_related("departement", "commune_parente").par_code(code_choisi)
        if commune is not None:
            return commune, []
    trouvees = chercher_communes(q, 6)
    if not trouvees:
        return None, []
    premiere, autres = trouvees[0], trouvees[1:]
    code = q.strip()
    if normaliser(q) == premiere.nom_normalise:
        autres = [c for c in autres if c.nom_normalise == premiere.nom_normalise]
    elif code in (premiere.code_insee, *premiere.liste_codes_postaux):
        autres = [c for c in autres if code in (c.code_insee, *c.liste_codes_postaux)]
    else:
        autres = []
    return premiere, autres


def structures_avec_rendez_vous(partenaire=None) -> set[int]:
    types = TypeRendezVous.objects.filter(actif=True)
    if partenaire is not None:
        types = types.filter(partenaire=partenaire)
    return set(types.values_list("structure_id", flat=True).distinct())


@login_not_required
@require_GET
def accueil(request):
    partenaires = list(partenaires_avec_rendez_vous())
    soumis = "q" in request.GET
    form = RechercheForm(request.GET if soumis else None, partenaires=partenaires)
    contexte = {"form": form, "resultats": None, "commune": None, "autres_communes": [], "partenaire": None}
    if soumis and form.is_valid():
        partenaire = form.cleaned_data["partenaire"]
        contexte["partenaire"] = partenaire
        commune, autres = resoudre_commune(form.cleaned_data["q"], request.GET.get("commune", "")[:5])
        if commune is None or commune.position is None:
            form.add_error(
                "q",
                f"Aucune commune ne correspond à « {form.cleaned_data['q']} ». "
                "Vérifiez l'orthographe ou saisissez un code postal.",
            )
        else:
            lat, lon = commune.position
            proposees = structures_avec_rendez_vous(partenaire)
            proches = index().plus_proches(lat, lon, RESULTATS, filtre=proposees.__contains__)
            structures = Structure.objects.select_related("commune", "departement").in_bulk(
                [pk for _, pk in proches]
            )
            contexte.update(
                commune=commune,
                autres_communes=autres,
                resultats=[
                    {
                        "structure": structures[pk],
                        "distance": distance,
                        "url": url_avec(
                            "rdv:structure", [pk], partenaire=partenaire.code if partenaire else None
                        ),
                    }
                    for distance, pk in proches
                    if pk in structures
                ],
                lien_rappel=lien_rappel(partenaire),
            )
    return render(request, "rendezvous/public/accueil.html", contexte)


# --- Une France services : types, arrêts, créneaux de la semaine -------------------------------------------


def _jours(lundi: date, creneaux: list[datetime], fuseau) -> list[dict]:
    jours = [{"jour": lundi + timedelta(days=n), "creneaux": []} for n in range(7)]
    for c in creneaux:
        jours[(c.astimezone(fuseau).date() - lundi).days]["creneaux"].append(c)
    return [j for j in jours if j["creneaux"]]


@login_not_required
@require_GET
def structure(request, structure_id):
    s = structure_ou_404(structure_id)
    code = (request.GET.get("partenaire") or "").strip()[:20]
    partenaire = Partenaire.objects.filter(code=code).first() if code else None
    types, type_, arrets, arret, erreurs = choisir(s, request.GET, partenaire)
    if code and partenaire is None:
        erreurs.append("Ce partenaire est inconnu : voici tous les rendez-vous de la France services.")
    partenaire_sans_type = partenaire is not None and not any(t.partenaire_id == partenaire.pk for t in types)
    maintenant = timezone.now()
    aujourd_hui = maintenant.astimezone(s.fuseau).date()
    lundi, message_semaine = lire_semaine(request.GET.get("semaine", ""), aujourd_hui)
    if message_semaine:
        erreurs.append(message_semaine)
    contexte = {
        "partenaire": partenaire,
        "partenaire_sans_type": partenaire_sans_type,
        "types": types,
        "type_choisi": type_,
        "arrets": arrets,
        "arret_choisi": arret,
        "erreurs": erreurs,
        "lundi": lundi,
        "dimanche": lundi + timedelta(days=6),
        "jours": [],
        "prochain": None,
        "lien_rappel": lien_rappel(partenaire),
        "precedente": None,
        "suivante": None,
        "code_partenaire": partenaire.code if partenaire else "",
    }
    base = {
        "partenaire": partenaire.code if partenaire else None,
        "type": type_.pk if type_ else None,
        "arret": arret.pk if arret else None,
    }
    contexte["urls_types"] = [
        (t, url_avec("rdv:structure", [s.pk], **(base | {"type": t.pk}))) for t in types
    ]
    contexte["urls_arrets"] = [
        (a, url_avec("rdv:structure", [s.pk], **(base | {"arret": a.pk}))) for a in arrets
    ]
    if type_ is not None and (arret is not None or not arrets):
        dimanche = lundi + timedelta(days=6)
        creneaux = creneaux_libres(contexte_de(s, type_, lundi, dimanche, arret), lundi, dimanche, maintenant)
        contexte["jours"] = [
            {
                **j,
                "liens": [
                    (
                        c,
                        url_avec(
                            "rdv:reserver",
                            [s.pk],
                            type=type_.pk,
                            debut=c.isoformat(),
                            arret=arret.pk if arret else None,
                            partenaire=base["partenaire"],
                        ),
                    )
                    for c in j["creneaux"]
                ],
            }
            for j in _jours(lundi, creneaux, s.fuseau)
        ]
        premier = aujourd_hui - timedelta(days=aujourd_hui.weekday())
        if lundi > premier:
            contexte["precedente"] = url_avec(
                "rdv:structure", [s.pk], **(base | {"semaine": (lundi - timedelta(weeks=1)).isoformat()})
            )
        if lundi < premier + timedelta(weeks=SEMAINES_PAR_DEFAUT - 1):
            contexte["suivante"] = url_avec(
                "rdv:structure", [s.pk], **(base | {"semaine": (lundi + timedelta(weeks=1)).isoformat()})
            )
        if not creneaux:
            restants = SEMAINES_PAR_DEFAUT - (lundi - premier).days // 7 - 1
            if restants > 0:
                suivants = creneaux_structure(
                    s,
                    type_,
                    du=lundi + timedelta(weeks=1),
                    semaines=restants,
                    maintenant=maintenant,
                    arret=arret,
                )
                if suivants:
                    local = suivants[0].astimezone(s.fuseau).date()
                    contexte["prochain"] = (
                        suivants[0],
                        url_avec("rdv:structure", [s.pk], **(base | {"semaine": local.isoformat()})),
                    )
    return rendre(request, s, "rendezvous/public/structure.html", contexte, status=400 if erreurs else 200)


# --- Réserver --------------------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@limiter
def reserver(request, structure_id):
    s = structure_ou_404(structure_id)
    params = request.POST if request.method == "POST" else request.GET
    _types, type_, arrets, arret, erreurs = choisir(s, params)
    debut = lire_debut(params.get("debut", ""))
    if type_ is None and not erreurs:
        erreurs.append("Choisissez d'abord un type de rendez-vous.")
    if arrets and arret is None and not erreurs:
        erreurs.append("Choisissez d'abord l'arrêt de la France services itinérante.")
    if debut is None:
        erreurs.append("L'heure du rendez-vous est illisible : choisissez un créneau dans la liste.")
    code = (params.get("partenaire") or "").strip()[:20]
    retour = url_avec(
        "rdv:structure",
        [s.pk],
        partenaire=code or None,
        type=type_.pk if type_ else None,
        arret=arret.pk if arret else None,
        semaine=debut.astimezone(s.fuseau).date().isoformat() if debut else None,
    )
    contexte = {
        "type_choisi": type_,
        "arret_choisi": arret,
        "debut": debut,
        "debut_iso": debut.isoformat() if debut else "",
        "fin": debut + timedelta(minutes=type_.duree) if debut and type_ else None,
        "retour": retour,
        "code_partenaire": code,
        "erreurs": erreurs,
        "erreur_creneau": "",
        "lien_rappel": lien_rappel(),
    }
    if erreurs:
        return rendre(request, s, "rendezvous/public/reserver.html", {**contexte, "form": None}, status=400)
    maintenant = timezone.now()
    if request.method == "GET":
        jour = debut.astimezone(s.fuseau).date()
        contexte["erreur_creneau"] = est_reservable(
            contexte_de(s, type_, jour, jour, arret), debut, maintenant
        )
        return rendre(
            request,
            s,
            "rendezvous/public/reserver.html",
            {**contexte, "form": None if contexte["erreur_creneau"] else ReservationForm()},
            status=409 if contexte["erreur_creneau"] else 200,
        )
    form = ReservationForm(request.POST)
    if form.is_valid():
        try:
            rdv = actions.reserver(
                structure=s,
                type_=type_,
                debut=debut,
                nom=form.cleaned_data["nom"],
                telephone=form.cleaned_data["telephone"],
                courriel=form.cleaned_data["courriel"],
                arret=arret,
                request=request,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for champ, liste in exc.message_dict.items():
                    form.add_error(champ if champ in form.fields else None, liste)
            else:
                contexte["erreur_creneau"] = " ".join(exc.messages)
        else:
            return redirect(url_avec("rdv:gerer", [rdv.pk, rdv.jeton], reserve=1))
    statut = 409 if contexte["erreur_creneau"] else 200
    return rendre(request, s, "rendezvous/public/reserver.html", {**contexte, "form": form}, status=statut)


# --- Gérer son rendez-vous (lien signé) -------------------------------------------------------------------


def rendez_vous_du_lien(pk: int, jeton: str):
    rdv = (
        RendezVous.objects.select_related(
            "type__partenaire", "structure__departement", "structure__commune", "arret__commune"
        )
        .filter(pk=pk)
        .first()
    )
    if rdv is None or not rdv.jeton_valide(jeton):
        return None
    return rdv


def lien_non_valide(request):
    return render(request, "rendezvous/public/lien_non_valide.html", status=404)


def etat(rdv, maintenant) -> dict:
    modifiable = rdv.statut == Statut.PREVU and rdv.debut > maintenant and rdv.anonymise_le is None
    if rdv.anonymise_le is not None:
        raison = "Ce rendez-vous est terminé et vos coordonnées ont été effacées."
    elif rdv.statut == Statut.ANNULE:
        raison = "Ce rendez-vous est annulé."
    elif not modifiable:
        raison = "Ce rendez-vous est passé : il ne peut plus être annulé ni déplacé."
    else:
        raison = ""
    return {"modifiable": modifiable, "raison": raison}


def _contexte_rdv(rdv, maintenant, **autres) -> dict:
    remplacant = getattr(rdv, "deplace_vers", None) if rdv.statut == Statut.ANNULE else None
    return {
        "rdv": rdv,
        "jeton": rdv.jeton,
        "lieu": messages.lieu(rdv),
        "remplacant": remplacant,
        "lien_remplacant": reverse("rdv:gerer", args=[remplacant.pk, remplacant.jeton]) if remplacant else "",
        "lien_nouveau": url_avec("rdv:structure", [rdv.structure_id], type=rdv.type_id),
        "lien_gestion": messages.lien_gestion(rdv),
        **etat(rdv, maintenant),
        **autres,
    }


@login_not_required
@never_cache
@require_GET
def gerer(request, pk, jeton):
    rdv = rendez_vous_du_lien(pk, jeton)
    if rdv is None:
        return lien_non_valide(request)
    contexte = _contexte_rdv(
        rdv,
        timezone.now(),
        reserve="reserve" in request.GET,
        deplace="deplace" in request.GET,
        annule="annule" in request.GET,
    )
    return rendre(request, rdv.structure, "rendezvous/public/gerer.html", contexte)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@limiter
def annuler(request, pk, jeton):
    rdv = rendez_vous_du_lien(pk, jeton)
    if rdv is None:
        return lien_non_valide(request)
    erreur = ""
    if request.method == "POST":
        try:
            actions.annuler(rendez_vous=rdv, jeton=jeton, request=request)
        except ValidationError as exc:
            erreur = " ".join(exc.messages)
        else:
            return redirect(url_avec("rdv:gerer", [rdv.pk, jeton], annule=1))
    contexte = _contexte_rdv(rdv, timezone.now(), erreur=erreur)
    return rendre(
        request, rdv.structure, "rendezvous/public/annuler.html", contexte, status=409 if erreur else 200
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@limiter
def deplacer(request, pk, jeton):
    rdv = rendez_vous_du_lien(pk, jeton)
    if rdv is None:
        return lien_non_valide(request)
    s = rdv.structure
    maintenant = timezone.now()
    params = request.POST if request.method == "POST" else request.GET
    erreurs = []
    debut = None
    if params.get("debut"):
        debut = lire_debut(params["debut"])
        if debut is None:
            erreurs.append("L'heure choisie est illisible : choisissez un créneau dans la liste.")
    erreur_creneau = ""
    if request.method == "POST" and debut is not None:
        try:
            nouveau = actions.deplacer(rendez_vous=rdv, debut=debut, jeton=jeton, request=request)
        except ValidationError as exc:
            erreur_creneau = " ".join(exc.messages)
        else:
            return redirect(url_avec("rdv:gerer", [nouveau.pk, nouveau.jeton], deplace=1))
    elif request.method == "POST":
        erreurs.append("Choisissez un nouveau créneau.")
    contexte = _contexte_rdv(rdv, maintenant)
    aujourd_hui = maintenant.astimezone(s.fuseau).date()
    semaine = params.get("semaine", "")
    if not semaine and debut is not None:
        semaine = debut.astimezone(s.fuseau).date().isoformat()
    if not semaine and rdv.debut > maintenant:
        semaine = rdv.debut.astimezone(s.fuseau).date().isoformat()
    lundi, message_semaine = lire_semaine(semaine, aujourd_hui)
    if message_semaine and params.get("semaine"):
        erreurs.append(message_semaine)
    contexte.update(
        erreurs=erreurs,
        erreur_creneau=erreur_creneau,
        debut=debut if debut is not None and not erreur_creneau else None,
        debut_iso=debut.isoformat() if debut else "",
        lundi=lundi,
        dimanche=lundi + timedelta(days=6),
        jours=[],
        precedente=None,
        suivante=None,
    )
    if contexte["modifiable"]:
        if debut is not None and request.method == "GET":
            jour = debut.astimezone(s.fuseau).date()
            raison = est_reservable(contexte_de(s, rdv.type, jour, jour, rdv.arret), debut, maintenant)
            if raison and debut != rdv.debut:
                contexte.update(erreur_creneau=raison, debut=None)
        dimanche = lundi + timedelta(days=6)
        creneaux = creneaux_libres(
            contexte_de(s, rdv.type, lundi, dimanche, rdv.arret), lundi, dimanche, maintenant
        )
        lien = reverse("rdv:deplacer", args=[rdv.pk, jeton])
        contexte["jours"] = [
            {**j, "liens": [(c, f"{lien}?{urlencode({'debut': c.isoformat()})}") for c in j["creneaux"]]}
            for j in _jours(lundi, creneaux, s.fuseau)
        ]
        premier = aujourd_hui - timedelta(days=aujourd_hui.weekday())
        if lundi > premier:
            contexte["precedente"] = (
                f"{lien}?{urlencode({'semaine': (lundi - timedelta(weeks=1)).isoformat()})}"
            )
        if lundi < premier + timedelta(weeks=SEMAINES_PAR_DEFAUT - 1):
            contexte["suivante"] = (
                f"{lien}?{urlencode({'semaine': (lundi + timedelta(weeks=1)).isoformat()})}"
            )
    statut = 409 if erreur_creneau or contexte["erreur_creneau"] else (400 if erreurs else 200)
    return rendre(request, s, "rendezvous/public/deplacer.html", contexte, status=statut)


@login_not_required
@never_cache
@require_GET
def agenda_ics(request, pk, jeton):
    rdv = rendez_vous_du_lien(pk, jeton)
    if rdv is None or rdv.anonymise_le is not None:
        return lien_non_valide(request)
    methode = "CANCEL" if rdv.statut == Statut.ANNULE else "PUBLISH"
    reponse = HttpResponse(messages.ics(rdv, methode), content_type="text/calendar; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="rendez-vous-{rdv.pk}.ics"'
    reponse["Cache-Control"] = "private, no-store"
    return reponse
