"""Formation des agents : catalogue, fiche d'une session (m'inscrire, inscrire un groupe), mes inscriptions,
approbations du responsable (htmx).

Toute lecture part de `Session.objects.visible_par` / `Inscription.objects.visible_par` : hors périmètre →
404. Les écritures passent par `actions` (verrou de session, places, liste d'attente) ; un refus de droit y
lève PermissionDenied (403), une règle non remplie une ValidationError (message montré tel quel).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.models import Habilitation, Role, Utilisateur
from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser

from . import actions
from .forms import FiltreCatalogueForm, GroupeForm, RefusForm
from .models import STATUTS_ACTIFS, Inscription, Module, Session, Statut
from .reussite import sessions_suivies

PAR_PAGE = 20
SANS_ACCES = (
    "Le catalogue des formations est réservé aux agents et responsables des France services, aux "
    "animateurs, aux préfectures et à l'équipe nationale."
)
SANS_APPROBATION = (
    "Les demandes d'inscription sont approuvées par le responsable de la France services de l'agent, "
    "l'animateur de son département ou l'équipe nationale : vous n'avez pas d'habilitation de ce type."
)
SANS_GROUPE = (
    "L'inscription d'un groupe est réservée aux responsables de France services, aux animateurs et à "
    "l'équipe nationale."
)
MESSAGES_STATUT = {
    Statut.DEMANDEE: "Demande envoyée : votre responsable doit l'approuver.",
    Statut.CONFIRMEE: "Inscription confirmée.",
    Statut.ATTENTE: "La session est complète : vous êtes en liste d'attente (une place libérée vous sera donnée "
    "dans l'ordre des demandes).",
}


def _a_acces(perimetre) -> bool:
    return perimetre.national or bool(
        perimetre.structures or perimetre.departements_animateur or perimetre.departements_prefecture
    )


def _decideur(perimetre) -> bool:
    return perimetre.national or bool(perimetre.structures_responsable or perimetre.departements_animateur)


def _agents_decides(perimetre):
    """Sous-requête : les personnes (agents, responsables) pour lesquelles `perimetre` décide aujourd'hui."""
    habilitations = Habilitation.objects.actives().filter(role__in=[Role.AGENT, Role.RESPONSABLE])
    if not perimetre.national:
        habilitations = habilitations.filter(
            Q(structure_id__in=perimetre.structures_responsable)
            | Q(structure__departement_id__in=perimetre.departements_animateur)
        )
    return habilitations.values("utilisateur_id")


def _parametres(request) -> str:
    copie = request.GET.copy()
    copie.pop("page", None)
    return copie.urlencode()


# — Catalogue —


@require_GET
def catalogue(request):
    perimetre = perimetre_de(request.user)
    if not _a_acces(perimetre):
        return refuser(request, "Formations", SANS_ACCES)
    maintenant = timezone.now()
    form = FiltreCatalogueForm(request.GET or None)
    sessions = (
        Session.objects.visible_par(request.user)
        .a_venir(maintenant)
        .avec_places()
        .select_related("departement", "commune")
    )
    modules = Module.objects.filter(actif=True).select_related("partenaire", "ouvre_pilote")
    filtre_actif = False
    if form.is_valid():
        donnees = form.cleaned_data
        if donnees["categorie"]:
            modules = modules.filter(categorie=donnees["categorie"])
        if donnees["format"]:
            modules = modules.filter(format=donnees["format"])
        if q := donnees["q"].strip():
            modules = modules.filter(
                Q(titre__icontains=q) | Q(organisme__icontains=q) | Q(description__icontains=q)
            )
        if donnees["places"]:
            modules = modules.filter(
                pk__in=Session.objects.visible_par(request.user).a_venir(maintenant).values("module_id")
            )
        filtre_actif = any(donnees.values())
    modules = modules.prefetch_related(
        Prefetch("sessions", queryset=sessions, to_attr="sessions_a_venir"),
        Prefetch("prerequis", queryset=Module.objects.only("pk", "titre")),
    ).order_by("categorie", "titre")
    page = Paginator(modules, PAR_PAGE).get_page(request.GET.get("page"))
    miennes = dict(
        Inscription.objects.actives()
        .filter(agent=request.user, session__debut__gt=maintenant)
        .values_list("session_id", "statut")
    )
    for module in page:
        for session in module.sessions_a_venir:
            session.mon_statut = Statut(miennes[session.pk]).label if session.pk in miennes else ""
    return render(
        request,
        "formations/catalogue.html",
        {
            "titre": "Formations des agents",
            "form": form,
            "page": page,
            "filtre_actif": filtre_actif,
            "parametres": _parametres(request),
            "decideur": _decideur(perimetre),
            "formateur": sessions_suivies(request.user).exists(),
            "organise": perimetre.organise_formations,
        },
    )


