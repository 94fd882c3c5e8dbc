"""Pages publiques de prise de rendez-vous (sans compte) : recherche par commune, créneaux d'une France
services, réservation (et toutes ses erreurs), page de gestion par lien signé, annulation, déplacement, ICS.

Les pages calculent avec l'heure réelle : les créneaux des tests sont pris la semaine prochaine."""

import html
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import Partenaire
from franceservices.rendezvous import actions
from franceservices.rendezvous.creneaux import creneaux_structure
from franceservices.rendezvous.models import Arret, Fermeture, RendezVous, Statut
from franceservices.territoires.models import Commune

from .fabriques import PARIS, semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def lundi_prochain(semaines: int = 1) -> date:
    aujourd_hui = timezone.now().astimezone(PARIS).date()
    return aujourd_hui - timedelta(days=aujourd_hui.weekday()) + timedelta(weeks=semaines)


def creneaux_libres(structure, type_, n=3, arret=None, semaines=1):
    """Les n premiers créneaux libres à partir de la semaine prochaine (évite les jours fériés)."""
    return creneaux_structure(structure, type_, du=lundi_prochain(semaines), semaines=3, arret=arret)[:n]


def url_reserver(structure, type_, debut, **autres):
    params = {"type": type_.pk, "debut": debut.isoformat(), **autres}
    return reverse("rdv:reserver", args=[structure.pk]) + "?" + urlencode(params)


@pytest.fixture
def caf():
    return Partenaire.objects.get(code="cnaf")


@pytest.fixture
def structure():
    s = structure_du("16")
    semaine_type(s)
    return s


@pytest.fixture
def type_(structure, caf):
    return type_rdv(structure, duree=30, partenaire=caf)


def saisie(**champs):
    return {
        "nom": "Camille Martin",
        "telephone": "06 12 34 56 78",
        "courriel": "camille@exemple.fr",
        "consentement": "on",
        **champs,
    }


def poster(client, structure, type_, debut, **champs):
    donnees = {"type": type_.pk, "debut": debut.isoformat(), **saisie(**champs)}
    return client.post(reverse("rdv:reserver", args=[structure.pk]), donnees)


# --- Accueil : besoin et commune -------------------------------------------------------------------------


def test_accueil_sans_recherche(client):
    reponse = client.get(reverse("rdv:accueil"))
    assert reponse.status_code == 200
    assert "Prendre rendez-vous dans une France services" in texte(reponse)


def test_recherche_par_commune_liste_les_plus_proches_avec_rendez_vous(client, structure, type_, caf):
    autre = structure_du("17")
    type_rdv(autre, partenaire=None)  # rendez-vous sans partenaire : exclu si on demande la CAF
    commune = Commune.objects.get(code_insee="16015")  # Angoulême
    reponse = client.get(reverse("rdv:accueil"), {"q": "16000", "partenaire": "cnaf"})
    assert reponse.status_code == 200
    resultats = reponse.context["resultats"]
    assert [r["structure"].pk for r in resultats] == [structure.pk]
    assert resultats[0]["url"] == reverse("rdv:structure", args=[structure.pk]) + "?partenaire=cnaf"
    assert reponse.context["commune"].code_insee == commune.code_insee
    assert "km" in texte(reponse)
    sans_partenaire = client.get(reverse("rdv:accueil"), {"q": "Angoulême", "partenaire": ""})
    assert {r["structure"].pk for r in sans_partenaire.context["resultats"]} == {structure.pk, autre.pk}
    distances = [r["distance"] for r in sans_partenaire.context["resultats"]]
    assert distances == sorted(distances)


def test_recherche_commune_inconnue_ou_vide(client):
    reponse = client.get(reverse("rdv:accueil"), {"q": "Xyzzyville-sur-Rien"})
    assert reponse.status_code == 200 and "Aucune commune ne correspond" in texte(reponse)
    reponse = client.get(reverse("rdv:accueil"), {"q": ""})
    assert "Indiquez votre commune" in texte(reponse)


def test_recherche_sans_aucun_rendez_vous_propose(client):
    reponse = client.get(reverse("rdv:accueil"), {"q": "16000", "partenaire": "inconnu"})
    assert reponse.status_code == 200  # partenaire inconnu : ignoré (choix invalide signalé)
    reponse = client.get(reverse("rdv:accueil"), {"q": "16000"})
    assert reponse.context["resultats"] == []
    assert "Aucune France services ne propose de rendez-vous en ligne" in texte(reponse)
    assert "/rappels/demander/" in texte(reponse)


