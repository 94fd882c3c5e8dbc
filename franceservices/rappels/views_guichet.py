"""Guichet unique « J'ai besoin d'aide pour… » : page publique `/aide/`, widget intégrable `/aide/widget/`.

Formulaires GET, sans JavaScript. Le résultat enregistre une seule décision anonyme par parcours : l'adresse du
résultat porte un jeton de parcours signé et horodaté (ajouté par redirection s'il manque) ; recharger la
page, revenir en arrière ou l'ouvrir à nouveau retrouve la décision au lieu d'en créer une autre. Suivre une
autre proposition passe par `/aide/choisir/` (lien signé : décision, orientation, destination), qui change
l'orientation de cette même décision puis redirige. Aucun cookie de suivi, aucune donnée personnelle.

Le widget et sa page de résultat sont les seules pages autorisées en iframe (X-Frame-Options levé, CSP
`frame-ancestors *`) ; ses liens de sortie ouvrent un nouvel onglet.
"""

import secrets
from datetime import UTC, datetime, timedelta
from html import escape

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from franceservices.core.limitation import depasse, reponse_trop_de_requetes

from .forms_guichet import LIBELLES_SUJETS, BesoinForm, IntegrerForm, QuestionsForm, libelle_commune
from .models import Orientation
from .orientation import (
    NE_SAIT_PAS,
    choisir_orientation,
    decision_du_parcours,
    enregistrer_decision,
    orienter,
)

SEL_PARCOURS = "rappels.guichet.parcours"
SEL_CHOIX = "rappels.guichet.choisir"
DUREE_PARCOURS = timedelta(days=1)
DUREE_CHOIX = timedelta(days=2)
CSP_WIDGET = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


def _limite(request) -> bool:
    """Limitation de débit par IP : portée « guichet » si elle est réglée, sinon celle de la recherche publique."""
    return depasse(request, "guichet" if "guichet" in settings.LIMITES_DEBIT else "recherche")


def integrable(vue):
    """Vue autorisée en iframe (et elle seule) : ni X-Frame-Options, ni frame-ancestors restrictif."""
    return xframe_options_exempt(csp_override(CSP_WIDGET)(vue))


def _routes(widget: bool) -> dict:
    if widget:
        return {"etapes": reverse("guichet:widget"), "resultat": reverse("guichet:widget_resultat")}
    return {"etapes": reverse("guichet:aide"), "resultat": reverse("guichet:resultat")}


def _contexte(widget: bool, **autres) -> dict:
    return {
        "gabarit": "rappels/guichet/widget_base.html" if widget else "ui/base.html",
        "widget": widget,
        "routes": _routes(widget),
        "suggestions": [],
        "resume": None,
        "retour": "",
        "commune_preselectionnee": "",
        **autres,
    }


def _requete_sans(request, *cles) -> str:
    q = request.GET.copy()
    for cle in cles:
        q.pop(cle, None)
    return q.urlencode()


def _etapes(request, widget: bool):
    if _limite(request):
        return reponse_trop_de_requetes(request)
    etape2 = request.GET.get("etape") == "2"
    besoin = BesoinForm(request.GET if etape2 else None, initial=_preselection(request))
    if etape2 and besoin.is_valid():
        questions = QuestionsForm(
            initial={
                "sujet": request.GET.get("sujet", ""),
                "partenaire": request.GET.get("partenaire", ""),
                "commune": request.GET.get("commune", "")[:80],
                "en_ligne": NE_SAIT_PAS,
                "aide_ordinateur": NE_SAIT_PAS,
            }
        )
        return render(
            request,
            "rappels/guichet/etapes.html",
            _contexte(
                widget,
                titre="J'ai besoin d'aide pour…",
                etape=2,
                form=questions,
                resume=_resume(besoin.cleaned_data),
                retour=f"{_routes(widget)['etapes']}?{_requete_sans(request, 'etape')}",
            ),
        )
    return render(
        request,
        "rappels/guichet/etapes.html",
        _contexte(
            widget,
            titre="J'ai besoin d'aide pour…",
            etape=1,
            form=besoin,
            commune_preselectionnee=request.GET.get("commune", "")[:80],
        ),
    )


def _preselection(request) -> dict:
    """Organisme et commune présélectionnés (paramètres du widget, retour à l'étape 1)."""
    initial = {}
    for cle in ("sujet", "partenaire", "commune"):
        if request.GET.get(cle):
            initial[cle] = request.GET[cle][:80]
    return initial


def _resume(donnees) -> dict:
    partenaire = donnees.get("partenaire")
    return {
        "sujet": LIBELLES_SUJETS.get(donnees.get("sujet") or "", "Je ne sais pas"),
        "partenaire": partenaire.nom_court if partenaire is not None else "Je ne sais pas",
    }


def _jeton_parcours() -> str:
    return signing.TimestampSigner(salt=SEL_PARCOURS).sign(secrets.token_urlsafe(12))


