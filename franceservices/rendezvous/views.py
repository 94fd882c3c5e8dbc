"""Agenda des rendez-vous d'une France services (côté agents) et paramétrage par son responsable.

Qui voit : agents et responsables de la France services (`perimetre.structures`), l'équipe nationale en
lecture ; les autres rôles reçoivent une page d'explication (403). Une France services hors périmètre
(`?structure=<id>`) ou un rendez-vous hors périmètre (par son identifiant) : 404, sans révéler qu'il existe.
Chaque consultation d'une page qui montre le nom et le téléphone d'usagers est journalisée
(ACCES_DONNEES_PERSONNELLES, une fois par page). Les actions passent par `agenda` (venue, absence, annulation,
conversion, paramétrage) et `actions.reserver` (prise de rendez-vous) ; elles marchent sans JS (formulaires
POST puis redirection) et, avec htmx, remplacent la seule ligne du rendez-vous.
"""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.activite.forms import (
    Catalogue,
    DemandesFormSet,
    VisiteForm,
    controler_visite,
    demandes_de,
    nouvelle_ligne,
    partenaires_proposes,
)
from franceservices.activite.models import DUREES
from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.core.audit import journaliser
from franceservices.core.models import Evenement
from franceservices.core.parametres import identifiant
from franceservices.core.telephone import afficher_telephone
from franceservices.structures.models import Structure

from . import actions, agenda
from .creneaux import creneaux_structure
from .forms_gestion import FORMULAIRES, AnnulationForm, ChoixTypeForm, UsagerForm
from .models import Arret, Disponibilite, Fermeture, Permanence, RendezVous, Statut, TypeRendezVous

PREFIXE = "demandes"
SANS_ACCES = (
    "L'agenda des rendez-vous est réservé aux agents et responsables d'une France services (et à l'équipe "
    "nationale, en lecture) : vous n'avez pas d'habilitation de ce type."
)
MODELES = {
    "types": TypeRendezVous,
    "disponibilites": Disponibilite,
    "permanences": Permanence,
    "fermetures": Fermeture,
    "arrets": Arret,
}
TITRES = {
    "types": "type de rendez-vous",
    "disponibilites": "disponibilité",
    "permanences": "permanence de partenaire",
    "fermetures": "fermeture exceptionnelle",
    "arrets": "arrêt itinérant",
}
APERCU_TYPES, APERCU_CRENEAUX = 6, 5
PREMIER_JOUR, DERNIER_JOUR = date(2000, 1, 1), date(2100, 12, 31)


# — Outils —


_entier = identifiant


def _refus(request, titre, message=SANS_ACCES, status=403):
    return refuser(request, titre, message, status)


def _structures_de(perimetre):
    return (
        Structure.objects.all()
        if perimetre.national
        else Structure.objects.filter(pk__in=perimetre.structures)
    )


def _structure(request, perimetre):
    """(structure choisie ou None, structures au choix). `?structure=` hors périmètre ou invalide : 404.
    L'équipe nationale choisit parmi les France services qui proposent des rendez-vous."""
    brut = request.GET.get("structure") or request.POST.get("structure")
    if brut and _entier(brut) is None:
        raise Http404("Identifiant invalide.")
    if perimetre.national:
        choix = list(
            Structure.objects.filter(types_rendez_vous__isnull=False)
            .distinct()
            .select_related("departement")
            .order_by("nom")[:300]
        )
    else:
        choix = list(
            Structure.objects.filter(pk__in=perimetre.structures)
            .select_related("departement")
            .order_by("nom")
        )
    if brut:
        return get_object_or_404(
            _structures_de(perimetre).select_related("departement"), pk=_entier(brut)
        ), choix
    if not perimetre.national and choix:
        return choix[0], choix
    return None, choix


def _jour(request, structure) -> date:
    aujourd_hui = timezone.localdate(timezone=structure.fuseau)
    texte = request.GET.get("jour", "").strip()
    if not texte:
        return aujourd_hui
    try:
        jour = date.fromisoformat(texte)
    except ValueError:
        messages.warning(request, f"Date « {texte[:20]} » non reconnue (AAAA-MM-JJ) : voici aujourd'hui.")
        return aujourd_hui
    if not PREMIER_JOUR <= jour <= DERNIER_JOUR:
        messages.warning(
            request,
            f"Date hors de l'agenda (de {PREMIER_JOUR.year} à {DERNIER_JOUR.year}) : voici aujourd'hui.",
        )
        return aujourd_hui
    return jour