# --- Une France services ---------------------------------------------------------------------------------


def test_structure_types_et_creneaux_de_la_semaine(client, structure, type_, django_assert_max_num_queries):
    lundi = lundi_prochain()
    url = reverse("rdv:structure", args=[structure.pk])
    with django_assert_max_num_queries(12):
        reponse = client.get(url, {"partenaire": "cnaf", "semaine": lundi.isoformat()})
    assert reponse.status_code == 200
    assert reponse.context["type_choisi"] == type_  # seul type : choisi d'office
    creneaux = [c for j in reponse.context["jours"] for c in j["creneaux"]]
    attendus = creneaux_structure(structure, type_, du=lundi, semaines=1)
    assert creneaux == attendus and creneaux
    assert creneaux[0].astimezone(PARIS).time() == time(9)
    assert url_reserver(structure, type_, creneaux[0], partenaire="cnaf") in texte(reponse)
    assert reponse.context["precedente"] and reponse.context["suivante"]


def test_structure_plusieurs_types_a_choisir(client, structure, type_):
    autre = type_rdv(structure, duree=60)
    reponse = client.get(reverse("rdv:structure", args=[structure.pk]))
    assert reponse.context["type_choisi"] is None and reponse.context["jours"] == []
    assert f"type={autre.pk}" in texte(reponse) and f"type={type_.pk}" in texte(reponse)
    # Filtrer par partenaire ne garde que ses types.
    reponse = client.get(reverse("rdv:structure", args=[structure.pk]), {"partenaire": "cnaf"})
    assert reponse.context["type_choisi"] == type_


def test_structure_semaine_vide_et_navigation_bornee(client, structure, type_):
    url = reverse("rdv:structure", args=[structure.pk])
    aujourd_hui = timezone.now().astimezone(PARIS).date()
    premier = aujourd_hui - timedelta(days=aujourd_hui.weekday())
    reponse = client.get(url, {"semaine": (premier + timedelta(weeks=7)).isoformat()})
    assert reponse.status_code == 200 and reponse.context["suivante"] is None
    loin = client.get(url, {"semaine": (premier + timedelta(weeks=30)).isoformat()})
    assert loin.status_code == 400 and loin.context["lundi"] == premier + timedelta(weeks=7)
    assert "8 semaines" in texte(loin)
    passe = client.get(url, {"semaine": "2001-01-01"})
    assert passe.context["lundi"] == premier and passe.context["precedente"] is None
    illisible = client.get(url, {"semaine": "pas-une-date"})
    assert illisible.status_code == 400 and "illisible" in texte(illisible)


def test_structure_sans_creneau_etat_vide_et_rappel(client, structure, caf):
    type_ = type_rdv(structure, partenaire=caf)

    Fermeture.objects.create(structure=structure, du=date(2000, 1, 1), au=date(2100, 1, 1))
    reponse = client.get(reverse("rdv:structure", args=[structure.pk]), {"partenaire": "cnaf"})
    assert reponse.status_code == 200 and reponse.context["type_choisi"] == type_
    assert "Aucun créneau libre cette semaine" in texte(reponse)
    assert "/rappels/demander/?partenaire=cnaf" in texte(reponse)
    assert reponse.context["prochain"] is None


def test_structure_semaine_vide_propose_le_prochain_creneau(client, structure, caf):
    type_rdv(structure, partenaire=caf)

    lundi = lundi_prochain()
    Fermeture.objects.create(structure=structure, du=lundi - timedelta(days=7), au=lundi + timedelta(days=6))
    reponse = client.get(reverse("rdv:structure", args=[structure.pk]), {"semaine": lundi.isoformat()})
    assert "Aucun créneau libre cette semaine" in texte(reponse)
    prochain, lien = reponse.context["prochain"]
    assert prochain.astimezone(PARIS).date() >= lundi + timedelta(days=7)
    assert lien.startswith(reverse("rdv:structure", args=[structure.pk]))


def test_structure_sans_type_et_parametres_forges(client, structure, type_):
    sans = structure_du("17")
    reponse = client.get(reverse("rdv:structure", args=[sans.pk]))
    assert reponse.status_code == 200 and "ne propose pas encore" in texte(reponse)
    autre_type = type_rdv(sans)
    for params, message in (
        ({"type": autre_type.pk}, "pas proposé par cette France services"),
        ({"type": "abc"}, "pas proposé par cette France services"),
        ({"arret": "12"}, "pas d'arrêt itinérant"),
        ({"partenaire": "inconnu"}, "partenaire est inconnu"),
    ):
        reponse = client.get(reverse("rdv:structure", args=[structure.pk]), params)
        assert reponse.status_code == 400 and message in texte(reponse), params
    assert client.get(reverse("rdv:structure", args=[999999999])).status_code == 404


