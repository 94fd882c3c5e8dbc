"""Canal téléphonique : demande de rappel publique, saisie par un agent ou une plateforme de partenaire, file
des rappels, fiche (attribution, tentatives, clôture avec la demande d'activité), indicateurs.

Toute lecture part de `DemandeRappel.objects.visible_par(request.user)` : hors périmètre → 404. Ouvrir une
fiche, c'est voir un numéro de téléphone : accès journalisé (`ACCES_DONNEES_PERSONNELLES`). Les écritures
passent par `actions` (audit `RAPPEL_DEMANDE` / `RAPPEL_TRAITE`). Les conseillers numériques et les comptes
sans habilitation n'ont pas de file (page d'explication, 403).
"""

import csv
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.core.audit import journaliser
from franceservices.core.exports import Echo, neutraliser
from franceservices.core.limitation import depasse
from franceservices.core.models import Evenement
from franceservices.core.telephone import afficher_telephone
from franceservices.partenaires.models import Partenaire
from franceservices.structures.horaires import fuseau_du_departement
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune, Departement

from . import actions
from . import indicateurs as calcul
from .forms import (
    AttribuerForm,
    ClotureForm,
    DemandePubliqueForm,
    FiltreForm,
    SaisieRappelForm,
    TentativeForm,
    libelle_commune,
    partenaires_actifs,
)
from .models import STATUTS_CLOS, Creneau, DemandeRappel, Origine, Statut
from .purge import conservation_jours

PAR_PAGE = 25
SEL_CONFIRMATION = "rappels.confirmation"
SANS_ACCES = (
    "La file des rappels est réservée aux France services (agents et responsables), aux animateurs "
    "départementaux, aux préfectures, aux référents des partenaires et à l'équipe nationale."
)
JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def _refus(request, titre, message, status=403):
    return refuser(request, titre, message, status)


def _heure_locale(instant, departement_code: str):
    return timezone.localtime(instant, fuseau_du_departement(departement_code))