def _rendez_vous(structure, du: date, au: date):
    """Les rendez-vous du `du` au `au` inclus (heure locale), en une requête (type, arrêt, commune, auteur)."""
    fuseau = structure.fuseau
    return list(
        RendezVous.objects.filter(
            structure=structure,
            debut__gte=datetime.combine(du, time(0), tzinfo=fuseau),
            debut__lt=datetime.combine(au + timedelta(days=1), time(0), tzinfo=fuseau),
        )
        .select_related("type", "arret__commune", "statut_note_par")
        .order_by("debut", "pk")
    )


def _journaliser_acces(request, structure, rdvs, vue: str, jour: date) -> None:
    if rdvs:
        journaliser(
            Evenement.ACCES_DONNEES_PERSONNELLES,
            request=request,
            cible=structure,
            details={"objet": "agenda", "vue": vue, "jour": jour.isoformat(), "rendez_vous": len(rdvs)},
        )


def _url_agenda(structure, jour, vue="agenda:jour") -> str:
    return f"{reverse(vue)}?structure={structure.pk}&jour={jour.isoformat()}"


def _contexte_commun(request, perimetre, structure, choix):
    maintenant = timezone.now()
    return {
        "structure": structure,
        "choix_structures": choix if len(choix) > 1 or perimetre.national else [],
        "peut_agir": agenda.peut_agir(request.user, structure.pk),
        "peut_parametrer": agenda.peut_parametrer(request.user, structure.pk),
        "maintenant": maintenant,
        "fuseau": structure.fuseau,
        "Statut": Statut,
        "phrase": f"Vous voyez {'les agendas de toutes les France services' if perimetre.national else 'les agendas de vos France services'} "
        f"{perimetre.explication()}.",
    }


BADGES = {
    Statut.HONORE: "fr-badge--success",
    Statut.ABSENT: "fr-badge--warning",
    Statut.ANNULE: "fr-badge--error",
}


def _urls_modeles() -> dict[str, str]:
    """Adresses des actions, calculées une fois par page (puis le numéro du rendez-vous y est placé)."""
    return {
        nom: reverse(f"agenda:{nom}", args=[0]).replace("/0/", "/{}/")
        for nom in ("venue", "absence", "annuler", "demandes")
    }


def _annoter(rdvs, maintenant, fuseau):
    """Ce que la ligne affiche, calculé ici une fois (heures locales, actions possibles, adresses) : le gabarit
    d'une ligne reste simple et rapide (300 rendez-vous par semaine)."""
    aujourd_hui = maintenant.astimezone(fuseau).date()
    urls = _urls_modeles()
    for r in rdvs:
        debut = r.debut.astimezone(fuseau)
        r.heures = f"{debut:%H:%M}–{r.fin.astimezone(fuseau):%H:%M}"
        r.heure = f"{debut:%H:%M}"
        r.arrivee = f"{r.arrive_le.astimezone(fuseau):%H:%M}" if r.arrive_le else ""
        r.telephone_affiche = afficher_telephone(r.telephone) if r.telephone else ""
        r.badge = BADGES.get(r.statut, "")
        passe = r.debut <= maintenant
        r.peut_venue = r.statut in (Statut.PREVU, Statut.ABSENT) and debut.date() <= aujourd_hui
        r.peut_absence = r.statut == Statut.PREVU and passe
        r.peut_annuler = r.statut == Statut.PREVU and not passe
        r.peut_convertir = r.statut == Statut.HONORE and not r.demande_id
        r.urls = {nom: modele.format(r.pk) for nom, modele in urls.items()}
    return rdvs


# — Agenda —


def _page_choix(request, perimetre, choix, vue):
    return render(
        request,
        "rendezvous/agenda/choix.html",
        {"titre": "Agenda des rendez-vous", "choix": choix, "vue": vue, "phrase": perimetre.explication()},
    )