def _lire_parcours(jeton: str) -> tuple[str, datetime] | None:
    """(identifiant aléatoire, heure de création) d'un jeton valide et récent ; None sinon."""
    signataire = signing.TimestampSigner(salt=SEL_PARCOURS)
    try:
        valeur = signataire.unsign(jeton, max_age=DUREE_PARCOURS)
        horodatage = signing.b62_decode(jeton.rsplit(":", 2)[1])
    except (signing.BadSignature, ValueError, IndexError):
        return None
    return valeur, datetime.fromtimestamp(horodatage, tz=UTC)


def lien_choisir(decision_id: int, orientation: str, destination: str) -> str:
    jeton = signing.dumps(
        {"d": decision_id, "o": orientation, "u": destination}, salt=SEL_CHOIX, compress=True
    )
    return f"{reverse('guichet:choisir')}?{urlencode({'j': jeton})}"


def _resultat(request, widget: bool):
    if _limite(request):
        return reponse_trop_de_requetes(request)
    form = QuestionsForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "rappels/guichet/etapes.html",
            _contexte(
                widget,
                titre="J'ai besoin d'aide pour… — à corriger",
                etape=2,
                form=form,
                resume=_resume(form.cleaned_data),
                suggestions=[(c.code_insee, libelle_commune(c)) for c in form.suggestions],
                retour=f"{_routes(widget)['etapes']}?{_requete_sans(request, 'etape', 'p')}",
            ),
        )
    parcours = _lire_parcours(request.GET.get("p", ""))
    if parcours is None:  # premier affichage : on fixe le parcours dans l'adresse (pas de cookie)
        q = request.GET.copy()
        q["p"] = _jeton_parcours()
        return HttpResponseRedirect(f"{request.path}?{q.urlencode()}")
    identifiant, cree_le = parcours
    reponses = form.reponses()
    propositions = orienter(reponses)
    decision = decision_du_parcours(identifiant, cree_le - timedelta(minutes=1))
    if decision is None:
        decision = enregistrer_decision(
            reponses=reponses, orientation=propositions[0].orientation, parcours=identifiant
        )
    for p in propositions:
        p.lien_suivi = lien_choisir(decision.pk, p.orientation, p.lien) if p.lien else ""
    modifier = QueryDict(mutable=True)
    for cle in ("sujet", "partenaire", "commune"):
        if request.GET.get(cle):
            modifier[cle] = request.GET[cle]
    modifier["etape"] = "2"
    commune = reponses.commune
    return render(
        request,
        "rappels/guichet/resultat.html",
        _contexte(
            widget,
            titre="Les solutions pour votre demande",
            propositions=propositions,
            premiere=propositions[0],
            reponses=reponses,
            resume=_resume(form.cleaned_data),
            commune=libelle_commune(commune) if commune is not None else "",
            sans_position=commune is not None and commune.position is None,
            Orientation=Orientation,
            modifier=f"{_routes(widget)['etapes']}?{modifier.urlencode()}",
            recommencer=_routes(widget)["etapes"],
        ),
    )


@login_not_required
@require_GET
def aide(request):
    return _etapes(request, widget=False)


@login_not_required
@require_GET
def resultat(request):
    return _resultat(request, widget=False)


@login_not_required
@require_GET
@integrable
def widget(request):
    return _etapes(request, widget=True)


@login_not_required
@require_GET
@integrable
def widget_resultat(request):
    return _resultat(request, widget=True)


@login_not_required
@require_GET
def choisir(request):
    """L'usager suit une proposition : l'orientation de la décision de son parcours devient celle-ci."""
    if _limite(request):
        return reponse_trop_de_requetes(request)
    try:
        choix = signing.loads(request.GET.get("j", ""), salt=SEL_CHOIX, max_age=DUREE_CHOIX)
        decision_id, orientation, destination = int(choix["d"]), str(choix["o"]), str(choix["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return render(
            request,
            "rappels/guichet/lien_invalide.html",
            {"titre": "Lien expiré ou invalide"},
            status=400,
        )
    if orientation in Orientation.values:
        choisir_orientation(decision_id=decision_id, orientation=orientation)
    # La destination vient de notre signature : une page du site, ou une démarche en ligne officielle (https).
    if not (
        url_has_allowed_host_and_scheme(destination, allowed_hosts={request.get_host()})
        or destination.startswith("https://")
    ):
        destination = reverse("guichet:aide")
    return HttpResponseRedirect(destination)


@login_not_required
@require_GET
def integrer(request):
    form = IntegrerForm(request.GET or None)
    parametres = {}
    if form.is_bound and form.is_valid():
        parametres = {k: v for k, v in form.cleaned_data.items() if v}
    adresse = request.build_absolute_uri(reverse("guichet:widget"))
    if parametres:
        adresse += "?" + urlencode(parametres)
    code = (
        f'<iframe src="{escape(adresse)}" title="J\'ai besoin d\'aide pour… (France services)" '
        'width="100%" height="720" style="border:0" loading="lazy"></iframe>'
    )
    return render(
        request,
        "rappels/guichet/integrer.html",
        {
            "titre": "Intégrer le guichet « J'ai besoin d'aide pour… »",
            "form": form,
            "code": code,
            "adresse": adresse,
        },
    )