@pytest.fixture
def bus(structure):
    commune = Commune.objects.filter(departement=structure.departement).order_by("code_insee")[0]
    return [
        Arret.objects.create(
            structure=structure,
            libelle=libelle,
            commune=commune,
            jour_semaine=jour,
            heure_debut=time(9),
            heure_fin=time(11),
        )
        for libelle, jour in (("Place de la mairie", 1), ("Parking de la salle des fêtes", 3))
    ]


def test_structure_itinerante_choix_de_l_arret(client, structure, type_, bus):
    url = reverse("rdv:structure", args=[structure.pk])
    reponse = client.get(url)
    assert reponse.context["arret_choisi"] is None and reponse.context["jours"] == []
    assert "Place de la mairie" in texte(reponse) and "Parking de la salle des f" in texte(reponse)
    reponse = client.get(url, {"arret": bus[0].pk, "semaine": lundi_prochain().isoformat()})
    jours = {c.astimezone(PARIS).weekday() for j in reponse.context["jours"] for c in j["creneaux"]}
    assert jours == {1}  # le mardi seulement, horaires de l'arrêt
    autre = Arret.objects.create(
        structure=structure_du("17"),
        libelle="Ailleurs",
        commune=bus[0].commune,
        jour_semaine=1,
        heure_debut=time(9),
        heure_fin=time(10),
    )
    reponse = client.get(url, {"arret": autre.pk})
    assert reponse.status_code == 400 and "pas desservi" in texte(reponse)


# --- Réserver --------------------------------------------------------------------------------------------


def test_reserver_formulaire_puis_confirmation(client, structure, type_, django_capture_on_commit_callbacks):
    debut = creneaux_libres(structure, type_)[0]
    reponse = client.get(url_reserver(structure, type_, debut))
    assert reponse.status_code == 200
    assert "Finalité" in texte(reponse) and "effacées 30 jours après" in texte(reponse)
    with django_capture_on_commit_callbacks() as rappels:
        reponse = poster(client, structure, type_, debut)
    rdv = RendezVous.objects.get(structure=structure)
    assert len(rappels) == 1  # envoi de la confirmation, après validation
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("rdv:gerer", args=[rdv.pk, rdv.jeton]) + "?reserve=1"
    assert (rdv.debut, rdv.telephone, rdv.courriel, rdv.nom) == (
        debut,
        "+33612345678",
        "camille@exemple.fr",
        "Camille Martin",
    )
    audit = EvenementAudit.objects.get(evenement=Evenement.RDV_RESERVE, cible_id=str(rdv.pk))
    assert audit.acteur is None and "Camille" not in str(audit.details) and "0612" not in str(audit.details)
    page = client.get(reponse["Location"])
    assert "Votre rendez-vous est confirmé" in texte(page)
    assert f"{settings.SITE_URL}/rendez-vous/{rdv.pk}/{rdv.jeton}/" in texte(page)  # lien de gestion
    assert reverse("rdv:ics", args=[rdv.pk, rdv.jeton]) in texte(page)
    assert reverse("rdv:annuler", args=[rdv.pk, rdv.jeton]) in texte(page)


def test_reserver_le_plus_encode_en_espace_est_repare(client, structure, type_):
    debut = creneaux_libres(structure, type_)[0]
    url = reverse("rdv:reserver", args=[structure.pk])
    reponse = client.get(f"{url}?type={type_.pk}&debut={debut.isoformat()}")  # « + » non encodé
    assert reponse.status_code == 200 and reponse.context["debut"] == debut


def test_reserver_creneau_pris_entre_temps_rien_n_est_perdu(client, structure, type_):
    debut = creneaux_libres(structure, type_)[0]
    actions.reserver(structure=structure, type_=type_, debut=debut, nom="Premier", courriel="a@exemple.fr")
    reponse = poster(client, structure, type_, debut, nom="Second arrivé")
    assert reponse.status_code == 409
    assert "vient d'être pris" in texte(reponse)
    assert 'value="Second arrivé"' in texte(reponse) and 'value="camille@exemple.fr"' in texte(reponse)
    semaine = debut.astimezone(PARIS).date().isoformat()
    assert f"semaine={semaine}" in texte(reponse)  # retour à la liste des créneaux
    assert RendezVous.objects.filter(structure=structure).count() == 1
    # Le GET du formulaire prévient aussi.
    assert client.get(url_reserver(structure, type_, debut)).status_code == 409


