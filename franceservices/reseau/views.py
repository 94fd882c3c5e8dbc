"""Pages de la vie du réseau (`/vie-du-reseau/`) : accueil, événements (liste, fiche, inscription,
organisation, présence, compte rendu, export), actualités et ressources (liste, fiche lue, publication,
retrait, statistiques de lecture), téléchargement des documents.

Chaque fiche part de `X.objects.visible_par(user)` (ce qui s'adresse à la personne, ce qu'elle gère, ce à
quoi elle est invitée) ; les pages d'organisation partent de `gerables_par(user)`. Hors périmètre : 404.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from franceservices.comptes.perimetre import perimetre_de
from franceservices.comptes.refus import refuser
from franceservices.core.audit import journaliser
from franceservices.core.exports import Echo, neutraliser
from franceservices.core.models import Evenement

from . import actions
from .diffusion import destinataires, explication, peut_organiser
from .forms import AnnulationForm, CompteRenduForm, EvenementForm, PublicationForm
from .models import (
    Document,
    EvenementReseau,
    Lecture,
    Participation,
    Publication,
    TypeEvenement,
    TypePublication,
)

PAR_PAGE = 20
SANS_ORGANISATION = (
    "Organiser des événements et publier pour le réseau est réservé à l'équipe nationale, aux animateurs "
    "départementaux et aux préfectures (leur département), et aux référents nationaux des partenaires (les "
    "informations de leur partenaire)."
)
SANS_HABILITATION = "La vie du réseau est réservée aux personnes habilitées dans le réseau France services."
PERIODES = {"a_venir": "À venir", "passes": "Passés", "annules": "Annulés"}


def _avec_ma_participation(qs, utilisateur):
    mes = Participation.objects.filter(evenement=OuterRef("pk"), personne=utilisateur)
    return qs.annotate(
        je_suis_inscrit=Exists(mes.filter(inscrite_le__isnull=False, desinscrite_le__isnull=True)),
        nb_inscrits=Count(
            "participations",
            filter=Q(participations__inscrite_le__isnull=False, participations__desinscrite_le__isnull=True),
        ),
    )


def _non_lues(qs, utilisateur):
    return qs.annotate(lue=Exists(Lecture.objects.filter(publication=OuterRef("pk"), personne=utilisateur)))


def publications_visibles(utilisateur, maintenant=None):
    """En ligne et adressées à la personne, ou gérées par elle (même retirées)."""
    gerees = Publication.objects.gerables_par(utilisateur).values("pk")
    return Publication.objects.visible_par(utilisateur).filter(
        Q(publiee_le__lte=maintenant or timezone.now(), retiree_le__isnull=True) | Q(pk__in=gerees)
    )


@require_GET
def accueil(request):
    user, maintenant = request.user, timezone.now()
    perimetre = perimetre_de(user)
    if perimetre.est_vide:
        return refuser(request, "Vie du réseau", SANS_HABILITATION)
    evenements = _avec_ma_participation(
        EvenementReseau.objects.visible_par(user).a_venir(maintenant).select_related("departement", "region"),
        user,
    ).order_by("debut", "pk")[:5]
    non_lues = _non_lues(Publication.objects.visible_par(user).en_ligne(maintenant), user).filter(lue=False)
    nb_non_lues = non_lues.count()
    return render(
        request,
        "reseau/accueil.html",
        {
            "titre": "Vie du réseau",
            "evenements": evenements,
            "actualites": non_lues.select_related("departement", "region")[:5],
            "nb_non_lues": nb_non_lues,
            "organise": peut_organiser(perimetre),
            "explication": explication(perimetre),
        },
    )


# — Événements —


@require_GET
def evenements(request):
    user, maintenant = request.user, timezone.now()
    if perimetre_de(user).est_vide:
        return refuser(request, "Événements du réseau", SANS_HABILITATION)
    periode = request.GET.get("periode")
    if periode not in PERIODES:
        periode = "a_venir"
    type_ = request.GET.get("type", "")
    if type_ not in TypeEvenement.values:
        type_ = ""
    mes = request.GET.get("mes") == "1"
    qs = _avec_ma_participation(
        EvenementReseau.objects.visible_par(user).select_related("departement", "region", "partenaire"), user
    )
    if periode == "a_venir":
        qs = qs.filter(fin__gt=maintenant, annule_le__isnull=True).order_by("debut", "pk")
    elif periode == "passes":
        qs = qs.filter(fin__lte=maintenant, annule_le__isnull=True).order_by("-debut", "-pk")
    else:
        qs = qs.filter(annule_le__isnull=False).order_by("-debut", "-pk")
    if type_:
        qs = qs.filter(type=type_)
    if mes:
        qs = qs.filter(je_suis_inscrit=True)
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    parametres = f"periode={periode}" + (f"&type={type_}" if type_ else "") + ("&mes=1" if mes else "")
    perimetre = perimetre_de(user)
    return render(
        request,
        "reseau/evenements.html",
        {
            "titre": "Événements du réseau",
            "page": page,
            "periode": periode,
            "periodes": PERIODES,
            "types": TypeEvenement.choices,
            "type": type_,
            "mes": mes,
            "parametres": parametres,
            "organise": peut_organiser(perimetre),
            "explication": explication(perimetre),
        },
    )


def _evenement_visible(request, pk) -> EvenementReseau:
    qs = EvenementReseau.objects.visible_par(request.user).select_related(
        "departement", "region", "partenaire", "commune", "organisateur"
    )
    return get_object_or_404(qs, pk=pk)


def _evenement_gere(request, pk) -> EvenementReseau:
    qs = EvenementReseau.objects.gerables_par(request.user).select_related(
        "departement", "region", "partenaire", "commune", "organisateur"
    )
    return get_object_or_404(qs, pk=pk)


@require_GET
def evenement(request, pk):
    e = _evenement_visible(request, pk)
    maintenant = timezone.now()
    mienne = Participation.objects.filter(evenement=e, personne=request.user).first()
    inscrits = actions.inscrits(e)
    gere = EvenementReseau.objects.gerables_par(request.user).filter(pk=e.pk).exists()
    ouvert = e.annule_le is None and e.debut > maintenant
    complet = e.capacite is not None and inscrits >= e.capacite
    inscrit = mienne is not None and mienne.inscrite
    return render(
        request,
        "reseau/evenement.html",
        {
            "titre": e.titre,
            "e": e,
            "mienne": mienne,
            "inscrit": inscrit,
            "inscrits": inscrits,
            "places_restantes": max(e.capacite - inscrits, 0) if e.capacite is not None else None,
            "ouvert": ouvert,
            "complet": complet,
            "gere": gere,
            "commence": e.debut <= maintenant,
            "termine": e.fin <= maintenant,
            "documents": list(e.documents.all()),
            "voit_lien": e.lien and (inscrit or gere),
        },
    )


@require_POST
def inscrire(request, pk):
    e = _evenement_visible(request, pk)
    try:
        actions.inscrire(par=request.user, evenement=e)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, "Vous êtes inscrit(e). Un rappel vous sera envoyé la veille.")
    return redirect("reseau:evenement", pk=e.pk)


@require_POST
def desinscrire(request, pk):
    e = _evenement_visible(request, pk)
    try:
        actions.desinscrire(par=request.user, evenement=e)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, "Vous êtes désinscrit(e) : votre place est libérée.")
    return redirect("reseau:evenement", pk=e.pk)


def _formulaire_evenement(request, instance=None):
    perimetre = perimetre_de(request.user)
    creation = instance is None
    form = EvenementForm(request.POST or None, instance=instance, perimetre=perimetre)
    if request.method == "POST" and form.is_valid():
        evenement_ = form.save(commit=False)
        try:
            invites = actions.enregistrer_evenement(
                par=request.user, evenement=evenement_, champs=form.changed_data, request=request
            )
        except PermissionDenied:
            form.add_error(None, "Ce périmètre n'est pas le vôtre : choisissez un périmètre que vous gérez.")
        else:
            texte = "Événement créé." if creation else "Modifications enregistrées."
            if invites:
                texte += f" {invites} personne{'s' if invites > 1 else ''} invitée{'s' if invites > 1 else ''} par courriel."
            messages.success(request, texte)
            return redirect("reseau:evenement", pk=evenement_.pk)
    return render(
        request,
        "reseau/evenement_form.html",
        {
            "titre": "Nouvel événement du réseau" if creation else "Modifier l'événement",
            "form": form,
            "e": instance,
        },
    )


@require_http_methods(["GET", "POST"])
def nouvel_evenement(request):
    if not peut_organiser(perimetre_de(request.user)):
        return refuser(request, "Organiser un événement du réseau", SANS_ORGANISATION)
    return _formulaire_evenement(request)


@require_http_methods(["GET", "POST"])
def modifier_evenement(request, pk):
    e = _evenement_gere(request, pk)
    if e.annule_le is not None or e.fin <= timezone.now():
        messages.error(request, "Cet événement est annulé ou terminé : il ne peut plus être modifié.")
        return redirect("reseau:evenement", pk=e.pk)
    return _formulaire_evenement(request, e)


@require_http_methods(["GET", "POST"])
def annuler_evenement(request, pk):
    e = _evenement_gere(request, pk)
    form = AnnulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            n = actions.annuler_evenement(
                par=request.user, evenement=e, motif=form.cleaned_data["motif"], request=request
            )
        except ValidationError as erreur:
            form.add_error(None, " ".join(erreur.messages))
        else:
            messages.success(
                request,
                f"Événement annulé ; {n} inscrit{'s' if n > 1 else ''} prévenu{'s' if n > 1 else ''} par courriel.",
            )
            return redirect("reseau:evenement", pk=e.pk)
    return render(
        request,
        "reseau/annuler.html",
        {"titre": "Annuler l'événement", "form": form, "e": e, "inscrits": actions.inscrits(e)},
    )


@require_http_methods(["GET", "POST"])
def presences(request, pk):
    e = _evenement_gere(request, pk)
    lignes = list(
        Participation.objects.inscrites()
        .filter(evenement=e)
        .select_related("personne")
        .order_by("personne__last_name", "personne__first_name", "pk")
    )
    erreur = None
    if request.method == "POST":
        try:
            presents = [int(v) for v in request.POST.getlist("presents")]
            n = actions.noter_presences(par=request.user, evenement=e, presents=presents, request=request)
        except (ValueError, TypeError):
            erreur = "La feuille envoyée est illisible : rechargez la page."
        except ValidationError as exc:
            erreur = " ".join(exc.messages)
        else:
            messages.success(
                request, f"Présences enregistrées : {n} présent{'s' if n > 1 else ''} sur {len(lignes)}."
            )
            return redirect("reseau:evenement", pk=e.pk)
    return render(
        request,
        "reseau/presences.html",
        {
            "titre": "Feuille de présence",
            "e": e,
            "lignes": lignes,
            "erreur": erreur,
            "commence": e.debut <= timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
def compte_rendu(request, pk):
    e = _evenement_gere(request, pk)
    form = CompteRenduForm(request.POST or None, request.FILES or None, initial={"texte": e.compte_rendu})
    if request.method == "POST" and form.is_valid():
        try:
            deposes = actions.deposer_compte_rendu(
                par=request.user,
                evenement=e,
                texte=form.cleaned_data["texte"],
                documents=form.cleaned_data["documents"],
                request=request,
            )
        except ValidationError as erreur:
            form.add_error(None, " ".join(erreur.messages))
        else:
            n = len(deposes)
            messages.success(
                request,
                "Compte rendu enregistré"
                + (f" ; {n} document{'s' if n > 1 else ''} joint{'s' if n > 1 else ''}." if n else "."),
            )
            return redirect("reseau:evenement", pk=e.pk)
    return render(
        request,
        "reseau/compte_rendu.html",
        {
            "titre": "Compte rendu et documents",
            "form": form,
            "e": e,
            "commence": e.debut <= timezone.now(),
            "documents": list(e.documents.all()),
        },
    )


@require_GET
def export_participants(request, pk):
    e = _evenement_gere(request, pk)
    lignes_qs = (
        Participation.objects.filter(evenement=e, inscrite_le__isnull=False)
        .select_related("personne")
        .order_by("personne__last_name", "personne__first_name", "pk")
    )
    journaliser(
        Evenement.EXPORT,
        request=request,
        cible=e,
        details={"export": "reseau_participants", "lignes": lignes_qs.count()},
    )
    redacteur = csv.writer(Echo(), delimiter=";")

    def date(valeur):
        return e.local(valeur).strftime("%d/%m/%Y %H:%M") if valeur else ""

    def lignes():
        yield "\ufeff" + redacteur.writerow(
            ["Nom", "Prénom", "Adresse électronique", "Inscrit le", "Désinscrit le", "Présence"]
        )
        for p in lignes_qs.iterator(chunk_size=500):
            presence = {True: "présent", False: "absent", None: ""}[p.presente]
            yield redacteur.writerow(
                [
                    neutraliser(p.personne.last_name),
                    neutraliser(p.personne.first_name),
                    neutraliser(p.personne.email),
                    date(p.inscrite_le),
                    date(p.desinscrite_le),
                    presence,
                ]
            )

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="participants-evenement-{e.pk}.csv"'
    return reponse


@require_GET
def document(request, pk):
    user = request.user
    visibles = Document.objects.filter(
        Q(evenement__in=EvenementReseau.objects.visible_par(user).values("pk"))
        | Q(publication__in=publications_visibles(user).values("pk"))
    )
    doc = get_object_or_404(visibles, pk=pk)
    try:
        fichier = doc.fichier.open("rb")
    except (FileNotFoundError, ValueError) as erreur:
        raise Http404("Ce document n'est plus disponible.") from erreur
    reponse = FileResponse(fichier, as_attachment=True, filename=doc.nom, content_type=doc.type_mime)
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Cache-Control"] = "private, no-store"
    return reponse


# — Actualités et ressources —


@require_GET
def actualites(request):
    user, maintenant = request.user, timezone.now()
    type_ = request.GET.get("type", "")
    if type_ not in TypePublication.values:
        type_ = ""
    vue = request.GET.get("vue", "")
    perimetre = perimetre_de(user)
    if perimetre.est_vide:
        return refuser(request, "Actualités du réseau", SANS_HABILITATION)
    organise = peut_organiser(perimetre)
    if vue == "gerees" and organise:
        qs = Publication.objects.gerables_par(user).annotate(nb_lectures=Count("lectures"))
        qs = qs.order_by("-publiee_le", "-pk")
    else:
        vue = ""
        qs = _non_lues(Publication.objects.visible_par(user).en_ligne(maintenant), user)
        qs = qs.order_by("lue", "-epinglee", "-publiee_le", "-pk")  # non lues d'abord
    if type_:
        qs = qs.filter(type=type_)
    qs = qs.select_related("departement", "region", "auteur")
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    parametres = "&".join(p for p in (f"type={type_}" if type_ else "", f"vue={vue}" if vue else "") if p)
    return render(
        request,
        "reseau/actualites.html",
        {
            "titre": "Actualités et ressources du réseau",
            "page": page,
            "types": TypePublication.choices,
            "type": type_,
            "vue": vue,
            "parametres": parametres,
            "organise": organise,
            "explication": explication(perimetre),
            "maintenant": maintenant,
        },
    )


def statistiques_lecture(publication) -> tuple[int, int]:
    """(lue par X, sur Y destinataires) en une requête : les destinataires d'aujourd'hui, et parmi eux ceux
    qui ont une lecture."""
    lu = Lecture.objects.filter(publication=publication, personne=OuterRef("pk"))
    chiffres = destinataires(publication).aggregate(y=Count("pk"), x=Count("pk", filter=Exists(lu)))
    return chiffres["x"], chiffres["y"]


@require_GET
def actualite(request, pk):
    p = get_object_or_404(
        publications_visibles(request.user).select_related("departement", "region", "auteur", "partenaire"),
        pk=pk,
    )
    gere = Publication.objects.gerables_par(request.user).filter(pk=p.pk).exists()
    en_ligne = p.retiree_le is None and p.publiee_le <= timezone.now()
    if en_ligne:
        actions.marquer_lue(personne=request.user, publication=p)
    stats = statistiques_lecture(p) if gere else None
    return render(
        request,
        "reseau/actualite.html",
        {
            "titre": p.titre,
            "p": p,
            "gere": gere,
            "en_ligne": en_ligne,
            "stats": stats,
            "documents": list(p.documents.all()),
        },
    )


@require_http_methods(["GET", "POST"])
def nouvelle_actualite(request):
    perimetre = perimetre_de(request.user)
    if not peut_organiser(perimetre):
        return refuser(request, "Publier pour le réseau", SANS_ORGANISATION)
    form = PublicationForm(request.POST or None, request.FILES or None, perimetre=perimetre)
    if request.method == "POST" and form.is_valid():
        publication = form.save(commit=False)
        try:
            actions.publier(
                par=request.user,
                publication=publication,
                documents=form.cleaned_data["documents"],
                request=request,
            )
        except PermissionDenied:
            form.add_error(None, "Ce périmètre n'est pas le vôtre : choisissez un périmètre que vous gérez.")
        else:
            messages.success(
                request, "Publication en ligne : ses destinataires la voient dans leurs actualités."
            )
            return redirect("reseau:actualite", pk=publication.pk)
    return render(
        request,
        "reseau/actualite_form.html",
        {"titre": "Publier une actualité ou une ressource", "form": form},
    )


@require_POST
def retirer_actualite(request, pk):
    p = get_object_or_404(Publication.objects.gerables_par(request.user), pk=pk)
    try:
        actions.retirer(par=request.user, publication=p, request=request)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, "Publication retirée : elle n'apparaît plus à ses destinataires.")
    return redirect("reseau:actualite", pk=p.pk)