def _duree(delta: timedelta) -> str:
    """« 2 j 5 h », « 3 h », « 40 min »."""
    minutes = int(abs(delta).total_seconds() // 60)
    jours, reste = divmod(minutes, 1440)
    heures, minutes = divmod(reste, 60)
    if jours:
        return f"{jours} j {heures} h" if heures else f"{jours} j"
    if heures:
        return f"{heures} h"
    return f"{minutes} min"


def temps_restant(rappel, maintenant) -> str:
    if rappel.est_clos:
        return ""
    delta = rappel.echeance - maintenant
    return f"en retard de {_duree(delta)}" if delta.total_seconds() < 0 else f"reste {_duree(delta)}"


def creneaux_lisibles(creneaux) -> list[str]:
    libelles = dict(Creneau.choices)
    lisibles = []
    for c in creneaux or []:
        if isinstance(c, str):
            lisibles.append(libelles.get(c, c))
        elif isinstance(c, dict):
            lisibles.append(f"Le {JOURS[c['jour']]} entre {c['debut']} et {c['fin']}")
    return lisibles


# — Demande publique —


def _limite_atteinte(request) -> bool:
    portee = "rappel" if "rappel" in settings.LIMITES_DEBIT else "connexion"
    return depasse(request, portee)


def _initial_public(request) -> dict:
    """Contrat avec le guichet unique : `?partenaire=<code>&commune=<code INSEE>` préremplissent le formulaire ;
    une valeur inconnue est ignorée (le formulaire reste utilisable)."""
    initial = {}
    code = request.GET.get("partenaire", "").strip()
    if code and len(code) <= 20 and Partenaire.objects.filter(code=code, actif=True).exists():
        initial["partenaire"] = code
    insee = request.GET.get("commune", "").strip().upper()
    if len(insee) == 5 and insee.isalnum():
        commune = Commune.objects.par_code(insee)
        if commune is not None:
            initial["commune"] = libelle_commune(commune)
    return initial


@login_not_required
@require_http_methods(["GET", "POST"])
def demander_public(request):
    contexte = {"titre": "Être rappelé par une France services", "conservation_jours": conservation_jours()}
    if request.method == "POST":
        form = DemandePubliqueForm(request.POST)
        if _limite_atteinte(request):
            form.is_valid()
            form.add_error(
                None,
                "Trop de demandes envoyées depuis votre connexion : attendez une minute puis renvoyez le "
                "formulaire. Votre saisie est conservée ci-dessous.",
            )
            return render(request, "rappels/demander.html", {**contexte, "form": form}, status=429)
        if form.is_valid():
            d = form.cleaned_data
            structure, departement = actions.acheminer(d["commune"])
            try:
                rappel = actions.demander_rappel(
                    telephone=d["telephone"],
                    besoin=d["besoin"],
                    consentement=d["consentement"],
                    origine=Origine.FORMULAIRE_PUBLIC,
                    structure=structure,
                    departement=departement,
                    partenaire=d["partenaire"],
                    creneaux=d["creneaux"],
                    courriel=d["courriel"],
                )
            except ValidationError as erreur:
                form.add_error(None, erreur.messages)
            else:
                jeton = signing.dumps(rappel.pk, salt=SEL_CONFIRMATION)
                return redirect(f"{reverse('rappels:confirmation')}?{'j=' + jeton}")
        return render(request, "rappels/demander.html", {**contexte, "form": form})
    form = DemandePubliqueForm(initial=_initial_public(request))
    return render(request, "rappels/demander.html", {**contexte, "form": form})


@login_not_required
@require_GET
def confirmation(request):
    """« Vous serez rappelé avant le … » : d'après un jeton signé (pas d'identifiant devinable, valable un
    jour). Ni le numéro ni le besoin ne sont réaffichés."""
    try:
        pk = signing.loads(request.GET.get("j", ""), salt=SEL_CONFIRMATION, max_age=86400)
    except signing.BadSignature:
        raise Http404("Lien de confirmation invalide ou expiré.") from None
    rappel = get_object_or_404(DemandeRappel.objects.select_related("structure", "departement"), pk=pk)
    return render(
        request,
        "rappels/confirmation.html",
        {
            "titre": "Demande de rappel enregistrée",
            "rappel": rappel,
            "echeance": _heure_locale(rappel.echeance, rappel.departement.code),
            "conservation_jours": conservation_jours(),
        },
    )


# — Saisie par un agent ou une plateforme de partenaire —


def _choix_saisie(perimetre):
    """(structures, départements, partenaires, partenaire obligatoire) proposés à la saisie."""
    structures = list(
        Structure.objects.filter(pk__in=perimetre.structures).select_related("departement").order_by("nom")
    )
    if perimetre.national or perimetre.partenaires_nationaux:
        departements = list(Departement.objects.order_by("code"))
    else:
        departements = list(
            Departement.objects.filter(
                pk__in=perimetre.departements_animateur
                | perimetre.departements_prefecture
                | {d for _, d in perimetre.partenaires if d is not None}
            ).order_by("code")
        )
    referent_seulement = bool(perimetre.partenaires) and not (
        perimetre.national
        or structures
        or perimetre.departements_animateur
        or perimetre.departements_prefecture
    )
    if referent_seulement:
        partenaires = list(
            Partenaire.objects.filter(pk__in={p for p, _ in perimetre.partenaires}).order_by("nom_court")
        )
    else:
        partenaires = list(partenaires_actifs())
    return structures, departements, partenaires, referent_seulement


@require_http_methods(["GET", "POST"])
def nouveau(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_rappels:
        return _refus(request, "Enregistrer une demande de rappel", SANS_ACCES)
    structures, departements, partenaires, referent = _choix_saisie(perimetre)
    origine = Origine.PLATEFORME_PARTENAIRE if referent else Origine.AGENT
    options = {
        "structures": structures,
        "departements": departements,
        "partenaires": partenaires,
        "partenaire_obligatoire": referent,
    }
    if request.method == "POST":
        form = SaisieRappelForm(request.POST, **options)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    rappel = actions.demander_rappel(
                        par=request.user,
                        telephone=d["telephone"],
                        besoin=d["besoin"],
                        consentement=d["consentement"],
                        origine=origine,
                        structure=d["structure"],
                        departement=d["departement"],
                        partenaire=d["partenaire"],
                        creneaux=d["creneaux"],
                    )
                    # Le périmètre est vérifié sur l'objet créé : une demande qu'on ne verrait pas est refusée.
                    if not DemandeRappel.objects.visible_par(request.user).filter(pk=rappel.pk).exists():
                        raise ValidationError(
                            "Cette demande sortirait de votre périmètre : choisissez une France services ou un "
                            "département (et un partenaire) dont vous avez la charge."
                        )
            except ValidationError as erreur:
                form.add_error(None, erreur.messages)
            else:
                echeance = _heure_locale(rappel.echeance, rappel.departement.code)
                messages.success(
                    request,
                    f"Demande de rappel enregistrée : rappel attendu avant le {echeance:%d/%m/%Y à %H:%M}.",
                )
                return redirect("rappels:detail", pk=rappel.pk)
        status = 200
    else:
        initial = {}
        if len(partenaires) == 1:
            initial["partenaire"] = partenaires[0].code
        form = SaisieRappelForm(initial=initial, **options)
        status = 200
    return render(
        request,
        "rappels/nouveau.html",
        {
            "titre": "Enregistrer une demande de rappel",
            "form": form,
            "origine": Origine(origine).label,
            "conservation_jours": conservation_jours(),
        },
        status=status,
    )


# — File —


def _phrase(perimetre) -> str:
    if perimetre.national:
        quoi = "toutes les demandes de rappel"
    else:
        parties = []
        if perimetre.structures:
            parties.append("celles de vos France services")
        if perimetre.departements_animateur or perimetre.departements_prefecture:
            parties.append("celles de vos départements (avec ou sans France services)")
        if perimetre.partenaires:
            parties.append("celles de votre partenaire sur votre territoire")
        quoi = "les demandes de rappel de votre périmètre : " + ", ".join(parties)
    return f"Vous voyez {quoi}, {perimetre.explication()}."


@require_GET
def file(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_rappels:
        return _refus(request, "Demandes de rappel", SANS_ACCES)
    maintenant = timezone.now()
    visibles = DemandeRappel.objects.visible_par(request.user)
    # Filtre par France services : les miennes, et celles qui ont des demandes ouvertes dans mon périmètre.
    structures = Structure.objects.filter(
        Q(pk__in=perimetre.structures)
        | Q(pk__in=visibles.ouvertes().filter(structure__isnull=False).values("structure_id"))
    ).order_by("nom")
    departements = Departement.objects.filter(pk__in=visibles.values("departement_id")).order_by("code")
    form = FiltreForm(request.GET or None, structures=structures, departements=departements)
    qs = visibles.ouvertes()
    filtre_actif = False
    if form.is_bound and form.is_valid():
        f = form.cleaned_data
        if f["statut"] == "toutes":
            qs = visibles
        elif f["statut"] == "closes":
            qs = visibles.filter(statut__in=STATUTS_CLOS)
        elif f["statut"]:
            qs = visibles.filter(statut=f["statut"])
        if f["structure"]:
            qs = qs.filter(structure_id=f["structure"])
        if f["departement"]:
            qs = qs.filter(departement_id=f["departement"])
        if f["attribution"] == "moi":
            qs = qs.filter(attribuee_a=request.user)
        elif f["attribution"] == "personne":
            qs = qs.filter(attribuee_a__isnull=True)
        if f["en_retard"]:
            qs = qs.en_retard(maintenant)
        filtre_actif = any(f.values())
    # Tri et pagination sur les identifiants, puis lecture de la page avec ses jointures.
    ordre = qs.order_by("echeance", "pk").values_list("pk", flat=True)
    page = Paginator(ordre, PAR_PAGE).get_page(request.GET.get("page"))
    lues = DemandeRappel.objects.select_related(
        "structure", "departement", "partenaire", "attribuee_a"
    ).in_bulk(list(page.object_list))
    page.object_list = [lues[pk] for pk in page.object_list if pk in lues]
    for r in page.object_list:
        r.reste = temps_restant(r, maintenant)
        r.retard = r.en_retard(maintenant)
    parametres = request.GET.copy()
    parametres.pop("page", None)
    compteurs = (
        visibles.ouvertes()
        .order_by()
        .aggregate(
            ouvertes=Count("pk"),
            en_retard=Count("pk", filter=Q(echeance__lt=maintenant)),
            non_attribuees=Count("pk", filter=Q(attribuee_a__isnull=True)),
            a_moi=Count("pk", filter=Q(attribuee_a=request.user)),
        )
    )
    return render(
        request,
        "rappels/file.html",
        {
            "titre": "Demandes de rappel",
            "form": form,
            "page": page,
            "filtre_actif": filtre_actif,
            "compteurs": compteurs,
            "phrase": _phrase(perimetre),
            "peut_saisir_appel": perimetre.saisit_des_demandes,
            "parametres": parametres.urlencode(),
            "delai_heures": int(getattr(settings, "RAPPELS_DELAI_HEURES", 48)),
        },
    )


# — Fiche —


def _rappel_visible(request, pk) -> DemandeRappel:
    return get_object_or_404(
        DemandeRappel.objects.visible_par(request.user).select_related(
            "structure", "departement", "partenaire", "attribuee_a", "demande"
        ),
        pk=pk,
    )


def _collegues(rappel) -> list:
    """Les personnes à qui attribuer la demande : l'équipe de la France services ; pour une file
    départementale, les animateurs et préfectures du département et les référents du partenaire."""
    habilitations = Habilitation.objects.actives()
    if rappel.structure_id is not None:
        q = Q(role__in=[Role.AGENT, Role.RESPONSABLE], structure_id=rappel.structure_id)
    else:
        q = Q(role__in=[Role.ANIMATEUR, Role.COORDINATEUR_PREFECTURE], departement_id=rappel.departement_id)
        if rappel.partenaire_id is not None:
            q |= Q(role=Role.REFERENT_PARTENAIRE, partenaire_id=rappel.partenaire_id) & (
                Q(departement_id=rappel.departement_id) | Q(departement__isnull=True)
            )
    ids = habilitations.filter(q).values("utilisateur_id")
    return list(
        Utilisateur.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "email")
    )


def _structures_cloture(request, rappel) -> list:
    """France services où enregistrer la demande d'activité de l'appel : celle du rappel si c'est la mienne,
    sinon les miennes ; aucune si je n'ai pas de France services (animateur, référent…)."""
    from franceservices.activite.views import _structures_de_saisie

    perimetre = perimetre_de(request.user)
    structures = _structures_de_saisie(perimetre)
    if rappel.structure_id in perimetre.structures:
        structures = [s for s in structures if s.pk == rappel.structure_id]
    return structures


def _formulaires_cloture(request, rappel, data=None):
    from franceservices.activite.views_appel import formulaires_appel

    structures = _structures_cloture(request, rappel)
    if not structures:
        return structures, None, None
    initial_demande = {"partenaire": str(rappel.partenaire_id)} if rappel.partenaire_id else {}
    visite, demandes = formulaires_appel(data, structures=structures, initial_demande=initial_demande)
    return structures, visite, demandes


def _rendre_detail(request, rappel, *, status=200, **formulaires):
    maintenant = timezone.now()
    collegues = _collegues(rappel)
    structures, visite, demandes = (
        (formulaires.pop("structures"), formulaires.pop("visite"), formulaires.pop("demandes"))
        if "visite" in formulaires
        else _formulaires_cloture(request, rappel)
    )
    tentatives = list(rappel.tentatives.select_related("agent"))
    return render(
        request,
        "rappels/detail.html",
        {
            "titre": f"Demande de rappel n° {rappel.pk}",
            "rappel": rappel,
            "telephone": afficher_telephone(rappel.telephone) if rappel.telephone else "",
            "creneaux": creneaux_lisibles(rappel.creneaux),
            "tentatives": tentatives,
            "echeance": _heure_locale(rappel.echeance, rappel.departement.code),
            "reste": temps_restant(rappel, maintenant),
            "retard": rappel.en_retard(maintenant),
            "modifiable": not rappel.est_clos and rappel.anonymisee_le is None,
            "a_moi": rappel.attribuee_a_id == request.user.pk,
            "attribuer_form": formulaires.get("attribuer_form")
            or AttribuerForm(initial={"a": rappel.attribuee_a_id}, collegues=collegues),
            "peut_attribuer": bool(collegues),
            "tentative_form": formulaires.get("tentative_form") or TentativeForm(),
            "cloture_form": formulaires.get("cloture_form")
            or ClotureForm(initial={"saisir": bool(structures)}),
            "visite": visite,
            "demandes": demandes,
            "ligne": (demandes.forms[0] if demandes.forms else demandes.empty_form)
            if demandes is not None
            else None,
            "une_structure": structures[0] if len(structures) == 1 else None,
            "erreurs_appel": formulaires.get("erreurs_appel", []),
        },
        status=status,
    )


@require_GET
def detail(request, pk):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_rappels:
        return _refus(request, "Demandes de rappel", SANS_ACCES)
    rappel = _rappel_visible(request, pk)
    if rappel.anonymisee_le is None:
        journaliser(
            Evenement.ACCES_DONNEES_PERSONNELLES,
            request=request,
            cible=rappel,
            details={"objet": "rappel", "action": "rappel_consulte"},
        )
    return _rendre_detail(request, rappel)


def _refus_action(request, rappel, erreur, **formulaires):
    messages.error(request, " ".join(erreur.messages) if isinstance(erreur, ValidationError) else str(erreur))
    rappel.refresh_from_db()
    return _rendre_detail(request, rappel, **formulaires)


@require_POST
def attribuer(request, pk):
    rappel = _rappel_visible(request, pk)
    if "moi" in request.POST:
        a = request.user
        form = None
    else:
        form = AttribuerForm(request.POST, collegues=_collegues(rappel))
        if not form.is_valid():
            return _rendre_detail(request, rappel, attribuer_form=form)
        a = form.cleaned_data["a"]
    try:
        actions.attribuer_rappel(par=request.user, rappel=rappel, a=a)
    except (ValidationError, PermissionDenied) as erreur:
        return _refus_action(request, rappel, erreur, **({"attribuer_form": form} if form else {}))
    if a is None:
        messages.success(request, "Demande remise dans la file (non attribuée).")
    elif a == request.user:
        messages.success(request, "Demande attribuée à vous.")
    else:
        messages.success(request, f"Demande attribuée à {a.get_full_name() or a.email}.")
    return redirect("rappels:detail", pk=rappel.pk)


@require_POST
def tentative(request, pk):
    rappel = _rappel_visible(request, pk)
    form = TentativeForm(request.POST)
    if not form.is_valid():
        return _rendre_detail(request, rappel, tentative_form=form)
    try:
        t = actions.noter_tentative(par=request.user, rappel=rappel, resultat=form.cleaned_data["resultat"])
    except (ValidationError, PermissionDenied) as erreur:
        return _refus_action(request, rappel, erreur, tentative_form=form)
    texte = f"Tentative notée : {t.get_resultat_display().lower()}."
    rappel.refresh_from_db()
    if rappel.statut == Statut.RAPPELE:
        texte += " La demande est close (usager rappelé) : enregistrez la demande d'activité de l'appel ci-dessous."
    elif rappel.notification_echec_prevue_le and rappel.notification_echec_envoyee_le is None:
        texte += " Deux échecs : l'usager va être prévenu par SMS que nous n'avons pas réussi à le joindre."
    messages.success(request, texte)
    return redirect("rappels:detail", pk=rappel.pk)


@require_POST
def clore(request, pk):
    from franceservices.activite.views_appel import demandes_valides, erreurs

    rappel = _rappel_visible(request, pk)
    form = ClotureForm(request.POST)
    structures, visite, demandes = _formulaires_cloture(request, rappel, request.POST)
    contexte = {"cloture_form": form, "structures": structures, "visite": visite, "demandes": demandes}
    # Déjà rappelé par une tentative « joint » : seule la demande d'activité reste à enregistrer.
    deja_rappele = rappel.statut == Statut.RAPPELE and rappel.demande_id is None
    if not form.is_valid() and not deja_rappele:
        return _rendre_detail(request, rappel, **contexte)
    resultat = Statut.RAPPELE if deja_rappele else form.cleaned_data["resultat"]
    saisir = (
        visite is not None and resultat == Statut.RAPPELE and (deja_rappele or form.cleaned_data["saisir"])
    )
    nouvelles = []
    if saisir:
        nouvelles = demandes_valides(visite, demandes, request.user)
        if nouvelles is None:
            return _rendre_detail(request, rappel, erreurs_appel=erreurs(visite, demandes), **contexte)
    elif visite is not None:
        structures, visite, demandes = _formulaires_cloture(request, rappel)
        contexte.update(visite=visite, demandes=demandes)
    try:
        if deja_rappele:
            if not nouvelles:
                raise ValidationError("Saisissez la demande d'activité de cet appel.")
            actions.lier_demande(par=request.user, rappel=rappel, demandes=nouvelles)
        else:
            actions.clore_avec_demande(par=request.user, rappel=rappel, resultat=resultat, demandes=nouvelles)
    except (ValidationError, PermissionDenied) as erreur:
        return _refus_action(request, rappel, erreur, **contexte)
    except IntegrityError:
        messages.error(
            request, "La clôture n'a pas pu être enregistrée (soumission concurrente) : renvoyez-la."
        )
        return redirect("rappels:detail", pk=rappel.pk)
    texte = f"Demande close : {Statut(resultat).label.lower()}."
    if nouvelles:
        texte += " Demande d'activité enregistrée (canal téléphone)."
    messages.success(request, texte)
    return redirect("rappels:detail", pk=rappel.pk)


# — Indicateurs —


def _periode(request) -> tuple[date, date, str]:
    """Période choisie (du, au inclus) ; par défaut les 30 derniers jours. Une date invalide → message."""
    aujourd_hui = timezone.localdate()
    erreur = ""
    try:
        du = (
            date.fromisoformat(request.GET.get("du", ""))
            if request.GET.get("du")
            else aujourd_hui - timedelta(days=29)
        )
        au = date.fromisoformat(request.GET.get("au", "")) if request.GET.get("au") else aujourd_hui
    except ValueError:
        du, au = aujourd_hui - timedelta(days=29), aujourd_hui
        erreur = "Date invalide : la période affichée est celle des 30 derniers jours."
    if du > au:
        du, au = au, du
        erreur = "La date de début était après la date de fin : elles ont été inversées."
    if (au - du).days > 366 * 3:
        du = au - timedelta(days=366 * 3)
        erreur = "La période est limitée à trois ans."
    return du, au, erreur


def _bornes(du: date, au: date):
    return (
        timezone.make_aware(datetime.combine(du, time.min)),
        timezone.make_aware(datetime.combine(au + timedelta(days=1), time.min)),
    )


def _lignes(qs, niveau: str) -> list:
    """Indicateurs par structure ou par département, triés par libellé (2 requêtes + libellés)."""
    groupe = "structure_id" if niveau == "structure" else "departement_id"
    resultats = calcul.par_groupe(qs, groupe)
    if niveau == "structure":
        noms = {
            s.pk: f"{s.nom} ({s.departement.code})"
            for s in Structure.objects.filter(pk__in=[k for k in resultats if k]).select_related(
                "departement"
            )
        }
        libelle = lambda cle: noms.get(cle, "File du département (sans France services)")  # noqa: E731
    else:
        noms = {d.pk: f"{d.code} — {d.nom}" for d in Departement.objects.filter(pk__in=list(resultats))}
        libelle = lambda cle: noms.get(cle, "?")  # noqa: E731
    return sorted(
        (calcul.LigneIndicateurs(cle, libelle(cle), ind) for cle, ind in resultats.items()),
        key=lambda ligne: ligne.libelle,
    )


@require_GET
def indicateurs(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_rappels:
        return _refus(request, "Indicateurs des rappels", SANS_ACCES)
    du, au, erreur = _periode(request)
    debut, fin = _bornes(du, au)
    qs = calcul.filtrer(DemandeRappel.objects.visible_par(request.user), debut=debut, fin=fin)
    niveau = "departement" if perimetre.national or len({*perimetre.departements}) > 1 else "structure"
    if request.GET.get("niveau") in {"structure", "departement"}:
        niveau = request.GET["niveau"]
    total = calcul.indicateurs(qs=qs)
    lignes = _lignes(qs, niveau)
    if request.GET.get("format") == "csv":
        journaliser(
            Evenement.EXPORT,
            request=request,
            details={
                "objet": "indicateurs_rappels",
                "du": du.isoformat(),
                "au": au.isoformat(),
                "niveau": niveau,
            },
        )
        return _csv(total, lignes, du, au, niveau)
    if erreur:
        messages.warning(request, erreur)
    parametres = request.GET.copy()
    parametres.pop("format", None)
    parametres["format"] = "csv"
    return render(
        request,
        "rappels/indicateurs.html",
        {
            "titre": "Indicateurs des rappels",
            "du": du,
            "au": au,
            "niveau": niveau,
            "total": total,
            "lignes": lignes,
            "phrase": _phrase(perimetre),
            "delai_heures": int(getattr(settings, "RAPPELS_DELAI_HEURES", 48)),
            "lien_csv": f"?{parametres.urlencode()}",
        },
    )


def _csv(total, lignes, du, au, niveau):
    entete = [
        "Périmètre",
        "Demandes",
        "Closes",
        "Joints",
        "Joints dans le délai",
        "Part jointe (%)",
        "Part jointe dans le délai (%)",
        "Délai médian (h)",
        "90e centile (h)",
        "Ouvertes",
        "En retard",
    ]

    def ligne(libelle, i):
        return [
            neutraliser(libelle),
            i.demandes,
            i.closes,
            i.joints,
            i.dans_la_cible,
            "" if i.pourcentage_joints is None else i.pourcentage_joints,
            "" if i.pourcentage_dans_la_cible is None else i.pourcentage_dans_la_cible,
            "" if i.delai_median_heures is None else i.delai_median_heures,
            "" if i.delai_p90_heures is None else i.delai_p90_heures,
            i.ouvertes,
            i.en_retard,
        ]

    redacteur = csv.writer(Echo(), delimiter=";")

    def lignes_csv():
        yield "\ufeff"
        yield redacteur.writerow(entete)
        yield redacteur.writerow(ligne("Total", total))
        for lg in lignes:
            yield redacteur.writerow(ligne(lg.libelle, lg.indicateurs))

    reponse = StreamingHttpResponse(lignes_csv(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="rappels-{niveau}-{du:%Y%m%d}-{au:%Y%m%d}.csv"'
    return reponse