def test_reserver_creneau_passe(client, structure, type_):
    debut = datetime(2020, 1, 6, 9, tzinfo=PARIS)
    reponse = poster(client, structure, type_, debut)
    assert reponse.status_code == 409 and "Ce créneau est passé" in texte(reponse)
    assert not RendezVous.objects.exists() or not RendezVous.objects.filter(structure=structure).exists()


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"telephone": "12345", "courriel": ""}, "telephone", "numéro de téléphone n'est pas valide"),
        ({"telephone": "+44 20 7946 0958", "courriel": ""}, "telephone", "Seuls les numéros de France"),
        ({"telephone": "", "courriel": "pas-un-courriel"}, "courriel", "Adresse électronique invalide"),
        ({"telephone": "", "courriel": ""}, "telephone", "téléphone ou une adresse électronique"),
        ({"nom": "   "}, "nom", "Indiquez votre nom"),
        ({"consentement": ""}, "consentement", "Cochez la case"),
    ],
)
def test_reserver_saisies_invalides(client, structure, type_, champs, champ, message):
    debut = creneaux_libres(structure, type_)[0]
    reponse = poster(client, structure, type_, debut, **champs)
    assert reponse.status_code == 200
    assert message in " ".join(reponse.context["form"].errors[champ])
    assert not RendezVous.objects.filter(structure=structure).exists()


@pytest.mark.parametrize(
    ("numero", "e164"),
    [
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe
        ("0692 12 34 56", "+262692123456"),  # La Réunion (mobile)
        ("+687 12 34 56", "+687123456"),  # Nouvelle-Calédonie
    ],
)
def test_reserver_telephones_outre_mer(client, structure, type_, numero, e164):
    debut = creneaux_libres(structure, type_)[0]
    assert poster(client, structure, type_, debut, telephone=numero, courriel="").status_code == 302
    assert RendezVous.objects.get(structure=structure).telephone == e164


def test_reserver_parametres_forges(client, structure, type_, bus):
    debut = creneaux_libres(structure, type_, arret=bus[0])[0]
    autre = structure_du("17")
    type_autre = type_rdv(autre)
    arret_autre = Arret.objects.create(
        structure=autre,
        libelle="X",
        commune=bus[0].commune,
        jour_semaine=1,
        heure_debut=time(9),
        heure_fin=time(10),
    )
    url = reverse("rdv:reserver", args=[structure.pk])
    cas = [
        ({"type": type_autre.pk, "debut": debut.isoformat(), "arret": bus[0].pk}, "pas proposé par cette"),
        ({"type": type_.pk, "debut": "demain matin", "arret": bus[0].pk}, "illisible"),
        ({"type": type_.pk, "debut": "2026-12-01T09:00:00", "arret": bus[0].pk}, "illisible"),  # sans fuseau
        ({"type": type_.pk, "debut": "9999-12-31T23:59:59-23:59", "arret": bus[0].pk}, "illisible"),
        ({"type": type_.pk, "debut": debut.isoformat(), "arret": arret_autre.pk}, "pas desservi"),
        ({"type": type_.pk, "debut": debut.isoformat()}, "Choisissez d'abord l'arrêt"),
        ({"debut": debut.isoformat(), "type": "9" * 30, "arret": bus[0].pk}, "pas proposé par cette"),
    ]
    for params, message in cas:
        for methode in (client.get, client.post):
            donnees = {**params, **saisie()} if methode == client.post else params
            reponse = methode(url, donnees)
            assert reponse.status_code == 400, (params, methode)
            assert message in texte(reponse), params
    assert not RendezVous.objects.filter(structure__in=[structure, autre]).exists()
    # Créneau hors des horaires de l'arrêt.
    mercredi = datetime.combine(debut.date() + timedelta(days=1), time(14), tzinfo=PARIS)
    reponse = poster(client, structure, type_, mercredi, arret=bus[0].pk)
    assert reponse.status_code == 409 and "pas proposé" in texte(reponse)
    # À l'arrêt : réussi.
    assert poster(client, structure, type_, debut, arret=bus[0].pk).status_code == 302
    assert RendezVous.objects.get(structure=structure).arret == bus[0]


