"""Pages publiques du guichet unique `/aide/` et du widget `/aide/widget/` : parcours sans JavaScript (GET),
entrées forgées, une seule décision anonyme par parcours, liens suivis, iframe autorisée pour le widget seul."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from franceservices.activite.models import Demarche
from franceservices.partenaires.models import Partenaire
from franceservices.rappels.models import DecisionOrientation, Orientation
from franceservices.rendezvous.models import Disponibilite, TypeRendezVous
from franceservices.territoires.models import Commune

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()  # compteurs de la limitation de débit
    yield
    cache.clear()


def angouleme():
    return Commune.objects.get(code_insee="16015")


def caf():
    return Partenaire.objects.get(code="cnaf")


def parametres(**autres):
    base = {
        "sujet": "social_sante",
        "partenaire": "cnaf",
        "demarche": "",
        "en_ligne": "non",
        "aide_ordinateur": "non",
        "commune": "Angoulême",
    }
    base.update(autres)
    return {k: v for k, v in base.items() if v is not None}


def suivre_resultat(client, url_nom="guichet:resultat", **autres):
    """GET du résultat : première réponse = redirection qui fixe le jeton de parcours ; on la suit."""
    r = client.get(reverse(url_nom), parametres(**autres))
    assert r.status_code == 302
    assert "p=" in r["Location"]
    r2 = client.get(r["Location"])
    return r2, r["Location"]


def test_etape_1_sans_javascript(client):
    r = client.get(reverse("guichet:aide"))
    assert r.status_code == 200
    html = r.content.decode()
    assert '<form method="get" action="/aide/"' in html
    assert 'name="etape" value="2"' in html
    assert "Je ne sais pas" in html and "Santé, allocations" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]  # le parcours ne dépend d'aucun script


def test_etape_2_liste_des_demarches_filtree_par_organisme(client):
    r = client.get(reverse("guichet:aide"), {"etape": "2", "sujet": "social_sante", "partenaire": "cnaf"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'action="/aide/resultat/"' in html
    proposees = set(map(int, re.findall(r'<option value="(\d+)"', html)))
    attendues = set(Demarche.objects.filter(partenaire=caf(), actif=True).values_list("pk", flat=True))
    assert proposees == attendues and attendues
    assert "organisme : <strong>Caf</strong>" in html


def test_etape_2_organisme_forge_revient_a_l_etape_1(client):
    r = client.get(reverse("guichet:aide"), {"etape": "2", "sujet": "<script>", "partenaire": "inconnu"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Cet organisme est inconnu" in html
    assert "Ce choix n&#x27;est pas dans la liste" in html


def test_resultat_france_services_avec_prochain_creneau(client):
    from franceservices.rappels.orientation import Reponses, orienter

    proche = next(
        p.structure
        for p in orienter(Reponses(partenaire=caf(), commune=angouleme()))
        if p.orientation == Orientation.FRANCE_SERVICES
    )
    for jour in range(7):
        Disponibilite.objects.create(
            structure=proche, jour_semaine=jour, heure_debut="00:00", heure_fin="23:59"
        )
    TypeRendezVous.objects.create(structure=proche, partenaire=caf(), libelle="Rendez-vous CAF", duree=30)
    r, _ = suivre_resultat(client)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Prochain rendez-vous libre" in html
    assert 'href="/aide/choisir/?j=' in html
    assert "Rendez-vous CAF" in html
    props = r.context["propositions"]
    fs = [p for p in props if p.orientation == Orientation.FRANCE_SERVICES]
    assert fs[0].structure == proche and fs[0].prochain_creneau is not None
    creneau = fs[0].prochain_creneau  # heure locale de la France services
    assert f"à {creneau.hour} h {creneau:%M}</strong>" in html
    assert props[-1].orientation == Orientation.RAPPEL
    # Le lien de réservation (via /aide/choisir/) mène à la page de rendez-vous de cette France services.
    suivi = client.get(fs[0].lien_suivi)
    assert suivi.status_code == 302
    assert suivi["Location"] == f"/rendez-vous/france-services/{proche.pk}/?partenaire=cnaf"


def test_une_seule_decision_par_parcours_et_sans_donnee_personnelle(client):
    r, adresse = suivre_resultat(client)
    assert DecisionOrientation.objects.count() == 1
    # Recharger, revenir en arrière : toujours une seule décision.
    client.get(adresse)
    client.get(adresse)
    assert DecisionOrientation.objects.count() == 1
    decision = DecisionOrientation.objects.get()
    premiere = r.context["propositions"][0]
    assert decision.orientation == premiere.orientation
    assert decision.partenaire == caf() and decision.code_insee == "16015"
    assert set(decision.reponses) == {
        "sujet",
        "partenaire",
        "demarche",
        "en_ligne",
        "aide_ordinateur",
        "parcours",
    }
    assert "127.0.0.1" not in str(decision.reponses)
    # Suivre une autre proposition (le rappel) : la même décision change d'orientation, puis redirection.
    rappel = r.context["propositions"][-1]
    suivi = client.get(rappel.lien_suivi)
    assert suivi.status_code == 302
    assert suivi["Location"] == "/rappels/demander/?partenaire=cnaf&commune=16015"
    client.get(rappel.lien_suivi)
    assert DecisionOrientation.objects.count() == 1
    assert DecisionOrientation.objects.get().orientation == Orientation.RAPPEL
    # Un nouveau parcours (nouvelle soumission du formulaire) : une nouvelle décision.
    suivre_resultat(client)
    assert DecisionOrientation.objects.count() == 2
    # Aucun cookie posé par le guichet.
    assert not client.cookies


def test_jeton_de_parcours_forge_refait_un_parcours(client):
    r = client.get(reverse("guichet:resultat"), parametres(p="abc:def:ghi"))
    assert r.status_code == 302 and "p=abc" not in r["Location"]
    assert DecisionOrientation.objects.count() == 0


def test_lien_choisir_forge_ou_expire(client):
    for j in ("", "nimportequoi", "eyJkIjoxfQ:1abc:signature"):
        r = client.get(reverse("guichet:choisir"), {"j": j})
        assert r.status_code == 400
        assert "Lien expiré ou invalide" in r.content.decode()


def test_demarche_en_ligne_en_premier(client):
    d = Demarche.objects.filter(partenaire=caf(), actif=True).order_by("pk").first()
    d.lien_en_ligne = "https://www.caf.fr/allocataires/mes-services-en-ligne"
    d.save(update_fields=["lien_en_ligne"])
    r, _ = suivre_resultat(client, demarche=str(d.pk), en_ligne="oui", aide_ordinateur="non")
    premiere = r.context["propositions"][0]
    assert premiere.orientation == Orientation.EN_LIGNE
    assert DecisionOrientation.objects.get().orientation == Orientation.EN_LIGNE
    assert client.get(premiere.lien_suivi)["Location"] == d.lien_en_ligne


def test_demarche_d_un_autre_organisme_refusee(client):
    autre = Demarche.objects.exclude(partenaire=caf()).filter(actif=True).first()
    r = client.get(reverse("guichet:resultat"), parametres(demarche=str(autre.pk)))
    assert r.status_code == 200
    assert "Cette démarche ne correspond pas" in r.content.decode()
    assert DecisionOrientation.objects.count() == 0


@pytest.mark.parametrize(
    ("champ", "valeur"),
    [("partenaire", "nexistepas"), ("sujet", "<b>"), ("en_ligne", "peut-etre"), ("demarche", "999999"),
     ("demarche", "abc"), ("insee", "99999"), ("insee", "<x>")],
)  # fmt: skip
def test_codes_forges_message_jamais_500(client, champ, valeur):
    r = client.get(reverse("guichet:resultat"), parametres(**{champ: valeur}))
    assert r.status_code == 200
    assert "Une réponse est à corriger" in r.content.decode()
    assert DecisionOrientation.objects.count() == 0


def test_commune_inexistante_message_clair(client):
    r = client.get(reverse("guichet:resultat"), parametres(commune="Zzzqxwyville"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Nous ne trouvons pas de commune « Zzzqxwyville »" in html
    assert DecisionOrientation.objects.count() == 0


def test_commune_ambigue_suggestions_puis_choix(client):
    r = client.get(reverse("guichet:resultat"), parametres(commune="Saint-Denis"))
    html = r.content.decode()
    assert "Plusieurs communes correspondent" in html
    codes = re.findall(r'name="insee" value="([0-9AB]{5})"', html)
    assert len(codes) > 1
    r2, _ = suivre_resultat(client, commune="Saint-Denis", insee=codes[1])
    assert r2.status_code == 200
    assert DecisionOrientation.objects.get().code_insee == codes[1]


def test_commune_par_code_postal_ou_approchee(client):
    r, _ = suivre_resultat(client, commune="16000")
    assert DecisionOrientation.objects.get().code_insee == "16015"
    r, _ = suivre_resultat(client, commune="angouleme")
    assert r.context["reponses"].commune.code_insee == "16015"


def test_sans_commune_jamais_d_impasse(client):
    r, _ = suivre_resultat(client, commune="", partenaire="", sujet="")
    props = r.context["propositions"]
    assert [p.orientation for p in props] == [Orientation.RAPPEL]
    assert "Indiquez votre commune" in r.content.decode()
    assert DecisionOrientation.objects.get().orientation == Orientation.RAPPEL


def test_requetes_du_resultat_bornees(client, django_assert_max_num_queries):
    _, adresse = suivre_resultat(client)
    with django_assert_max_num_queries(25):
        r = client.get(adresse)
    assert r.status_code == 200


# — Widget et iframe —


def test_widget_autorise_en_iframe_les_autres_pages_non(client):
    for nom in ("guichet:widget",):
        r = client.get(reverse(nom))
        assert r.status_code == 200
        assert "X-Frame-Options" not in r
        assert "frame-ancestors *" in r["Content-Security-Policy"]
    r, _ = suivre_resultat(client, url_nom="guichet:widget_resultat")
    assert "X-Frame-Options" not in r
    assert "frame-ancestors *" in r["Content-Security-Policy"]
    for nom in ("guichet:aide", "guichet:resultat", "guichet:integrer", "structures:accueil"):
        r = client.get(reverse(nom), follow=True)
        assert r["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r["Content-Security-Policy"]


def test_widget_sans_entete_et_liens_dans_un_nouvel_onglet(client):
    r = client.get(reverse("guichet:widget"))
    html = r.content.decode()
    assert "fr-header" not in html and "fr-footer" not in html
    assert 'action="/aide/widget/"' in html
    r, _ = suivre_resultat(client, url_nom="guichet:widget_resultat")
    html = r.content.decode()
    liens = re.findall(r'<a [^>]*href="/aide/choisir/[^"]*"[^>]*>', html)
    assert liens and all('target="_blank"' in a and 'rel="noopener"' in a for a in liens)
    assert 'href="/aide/widget/?' in html  # « modifier » reste dans le widget


def test_widget_preselection_partenaire_et_commune(client):
    r = client.get(reverse("guichet:widget"), {"partenaire": "cnaf", "commune": "16015"})
    html = r.content.decode()
    assert re.search(r'<option value="cnaf" selected', html)
    assert 'name="commune" value="16015"' in html
    r = client.get(reverse("guichet:widget"), {"etape": "2", "partenaire": "cnaf", "commune": "16015"})
    assert 'value="16015"' in r.content.decode()


def test_integrer_donne_le_code_iframe(client):
    r = client.get(reverse("guichet:integrer"), {"partenaire": "cnaf", "commune": "16015"})
    assert r.status_code == 200
    code = r.context["code"]
    src = html.unescape(re.search(r'src="([^"]+)"', code).group(1))
    assert "&amp;commune" in code  # attribut HTML valide
    assert urlsplit(src).path == "/aide/widget/"
    assert parse_qs(urlsplit(src).query) == {"partenaire": ["cnaf"], "commune": ["16015"]}
    assert "title=" in code
    r = client.get(reverse("guichet:integrer"), {"partenaire": "x", "commune": "00000"})
    assert r.status_code == 200
    assert "Ce code INSEE ne correspond à aucune commune" in r.content.decode()
    assert "?" not in re.search(r'src="([^"]+)"', r.context["code"]).group(1)


@override_settings(LIMITES_DEBIT={"connexion": 5, "mot_de_passe": 5, "recherche": 3, "api": 5})
def test_limitation_de_debit(client):
    codes = [client.get(reverse("guichet:aide")).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_post_refuse(client):
    assert client.post(reverse("guichet:aide")).status_code in {403, 405}


def test_france_services_sans_rendez_vous_horaires_et_telephone(client):
    r, _ = suivre_resultat(client)
    fs = [p for p in r.context["propositions"] if p.orientation == Orientation.FRANCE_SERVICES]
    assert fs and all(p.sans_rendez_vous for p in fs)  # aucun type de rendez-vous dans le référentiel
    html = r.content.decode()
    assert "Sans rendez-vous, aux heures d'ouverture" in html
    assert html.count("data-horaires") == len(fs)
    avec_tel = [p for p in fs if p.structure.telephone]
    for p in avec_tel:
        assert p.structure.telephone in html
    assert client.get(fs[0].lien_suivi)["Location"] == fs[0].structure.get_absolute_url()
