"""Suivi des sessions par le formateur, l'organisateur, l'animation départementale et l'équipe nationale :
liste des sessions suivies, page de présence et de réussite (htmx, une ligne par inscrit), feuille
d'émargement PDF, import du fichier de l'organisme. L'agent télécharge ici ses attestations.

Toute session se lit dans `reussite.sessions_suivies(request.user)` : une autre → 404. Une attestation se
lit dans les inscriptions réussies de la personne connectée : celle d'un autre → 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import importation, reussite
from .attestations import attestation_pdf
from .emargement import emargement_pdf
from .models import Inscription, Presence, Statut

PAR_PAGE = 25
TAILLE_MAX_CSV = 2 * 1024 * 1024


def _pdf(contenu: bytes, nom: str, *, piece_jointe: bool = True) -> HttpResponse:
    reponse = HttpResponse(contenu, content_type="application/pdf")
    reponse["Content-Disposition"] = f'{"attachment" if piece_jointe else "inline"}; filename="{nom}"'
    reponse["Cache-Control"] = "private, no-store"
    return reponse


@require_GET
def sessions(request):
    qs = (
        reussite.sessions_suivies(request.user)
        .select_related("module", "departement")
        .annotate(
            inscrits=Count("inscriptions", filter=Q(inscriptions__statut=Statut.CONFIRMEE)),
            presents=Count(
                "inscriptions",
                filter=Q(inscriptions__statut=Statut.CONFIRMEE, inscriptions__presence=Presence.PRESENT),
            ),
            reussis=Count("inscriptions", filter=Q(inscriptions__reussie_le__isnull=False)),
        )
        .order_by("-debut", "-pk")
    )
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "formations/suivi/sessions.html",
        {"titre": "Suivi des sessions de formation", "page": page, "sessions": page.object_list},
    )


def _session(request, pk):
    return get_object_or_404(
        reussite.sessions_suivies(request.user).select_related("module", "formateur", "departement"), pk=pk
    )


def _inscrits(session):
    return (
        session.inscriptions.filter(statut=Statut.CONFIRMEE)
        .select_related("agent")
        .order_by("agent__last_name", "agent__first_name", "agent__email")
    )


@require_GET
def presence(request, pk):
    session = _session(request, pk)
    return render(
        request,
        "formations/suivi/presence.html",
        {
            "titre": f"Présence et réussite — {session.module.titre}",
            "session": session,
            "inscriptions": _inscrits(session),
            "import_form": ImportForm(),
        },
    )


@require_POST
def noter(request, pk, inscription_pk):
    """Une ligne : présence (présent, absent, non notée) et réussite (case). htmx : la ligne seule."""
    session = _session(request, pk)
    inscription = get_object_or_404(
        session.inscriptions.filter(statut=Statut.CONFIRMEE).select_related("agent"), pk=inscription_pk
    )
    valeur = request.POST.get("presence", "")
    reussie = request.POST.get("reussite") == "oui"
    erreur = None
    if valeur not in {"", *Presence.values}:
        erreur = "Présence inconnue : choisissez présent ou absent."
    elif reussie and valeur == Presence.ABSENT:
        erreur = f"{inscription.agent} ne peut pas être à la fois absent(e) et avoir réussi."
    else:
        try:
            with transaction.atomic():  # retirer la réussite et noter la présence : les deux ou rien
                if reussie:
                    reussite.noter_reussite(par=request.user, inscription=inscription)
                else:
                    reussite.annuler_reussite(par=request.user, inscription=inscription)
                    reussite.noter_presence(par=request.user, inscription=inscription, presence=valeur)
        except (ValidationError, PermissionDenied) as exc:
            erreur = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    inscription.refresh_from_db()
    if request.htmx:
        return render(
            request,
            "formations/suivi/_ligne.html",
            {"i": inscription, "session": session, "erreur": erreur, "enregistre": erreur is None},
        )
    if erreur:
        messages.error(request, erreur)
    else:
        messages.success(request, f"Enregistré pour {inscription.agent}.")
    return redirect("formations_suivi:presence", pk=session.pk)


@require_GET
def emargement(request, pk):
    session = _session(request, pk)
    return _pdf(emargement_pdf(session), f"emargement-session-{session.pk}.pdf")


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier de l'organisme (CSV)",
        help_text="Colonnes session ; courriel ; presence ; reussite — UTF-8, séparateur « ; » ou « , ». "
        "Exemple de ligne : 12;camille.martin@exemple.fr;present;oui",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size > TAILLE_MAX_CSV:
            raise forms.ValidationError("Fichier trop lourd : 2 Mo au plus.")
        return fichier


@require_http_methods(["GET", "POST"])
def importer(request):
    rapport = None
    erreur_fichier = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            fichier = form.cleaned_data["fichier"]
            try:
                rapport = importation.importer(fichier.read(), fichier.name, par=request.user)
            except importation.FichierInvalide as exc:
                erreur_fichier = str(exc)
            if rapport is not None and rapport.valide:
                messages.success(request, rapport.resume())
                return redirect("formations_suivi:importer")
    else:
        form = ImportForm()
    return render(
        request,
        "formations/suivi/import.html",
        {
            "titre": "Importer le fichier de l'organisme de formation",
            "form": form,
            "rapport": rapport,
            "erreur_fichier": erreur_fichier,
        },
    )


def _mes_reussites(request):
    return Inscription.objects.filter(
        agent=request.user, statut=Statut.CONFIRMEE, reussie_le__isnull=False, code_attestation__isnull=False
    )


@require_GET
def mes_attestations(request):
    inscriptions = _mes_reussites(request).select_related("session__module").order_by("-reussie_le")
    return render(
        request,
        "formations/suivi/mes_attestations.html",
        {"titre": "Mes attestations de formation", "inscriptions": inscriptions},
    )


@require_GET
def attestation(request, pk):
    inscription = get_object_or_404(_mes_reussites(request).select_related("session__module", "agent"), pk=pk)
    return _pdf(attestation_pdf(inscription), f"attestation-{inscription.code_attestation}.pdf")