def test_reserver_limitation_de_debit(client, structure, type_, settings):
    settings.LIMITES_DEBIT = {**settings.LIMITES_DEBIT, "rendez_vous": 3}
    debut = creneaux_libres(structure, type_)[0]
    statuts = [poster(client, structure, type_, debut, telephone="123").status_code for _ in range(4)]
    assert statuts == [200, 200, 200, 429]


# --- Gérer : lien signé -----------------------------------------------------------------------------------


@pytest.fixture
def rdv(structure, type_):
    debut = creneaux_libres(structure, type_)[0]
    return actions.reserver(
        structure=structure, type_=type_, debut=debut, nom="Camille Martin", telephone="0612345678"
    )


def test_lien_non_valide_ne_revele_rien(client, rdv, structure, type_):
    autre = actions.reserver(
        structure=structure,
        type_=type_,
        debut=creneaux_libres(structure, type_)[1],
        nom="Dominique Autre",
        courriel="d@exemple.fr",
    )
    falsifie = rdv.jeton[:-1] + ("A" if rdv.jeton[-1] != "A" else "B")
    for pk, jeton in ((rdv.pk, falsifie), (rdv.pk, autre.jeton), (999999999, rdv.jeton), (rdv.pk, "x")):
        for nom in ("rdv:gerer", "rdv:annuler", "rdv:deplacer", "rdv:ics"):
            reponse = client.get(reverse(nom, args=[pk, jeton]))
            assert reponse.status_code == 404, (nom, jeton)
            assert "Lien non valide" in texte(reponse)
            assert "Camille" not in texte(reponse) and "Dominique" not in texte(reponse)
        reponse = client.post(reverse("rdv:annuler", args=[rdv.pk, falsifie]))
        assert reponse.status_code == 404
    rdv.refresh_from_db()
    assert rdv.statut == Statut.PREVU


def test_gerer_puis_annuler(client, rdv, django_capture_on_commit_callbacks):
    page = client.get(reverse("rdv:gerer", args=[rdv.pk, rdv.jeton]))
    assert page.status_code == 200 and "Camille Martin" in texte(page)
    assert "no-store" in page["Cache-Control"]  # données personnelles : jamais en cache
    confirmation = client.get(reverse("rdv:annuler", args=[rdv.pk, rdv.jeton]))
    assert "Voulez-vous vraiment annuler" in texte(confirmation)
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(reverse("rdv:annuler", args=[rdv.pk, rdv.jeton]))
    assert len(rappels) == 1
    assert reponse.status_code == 302 and reponse["Location"].endswith("?annule=1")
    rdv.refresh_from_db()
    assert rdv.statut == Statut.ANNULE
    audit = EvenementAudit.objects.get(evenement=Evenement.RDV_MODIFIE, cible_id=str(rdv.pk))
    assert audit.details["action"] == "annulation" and "Camille" not in str(audit.details)
    page = client.get(reponse["Location"])
    assert "Votre rendez-vous est annulé" in texte(page) and "Déplacer" not in texte(page)
    # Déjà annulé : message, pas de formulaire.
    page = client.get(reverse("rdv:annuler", args=[rdv.pk, rdv.jeton]))
    assert "Ce rendez-vous est annulé" in texte(page) and "Oui, annuler" not in texte(page)
    page = client.get(reverse("rdv:deplacer", args=[rdv.pk, rdv.jeton]))
    assert "Ce rendez-vous est annulé" in texte(page)


def test_rendez_vous_passe_ou_anonymise(client, rdv):
    RendezVous.objects.filter(pk=rdv.pk).update(
        debut=datetime(2020, 1, 6, 9, tzinfo=PARIS), fin=datetime(2020, 1, 6, 9, 30, tzinfo=PARIS)
    )
    page = client.get(reverse("rdv:gerer", args=[rdv.pk, rdv.jeton]))
    assert "Ce rendez-vous est passé" in texte(page)
    reponse = client.post(reverse("rdv:annuler", args=[rdv.pk, rdv.jeton]))
    assert reponse.status_code == 409 and "déjà eu lieu" in texte(reponse)
    RendezVous.objects.filter(pk=rdv.pk).update(nom="", telephone="", anonymise_le=timezone.now())
    page = client.get(reverse("rdv:gerer", args=[rdv.pk, rdv.jeton]))
    assert page.status_code == 200 and "coordonnées ont été effacées" in texte(page)
    assert client.get(reverse("rdv:ics", args=[rdv.pk, rdv.jeton])).status_code == 404