# — Session —


def _session_visible(request, pk) -> Session:
    return get_object_or_404(
        Session.objects.visible_par(request.user)
        .avec_places()
        .select_related("module__partenaire", "departement", "commune", "formateur"),
        pk=pk,
    )


@require_GET
def session(request, pk):
    s = _session_visible(request, pk)
    perimetre = perimetre_de(request.user)
    maintenant = timezone.now()
    ouverte = s.annulee_le is None and s.debut > maintenant and s.module.actif
    mienne = Inscription.objects.filter(session=s, agent=request.user).order_by("-demandee_le", "-pk").first()
    active = mienne is not None and mienne.statut in STATUTS_ACTIFS
    inscrits = None
    decideur = _decideur(perimetre)
    if decideur or s.formateur_id == request.user.pk:
        qs = Inscription.objects.visible_par(request.user).filter(session=s, statut__in=STATUTS_ACTIFS)
        if decideur:  # les agents dont la personne décide (elle peut annuler leur inscription)
            qs = qs.filter(agent_id__in=_agents_decides(perimetre))
        inscrits = list(
            qs.exclude(agent=request.user).select_related("agent").order_by("statut", "demandee_le", "pk")
        )
    return render(
        request,
        "formations/session.html",
        {
            "titre": s.module.titre,
            "s": s,
            "ouverte": ouverte,
            "mienne": mienne,
            "active": active,
            "peut_s_inscrire": ouverte and not active and bool(perimetre.structures),
            "peut_grouper": ouverte and decideur,
            "peut_annuler_inscrits": ouverte and decideur,
            "prerequis": list(s.module.prerequis.all()),
            "inscrits": inscrits,
        },
    )


@require_POST
def inscrire(request, pk):
    s = _session_visible(request, pk)
    try:
        inscription = actions.inscrire(par=request.user, session=s, agent=request.user)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, MESSAGES_STATUT[inscription.statut])
    return redirect("formations:session", pk=s.pk)


def _candidats(request, perimetre, s):
    """Agents que la personne peut inscrire d'office à cette session (pas déjà inscrits)."""
    habilitations = Habilitation.objects.actives().filter(
        role__in=[Role.AGENT, Role.RESPONSABLE], structure__isnull=False
    )
    if perimetre.national:
        if s.departement_id is None:
            return Utilisateur.objects.none()
        habilitations = habilitations.filter(structure__departement_id=s.departement_id)
    else:
        habilitations = habilitations.filter(
            Q(structure_id__in=perimetre.structures_responsable)
            | Q(structure__departement_id__in=perimetre.departements_animateur)
        )
        if s.departement_id:
            habilitations = habilitations.filter(structure__departement_id=s.departement_id)
    deja = Inscription.objects.actives().filter(session=s).values("agent_id")
    return (
        Utilisateur.objects.filter(pk__in=habilitations.values("utilisateur_id"))
        .exclude(pk__in=deja)
        .order_by("last_name", "first_name", "email")
    )


@require_http_methods(["GET", "POST"])
def groupe(request, pk):
    s = _session_visible(request, pk)
    perimetre = perimetre_de(request.user)
    if not _decideur(perimetre):
        return refuser(request, "Inscrire un groupe", SANS_GROUPE)
    candidats = _candidats(request, perimetre, s)
    bilan = None
    if request.method == "POST":
        form = GroupeForm(request.POST, agents=candidats)
        if form.is_valid():
            try:
                bilan = actions.inscrire_groupe(
                    par=request.user, session=s, agents=form.cleaned_data["agents"]
                )
            except PermissionDenied as erreur:
                return refuser(request, "Inscrire un groupe", str(erreur))
            s = _session_visible(request, pk)  # places recomptées
            form = GroupeForm(agents=_candidats(request, perimetre, s))
    else:
        form = GroupeForm(agents=candidats)
    return render(
        request,
        "formations/groupe.html",
        {
            "titre": f"Inscrire un groupe — {s.module.titre}",
            "s": s,
            "form": form,
            "bilan": bilan,
            "national_sans_departement": perimetre.national and s.departement_id is None,
        },
    )


# — Mes inscriptions —


@require_GET
def mes_inscriptions(request):
    maintenant = timezone.now()
    inscriptions = (
        Inscription.objects.filter(agent=request.user)
        .select_related("session__module", "session__departement", "session__commune")
        .order_by("-session__debut", "-pk")
    )
    page = Paginator(inscriptions, PAR_PAGE).get_page(request.GET.get("page"))
    for i in page:
        i.annulable = i.statut in STATUTS_ACTIFS and i.session.debut > maintenant
    return render(
        request,
        "formations/mes_inscriptions.html",
        {"titre": "Mes inscriptions aux formations", "page": page, "maintenant": maintenant},
    )