@require_GET
def jour(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_agenda:
        return _refus(request, "Agenda des rendez-vous")
    structure, choix = _structure(request, perimetre)
    if structure is None:
        return _page_choix(request, perimetre, choix, "agenda:jour")
    le_jour = _jour(request, structure)
    contexte = _contexte_commun(request, perimetre, structure, choix)
    rdvs = _annoter(_rendez_vous(structure, le_jour, le_jour), contexte["maintenant"], structure.fuseau)
    _journaliser_acces(request, structure, rdvs, "jour", le_jour)
    return render(
        request,
        "rendezvous/agenda/jour.html",
        {
            **contexte,
            "titre": f"Agenda du {le_jour:%d/%m/%Y}",
            "jour": le_jour,
            "veille": le_jour - timedelta(days=1),
            "lendemain": le_jour + timedelta(days=1),
            "aujourd_hui": timezone.localdate(timezone=structure.fuseau),
            "rendez_vous": rdvs,
            "prevus": sum(1 for r in rdvs if r.statut == Statut.PREVU),
        },
    )


@require_GET
def semaine(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_agenda:
        return _refus(request, "Agenda des rendez-vous")
    structure, choix = _structure(request, perimetre)
    if structure is None:
        return _page_choix(request, perimetre, choix, "agenda:semaine")
    le_jour = _jour(request, structure)
    lundi = le_jour - timedelta(days=le_jour.weekday())
    dimanche = lundi + timedelta(days=6)
    contexte = _contexte_commun(request, perimetre, structure, choix)
    rdvs = _annoter(_rendez_vous(structure, lundi, dimanche), contexte["maintenant"], structure.fuseau)
    par_jour = {lundi + timedelta(days=n): [] for n in range(7)}
    for r in rdvs:
        par_jour[r.debut.astimezone(structure.fuseau).date()].append(r)
    jours = [{"jour": j, "rendez_vous": liste} for j, liste in par_jour.items() if liste or j.weekday() < 5]
    _journaliser_acces(request, structure, rdvs, "semaine", lundi)
    return render(
        request,
        "rendezvous/agenda/semaine.html",
        {
            **contexte,
            "titre": f"Agenda de la semaine du {lundi:%d/%m/%Y}",
            "lundi": lundi,
            "dimanche": dimanche,
            "precedente": lundi - timedelta(days=7),
            "suivante": lundi + timedelta(days=7),
            "jours": jours,
            "total": len(rdvs),
        },
    )


# — Actions sur un rendez-vous —


def _rdv_visible(request, pk) -> RendezVous:
    return get_object_or_404(
        RendezVous.objects.visible_par(request.user).select_related(
            "type", "arret__commune", "structure__departement", "statut_note_par"
        ),
        pk=pk,
    )


def _apres_action(request, rdv, *, erreur=None):
    """htmx : la ligne du rendez-vous (avec l'erreur éventuelle) ; sans JS : retour à l'agenda du jour."""
    if request.htmx:
        rdv = _rdv_visible(request, rdv.pk)
        maintenant = timezone.now()
        _annoter([rdv], maintenant, rdv.structure.fuseau)
        return render(
            request,
            "rendezvous/agenda/_ligne.html",
            {
                "r": rdv,
                "erreur": erreur,
                "peut_agir": agenda.peut_agir(request.user, rdv.structure_id),
                "vue_ligne": "semaine" if request.POST.get("vue") == "semaine" else "jour",
            },
        )
    if erreur:
        messages.error(request, erreur)
    vue = "agenda:semaine" if request.POST.get("vue") == "semaine" else "agenda:jour"
    return redirect(_url_agenda(rdv.structure, rdv.debut.astimezone(rdv.structure.fuseau).date(), vue))


def _action_statut(request, pk, fonction, succes):
    rdv = _rdv_visible(request, pk)
    if not agenda.peut_agir(request.user, rdv.structure_id):
        raise PermissionDenied(
            "Consultation seulement : vous n'agissez pas sur les rendez-vous de cette France services."
        )
    try:
        rdv = fonction(par=request.user, rendez_vous=rdv, request=request)
    except ValidationError as exc:
        return _apres_action(request, rdv, erreur=" ".join(exc.messages))
    if not request.htmx:
        messages.success(request, succes)
    return _apres_action(request, rdv)


@require_POST
def venue(request, pk):
    return _action_statut(request, pk, agenda.noter_venue, "Venue notée : rendez-vous honoré.")


@require_POST
def absence(request, pk):
    return _action_statut(request, pk, agenda.noter_absence, "Absence notée.")


@require_http_methods(["GET", "POST"])
def annuler(request, pk):
    rdv = _rdv_visible(request, pk)
    if not agenda.peut_agir(request.user, rdv.structure_id):
        raise PermissionDenied(
            "Consultation seulement : vous n'agissez pas sur les rendez-vous de cette France services."
        )
    form = AnnulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agenda.annuler_par_agent(
                par=request.user, rendez_vous=rdv, motif=form.cleaned_data["motif"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Rendez-vous annulé : l'usager en est prévenu.")
            return redirect(_url_agenda(rdv.structure, rdv.debut.astimezone(rdv.structure.fuseau).date()))
    journaliser(
        Evenement.ACCES_DONNEES_PERSONNELLES,
        request=request,
        cible=rdv,
        details={"objet": "rendez_vous", "vue": "annulation"},
    )
    return render(
        request,
        "rendezvous/agenda/annuler.html",
        {"titre": "Annuler un rendez-vous", "r": rdv, "form": form, "fuseau": rdv.structure.fuseau},
    )


def _duree_proche(minutes: int) -> int:
    return min(DUREES, key=lambda d: (abs(d - minutes), d))


def _ligne_initiale(rdv) -> dict:
    ligne = nouvelle_ligne()
    ligne["duree"] = _duree_proche(rdv.type.duree)
    if rdv.type.demarche_id:
        ligne["demarche_catalogue"] = rdv.type.demarche_id
    elif rdv.type.partenaire_id:
        ligne["partenaire"] = rdv.type.partenaire_id
    return ligne


@require_http_methods(["GET", "POST"])
def demandes(request, pk):
    """« Enregistrer les demandes » d'un rendez-vous honoré : le formulaire de saisie de l'activité, pré-rempli
    (partenaire et démarche du type, canal selon la modalité, heure d'arrivée)."""
    rdv = _rdv_visible(request, pk)
    if not agenda.peut_agir(request.user, rdv.structure_id):
        raise PermissionDenied(
            "Consultation seulement : vous n'enregistrez pas d'activité pour cette France services."
        )
    retour = _url_agenda(rdv.structure, rdv.debut.astimezone(rdv.structure.fuseau).date())
    if rdv.statut != Statut.HONORE or rdv.demande_id:
        messages.error(
            request,
            "Les demandes de ce rendez-vous sont déjà enregistrées."
            if rdv.demande_id
            else "Seul un rendez-vous honoré (usager venu) donne lieu à des demandes : notez d'abord sa venue.",
        )
        return redirect(retour)
    structures = [rdv.structure]
    catalogue = Catalogue.charger()
    proposes = partenaires_proposes(structures, catalogue)
    arrivee = (rdv.arrive_le or rdv.debut).astimezone(rdv.structure.fuseau)
    initial_visite = {
        "structure": rdv.structure_id,
        "canal": agenda.canal_du(rdv),
        "date_heure": min(arrivee, timezone.now().astimezone(rdv.structure.fuseau)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }
    if request.method == "POST" and "ajouter" in request.POST:
        total = min(_entier(request.POST.get(f"{PREFIXE}-TOTAL_FORMS")) or 1, 19)
        noms = list(DemandesFormSet.form.base_fields)
        lignes = [{n: request.POST.get(f"{PREFIXE}-{i}-{n}", "") for n in noms} for i in range(total)]
        visite = VisiteForm(initial=request.POST.dict(), structures=structures)
        formset = DemandesFormSet(
            initial=[*lignes, nouvelle_ligne()], prefix=PREFIXE, catalogue=catalogue, proposes=proposes
        )
    elif request.method == "POST":
        post = request.POST.copy()
        post["structure"] = str(rdv.structure_id)
        visite = VisiteForm(post, structures=structures)
        formset = DemandesFormSet(post, prefix=PREFIXE, catalogue=catalogue, proposes=proposes)
        valide = visite.is_valid()
        try:
            valide = formset.is_valid() and valide
        except ValidationError:
            valide = False
        valide = valide and controler_visite(visite, formset, request.user)
        if valide:
            try:
                resultat = agenda.convertir_en_demandes(
                    par=request.user,
                    rendez_vous=rdv,
                    demandes=demandes_de(visite, formset, request.user),
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(retour)
            except (IntegrityError, ValueError):
                visite.add_error(
                    None, "Les demandes n'ont pas pu être enregistrées (envoi concurrent) : renvoyez."
                )
            else:
                n = len(resultat.toutes)
                messages.success(
                    request,
                    f"{n} demande{'s' if n > 1 else ''} enregistrée{'s' if n > 1 else ''} pour ce rendez-vous.",
                )
                return redirect(retour)
    else:
        visite = VisiteForm(initial=initial_visite, structures=structures)
        formset = DemandesFormSet(
            initial=[_ligne_initiale(rdv)], prefix=PREFIXE, catalogue=catalogue, proposes=proposes
        )
    erreurs = bool(visite.errors) or (formset.is_bound and (any(formset.errors) or formset.non_form_errors()))
    return render(
        request,
        "rendezvous/agenda/demandes.html",
        {
            "titre": "Enregistrer les demandes du rendez-vous",
            "r": rdv,
            "visite": visite,
            "demandes": formset,
            "fuseau": rdv.structure.fuseau,
            "retour": retour,
            "erreurs": erreurs,
        },
    )


# — Prise de rendez-vous par un agent —


@require_http_methods(["GET", "POST"])
def nouveau(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.structures:
        return _refus(
            request,
            "Prendre un rendez-vous",
            "Seuls les agents et responsables d'une France services prennent des rendez-vous pour un usager.",
        )
    structure, choix = _structure(request, perimetre)
    types = list(TypeRendezVous.objects.filter(structure=structure, actif=True).order_by("libelle"))
    arrets = list(Arret.objects.filter(structure=structure).select_related("commune"))
    if not types:
        return render(
            request,
            "rendezvous/agenda/nouveau.html",
            {
                "titre": "Prendre un rendez-vous",
                "structure": structure,
                "choix_structures": choix if len(choix) > 1 else [],
                "aucun_type": True,
            },
        )
    source = request.POST if request.method == "POST" else request.GET
    choix_type = ChoixTypeForm(source if "type" in source else None, types=types, arrets=arrets)
    creneaux, usager, jours = [], None, []
    if choix_type.is_bound and choix_type.is_valid():
        type_ = choix_type.cleaned_data["type"]
        arret = choix_type.cleaned_data.get("arret")
        aujourd_hui = timezone.localdate(timezone=structure.fuseau)
        depart = max(choix_type.cleaned_data.get("jour") or aujourd_hui, aujourd_hui)
        usager = UsagerForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and usager.is_valid():
            d = usager.cleaned_data
            try:
                rdv = actions.reserver(
                    structure=structure,
                    type_=type_,
                    debut=d["debut"],
                    nom=d["nom"],
                    telephone=d["telephone"],
                    courriel=d["courriel"],
                    arret=arret,
                    par=request.user,
                    request=request,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for champ, liste in exc.message_dict.items():
                        usager.add_error(champ if champ in usager.fields else None, liste)
                else:
                    usager.add_error(None, exc.messages)
            else:
                local = rdv.debut.astimezone(structure.fuseau)
                messages.success(
                    request,
                    f"Rendez-vous pris le {local:%d/%m/%Y à %H:%M} : l'usager reçoit une confirmation.",
                )
                return redirect(_url_agenda(structure, local.date()))
        libres = creneaux_structure(structure, type_, du=depart, semaines=1, arret=arret)
        par_jour = {}
        for c in libres:
            par_jour.setdefault(c.astimezone(structure.fuseau).date(), []).append(c)
        jours = [{"jour": j, "creneaux": cs} for j, cs in par_jour.items()]
        creneaux = libres
        choisi = usager["debut"].value() if usager.is_bound else ""
        for j in jours:
            j["creneaux"] = [
                {"debut": c, "valeur": c.isoformat(), "choisi": c.isoformat() == choisi}
                for c in j["creneaux"]
            ]
        suivante = depart + timedelta(days=7)
    else:
        suivante = None
    return render(
        request,
        "rendezvous/agenda/nouveau.html",
        {
            "titre": "Prendre un rendez-vous",
            "structure": structure,
            "choix_structures": choix if len(choix) > 1 else [],
            "aucun_type": False,
            "choix_type": choix_type,
            "usager": usager,
            "jours": jours,
            "creneaux": creneaux,
            "suivante": suivante,
            "fuseau": structure.fuseau,
        },
    )


# — Paramétrage —


@require_GET
def parametres(request):
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_agenda:
        return _refus(request, "Paramètres des rendez-vous")
    structure, choix = _structure(request, perimetre)
    if structure is None:
        return _page_choix(request, perimetre, choix, "agenda:parametres")
    maintenant = timezone.now()
    types = list(
        TypeRendezVous.objects.filter(structure=structure)
        .select_related("partenaire", "demarche")
        .order_by("-actif", "libelle")
    )
    apercu = []
    for t in [t for t in types if t.actif][:APERCU_TYPES]:
        apercu.append(
            {
                "type": t,
                "creneaux": creneaux_structure(structure, t, semaines=2, maintenant=maintenant)[
                    :APERCU_CRENEAUX
                ],
            }
        )
    return render(
        request,
        "rendezvous/gestion/parametres.html",
        {
            "titre": "Paramètres des rendez-vous",
            "structure": structure,
            "choix_structures": choix if len(choix) > 1 or perimetre.national else [],
            "peut_parametrer": agenda.peut_parametrer(request.user, structure.pk),
            "types": types,
            "disponibilites": list(Disponibilite.objects.filter(structure=structure).select_related("agent")),
            "permanences": list(Permanence.objects.filter(structure=structure).select_related("partenaire")),
            "fermetures": list(
                Fermeture.objects.filter(
                    structure=structure, au__gte=timezone.localdate(timezone=structure.fuseau)
                )
            ),
            "arrets": list(Arret.objects.filter(structure=structure).select_related("commune")),
            "itinerante": structure.format in {"bus", "itinerante"},
            "apercu": apercu,
            "fuseau": structure.fuseau,
        },
    )


def _sorte(sorte):
    if sorte not in MODELES:
        raise Http404("Élément inconnu.")
    return MODELES[sorte]


@require_http_methods(["GET", "POST"])
def element(request, sorte, pk=None):
    """Créer (`pk` absent, `?structure=`) ou modifier un élément du paramétrage : responsable seulement."""
    modele = _sorte(sorte)
    perimetre = perimetre_de(request.user)
    if not perimetre.voit_agenda:
        return _refus(request, "Paramètres des rendez-vous")
    if pk is None:
        structure, _ = _structure(request, perimetre)
        if structure is None:
            raise Http404("France services non précisée.")
        instance = None
    else:
        instance = get_object_or_404(
            modele.objects.filter(structure__in=_structures_de(perimetre)).select_related(
                "structure__departement"
            ),
            pk=pk,
        )
        structure = instance.structure
    if not agenda.peut_parametrer(request.user, structure.pk):
        return _refus(
            request,
            "Paramètres des rendez-vous",
            "Seul le responsable de la France services modifie le paramétrage des rendez-vous : "
            "vous pouvez le consulter.",
        )
    classe = FORMULAIRES[sorte]
    form = classe(request.POST or None, instance=instance, structure=structure)
    etait_actif = instance.actif if isinstance(instance, TypeRendezVous) else None
    if request.method == "POST" and form.is_valid():
        try:
            objet = agenda.enregistrer_parametre(
                par=request.user, element=form.save(commit=False), request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                f"{TITRES[sorte].capitalize()} enregistré{'e' if sorte in {'disponibilites', 'permanences', 'fermetures'} else ''}.",
            )
            if isinstance(objet, TypeRendezVous) and etait_actif and not objet.actif:
                n = agenda.rendez_vous_a_venir(objet)
                if n:
                    messages.warning(
                        request,
                        f"Ce type n'est plus proposé, mais {n} rendez-vous à venir restent prévus : "
                        "ils seront honorés (annulez-les un à un depuis l'agenda si besoin).",
                    )
            return redirect(f"{reverse('agenda:parametres')}?structure={structure.pk}")
    a_venir = agenda.rendez_vous_a_venir(instance) if isinstance(instance, TypeRendezVous) else 0
    return render(
        request,
        "rendezvous/gestion/element.html",
        {
            "titre": f"{'Modifier' if instance else 'Ajouter'} : {TITRES[sorte]}",
            "form": form,
            "structure": structure,
            "sorte": sorte,
            "instance": instance,
            "a_venir": a_venir,
        },
    )


@require_POST
def supprimer(request, sorte, pk):
    modele = _sorte(sorte)
    perimetre = perimetre_de(request.user)
    instance = get_object_or_404(modele.objects.filter(structure__in=_structures_de(perimetre)), pk=pk)
    retour = f"{reverse('agenda:parametres')}?structure={instance.structure_id}"
    try:
        agenda.supprimer_parametre(par=request.user, element=instance, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{TITRES[sorte].capitalize()} supprimé{'e' if sorte in {'disponibilites', 'permanences', 'fermetures'} else ''}.",
        )
    return redirect(retour)
