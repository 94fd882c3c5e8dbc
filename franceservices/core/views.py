"""Journal d'audit : consultation filtrée et export CSV, pour l'équipe nationale seulement.

Pour toute autre personne, la page n'existe pas (404), comme un objet hors de son périmètre. Les lignes
sont lues telles qu'enregistrées (adresse de l'acteur et libellé de la cible au moment des faits) : ni
jointure ni requête par ligne, le nombre de requêtes ne dépend pas du nombre d'événements.
"""

import csv
import json
from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .audit import journaliser
from .exports import Echo, neutraliser
from .forms import FiltresJournal
from .models import Evenement, EvenementAudit

PAR_PAGE = 50


def _reserve_equipe_nationale(request):
    if not request.user.perimetre.voit_journal_audit:
        raise Http404("Page introuvable.")


def _debut_du_jour(jour):
    return timezone.make_aware(datetime.combine(jour, time.min))


def _evenements_filtres(filtres: FiltresJournal):
    """Événements correspondant aux filtres valides (un filtre invalide est ignoré et signalé)."""
    evenements = EvenementAudit.objects.order_by("-horodatage", "-pk")
    if not filtres.is_bound:
        return evenements
    filtres.is_valid()
    donnees = filtres.cleaned_data
    if evenement := donnees.get("evenement"):
        evenements = evenements.filter(evenement=evenement)
    if acteur := donnees.get("acteur"):
        evenements = evenements.filter(acteur_email__icontains=acteur)
    if cible_type := donnees.get("cible_type"):
        evenements = evenements.filter(cible_type=cible_type)
    if cible_id := donnees.get("cible_id"):
        evenements = evenements.filter(cible_id=cible_id)
    if du := donnees.get("du"):
        evenements = evenements.filter(horodatage__gte=_debut_du_jour(du))
    if au := donnees.get("au"):
        evenements = evenements.filter(horodatage__lt=_debut_du_jour(au + timedelta(days=1)))
    if ip := donnees.get("ip"):
        if filtres.ip_complete:
            evenements = evenements.filter(adresse_ip=ip)
        else:
            evenements = evenements.filter(adresse_ip__startswith=ip)
    return evenements


def _details_lisibles(details) -> list[tuple[str, str]]:
    if not details:
        return []
    if not isinstance(details, dict):
        return [("", json.dumps(details, ensure_ascii=False))]
    return [
        (cle, valeur if isinstance(valeur, str) else json.dumps(valeur, ensure_ascii=False))
        for cle, valeur in details.items()
    ]


@require_GET
def journal(request):
    _reserve_equipe_nationale(request)
    filtres = FiltresJournal(request.GET or None)
    page = Paginator(_evenements_filtres(filtres), PAR_PAGE).get_page(request.GET.get("page"))
    lignes = [(evenement, _details_lisibles(evenement.details)) for evenement in page]
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "core/journal.html",
        {
            "titre": "Journal d'audit",
            "filtres": filtres,
            "page": page,
            "lignes": lignes,
            "filtre_actif": bool(filtres.valeurs()),
            "parametres": parametres.urlencode(),
        },
    )


@require_GET
def journal_export(request):
    """Export CSV des événements filtrés ; l'export est lui-même journalisé (avant la lecture)."""
    _reserve_equipe_nationale(request)
    filtres = FiltresJournal(request.GET or None)
    if filtres.is_bound and not filtres.is_valid():
        # Filtres invalides : retour à la page, qui les signale (pas d'export d'autre chose que demandé).
        return redirect(f"{reverse('core:journal')}?{request.GET.urlencode()}")
    evenements = _evenements_filtres(filtres)
    export = journaliser(
        Evenement.EXPORT,
        request=request,
        details={"export": "journal d'audit", "filtres": filtres.valeurs(), "lignes": evenements.count()},
    )
    # L'export contient les événements antérieurs au sien.
    evenements = evenements.filter(pk__lt=export.pk)
    redacteur = csv.writer(Echo(), delimiter=";")

    def lignes():
        yield "\ufeff" + redacteur.writerow(
            [
                "Horodatage (Europe/Paris)",
                "Événement",
                "Code",
                "Acteur",
                "Type de cible",
                "Identifiant de la cible",
                "Cible",
                "Adresse IP",
                "Détails",
            ]
        )
        for e in evenements.iterator(chunk_size=1000):
            yield redacteur.writerow(
                [
                    timezone.localtime(e.horodatage).strftime("%d/%m/%Y %H:%M:%S"),
                    e.get_evenement_display(),
                    e.evenement,
                    neutraliser(e.acteur_email),
                    e.cible_type,
                    neutraliser(e.cible_id),
                    neutraliser(e.cible_libelle),
                    e.adresse_ip or "",
                    neutraliser(json.dumps(e.details, ensure_ascii=False) if e.details else ""),
                ]
            )

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = (
        f'attachment; filename="journal-audit-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return reponse