@require_POST
def annuler(request, pk):
    inscription = get_object_or_404(
        Inscription.objects.visible_par(request.user).select_related("session", "agent"), pk=pk
    )
    try:
        promues = actions.annuler(par=request.user, inscription=inscription)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        texte = "Inscription annulée."
        if promues:
            texte += " La place libérée a été donnée au premier de la liste d'attente."
        messages.success(request, texte)
    if inscription.agent_id == request.user.pk:
        return redirect("formations:mes_inscriptions")
    return redirect("formations:session", pk=inscription.session_id)


# — Approbations —


def _demandes(request, perimetre):
    confirmees = (
        Inscription.objects.filter(session=OuterRef("session"), statut=Statut.CONFIRMEE)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Inscription.objects.visible_par(request.user)
        .filter(statut=Statut.DEMANDEE, agent_id__in=_agents_decides(perimetre))
        .exclude(agent=request.user)
        .select_related("agent", "session__module", "session__departement")
        .annotate(nb_confirmees=Coalesce(Subquery(confirmees), 0))
        .order_by("session__debut", "demandee_le", "pk")
    )


@require_GET
def approbations(request):
    perimetre = perimetre_de(request.user)
    if not _decideur(perimetre):
        return refuser(request, "Demandes d'inscription", SANS_APPROBATION)
    demandes = _demandes(request, perimetre).filter(
        session__debut__gt=timezone.now(), session__annulee_le__isnull=True
    )
    page = Paginator(demandes, PAR_PAGE).get_page(request.GET.get("page"))
    for i in page:
        i.refus_form = _refus_form(i)
    return render(
        request,
        "formations/approbations.html",
        {"titre": "Demandes d'inscription à approuver", "page": page, "parametres": _parametres(request)},
    )


def _refus_form(inscription, data=None):
    # Un préfixe par ligne : des identifiants uniques dans la page.
    return RefusForm(data, prefix=f"refus-{inscription.pk}")


def _ligne(request, inscription, *, erreur=None, refus_form=None, fait=None):
    """htmx : la ligne de la demande (résultat ou erreur) ; sans JS : retour à la liste."""
    if request.htmx:
        inscription.refus_form = refus_form or _refus_form(inscription)
        return render(
            request, "formations/_approbation.html", {"i": inscription, "erreur": erreur, "fait": fait}
        )
    if erreur:
        messages.error(request, erreur)
    elif fait:
        messages.success(request, fait)
    return redirect(reverse("formations:approbations"))


def _demande_visible(request, pk):
    perimetre = perimetre_de(request.user)
    if not _decideur(perimetre):
        raise PermissionDenied(SANS_APPROBATION)
    return get_object_or_404(Inscription.objects.visible_par(request.user), pk=pk)


def _nom(agent):
    return agent.get_full_name() or agent.email


@require_POST
def approuver(request, pk):
    inscription = _demande_visible(request, pk)
    try:
        inscription = actions.approuver(par=request.user, inscription=inscription)
    except ValidationError as erreur:
        return _ligne(request, _recharger(request, inscription), erreur=" ".join(erreur.messages))
    fait = (
        f"Inscription de {_nom(inscription.agent)} confirmée."
        if inscription.statut == Statut.CONFIRMEE
        else f"Demande de {_nom(inscription.agent)} approuvée : la session est complète, en liste d'attente."
    )
    return _ligne(request, _recharger(request, inscription), fait=fait)


@require_POST
def refuser_demande(request, pk):
    inscription = _demande_visible(request, pk)
    form = _refus_form(inscription, request.POST)
    if not form.is_valid():
        # htmx : l'erreur s'affiche sous le champ ; sans JS : en message.
        erreur = None if request.htmx else " ".join(form.errors["motif"])
        return _ligne(request, _recharger(request, inscription), erreur=erreur, refus_form=form)
    try:
        inscription = actions.refuser(
            par=request.user, inscription=inscription, motif=form.cleaned_data["motif"]
        )
    except ValidationError as erreur:
        return _ligne(request, _recharger(request, inscription), erreur=" ".join(erreur.messages))
    return _ligne(
        request, _recharger(request, inscription), fait=f"Demande de {_nom(inscription.agent)} refusée."
    )


def _recharger(request, inscription):
    return (
        Inscription.objects.select_related("agent", "session__module", "session__departement")
        .annotate(
            nb_confirmees=Count(
                "session__inscriptions", filter=Q(session__inscriptions__statut=Statut.CONFIRMEE)
            )
        )
        .get(pk=inscription.pk)
    )