def test_deplacer_par_la_page(client, rdv, structure, type_, django_capture_on_commit_callbacks):
    url = reverse("rdv:deplacer", args=[rdv.pk, rdv.jeton])
    page = client.get(url)
    assert page.status_code == 200
    libres = [c for j in page.context["jours"] for c in j["creneaux"]]
    assert rdv.debut not in libres and libres
    cible = libres[-1]
    confirmation = client.get(url, {"debut": cible.isoformat()})
    assert "Confirmer le déplacement" in texte(confirmation)
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(url, {"debut": cible.isoformat()})
    assert len(rappels) == 1
    nouveau = RendezVous.objects.get(deplace_de=rdv)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("rdv:gerer", args=[nouveau.pk, nouveau.jeton]) + "?deplace=1"
    assert nouveau.debut == cible and nouveau.nom == "Camille Martin"
    rdv.refresh_from_db()
    assert rdv.statut == Statut.ANNULE
    ancien = client.get(reverse("rdv:gerer", args=[rdv.pk, rdv.jeton]))
    assert reverse("rdv:gerer", args=[nouveau.pk, nouveau.jeton]) in texte(ancien)


def test_deplacer_vers_un_creneau_pris_garde_l_ancien(client, rdv, structure, type_):
    cible = creneaux_libres(structure, type_)[1]
    actions.reserver(structure=structure, type_=type_, debut=cible, nom="Autre", courriel="a@exemple.fr")
    url = reverse("rdv:deplacer", args=[rdv.pk, rdv.jeton])
    assert client.get(url, {"debut": cible.isoformat()}).status_code == 409
    reponse = client.post(url, {"debut": cible.isoformat()})
    assert reponse.status_code == 409 and "vient d'être pris" in texte(reponse)
    assert "Votre rendez-vous actuel est conservé" in texte(reponse)
    rdv.refresh_from_db()
    assert rdv.statut == Statut.PREVU and not RendezVous.objects.filter(deplace_de=rdv).exists()
    for debut in ("n'importe quoi", "", "0001-01-01T00:00:00+14:00"):
        assert client.post(url, {"debut": debut}).status_code == 400
    assert client.get(url, {"semaine": "0001-01-01"}).status_code == 400


def test_ics_telechargeable(client, rdv):
    reponse = client.get(reverse("rdv:ics", args=[rdv.pk, rdv.jeton]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"].startswith("text/calendar")
    assert "attachment" in reponse["Content-Disposition"]
    contenu = reponse.content.decode()
    assert contenu.startswith("BEGIN:VCALENDAR\r\n") and "METHOD:PUBLISH\r\n" in contenu


# --- Nombre de requêtes (pas de N+1) ----------------------------------------------------------------------


def test_nombre_de_requetes_constant(client, structure, type_, caf, django_assert_max_num_queries):
    for departement in ("17", "24", "86"):
        type_rdv(structure_du(departement), partenaire=caf)
    client.get(reverse("rdv:accueil"), {"q": "16000"})  # index de proximité et des communes en mémoire
    with django_assert_max_num_queries(6):
        reponse = client.get(reverse("rdv:accueil"), {"q": "16000", "partenaire": "cnaf"})
    assert len(reponse.context["resultats"]) == 4
    rdv = actions.reserver(
        structure=structure,
        type_=type_,
        debut=creneaux_libres(structure, type_)[0],
        nom="Camille Martin",
        courriel="c@exemple.fr",
    )
    with django_assert_max_num_queries(3):
        assert client.get(reverse("rdv:gerer", args=[rdv.pk, rdv.jeton])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("rdv:deplacer", args=[rdv.pk, rdv.jeton])).status_code == 200


def test_outre_mer_heures_locales(client):
    reunion = structure_du("974")
    semaine_type(reunion)
    type_ = type_rdv(reunion)
    lundi = lundi_prochain()
    reponse = client.get(reverse("rdv:structure", args=[reunion.pk]), {"semaine": lundi.isoformat()})
    premier = reponse.context["jours"][0]["creneaux"][0]
    assert premier.utcoffset() == timedelta(hours=4) and premier.hour == 9
    assert f"{premier:%H:%M}" in texte(reponse) and "+04:00" in texte(reponse)
    assert poster(client, reunion, type_, premier, telephone="0692 12 34 56").status_code == 302


def test_identifiants_hors_bornes(client):
    n = "9" * 30
    for url in (
        f"/rendez-vous/{n}/x/",
        f"/rendez-vous/france-services/{n}/",
        f"/rendez-vous/france-services/{n}/reserver/",
        f"/rendez-vous/{n}/x/agenda.ics",
    ):
        assert client.get(url).status_code == 404, url
