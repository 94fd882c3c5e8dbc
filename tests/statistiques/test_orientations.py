"""Chiffres du guichet unique : décisions par orientation, thème, organisme, département, évolution ;
comptes vérifiés contre un calcul indépendant (Python sur les lignes), périmètre de chaque rôle, état vide."""

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.rappels.models import DecisionOrientation, Orientation
from franceservices.statistiques import orientations as chiffres
from franceservices.statistiques.lecture import Periode
from franceservices.territoires.models import Departement
from tests.comptes.factories import UtilisateurFactory, personne
from tests.core.conftest import connecter

pytestmark = pytest.mark.django_db

URL = reverse("statistiques:orientations")


def a_paris(j: date, heure=12):
    return timezone.make_aware(datetime.combine(j, time(heure)))


@pytest.fixture
def monde():
    """Décisions de novembre 2026 dans le Cantal et la Charente, CAF et Assurance maladie, plus une
    décision d'octobre et une sans commune ni organisme (lundi 2 novembre 2026)."""
    cantal, charente = Departement.objects.get(code="15"), Departement.objects.get(code="16")
    caf, cpam = Partenaire.objects.get(code="cnaf"), Partenaire.objects.get(code="cnam")
    lignes = [
        # (jour, orientation, partenaire, département, sujet)
        (date(2026, 11, 2), Orientation.FRANCE_SERVICES, caf, cantal, "social_sante"),
        (date(2026, 11, 3), Orientation.FRANCE_SERVICES, caf, cantal, "social_sante"),
        (date(2026, 11, 9), Orientation.RAPPEL, cpam, cantal, "social_sante"),
        (date(2026, 11, 10), Orientation.EN_LIGNE, caf, charente, "logement"),
        (date(2026, 11, 30), Orientation.CONSEILLER_NUMERIQUE, cpam, charente, ""),
        (date(2026, 11, 30), Orientation.RAPPEL, None, None, ""),
        (date(2026, 10, 31), Orientation.RAPPEL, caf, cantal, "social_sante"),
    ]
    for jour, o, p, d, sujet in lignes:
        DecisionOrientation.objects.create(
            le=a_paris(jour), orientation=o, partenaire=p, departement=d, reponses={"sujet": sujet}
        )
    # 23 h 30 le 30 novembre à Paris = 22 h 30 UTC : compte en novembre ; 00 h 30 le 1er décembre : non.
    DecisionOrientation.objects.create(
        le=a_paris(date(2026, 11, 30), 23) + timedelta(minutes=30), orientation=Orientation.RAPPEL,
        departement=cantal, reponses={},
    )  # fmt: skip
    DecisionOrientation.objects.create(
        le=a_paris(date(2026, 12, 1), 0) + timedelta(minutes=30), orientation=Orientation.RAPPEL,
        departement=cantal, reponses={},
    )  # fmt: skip
    return {"cantal": cantal, "charente": charente, "caf": caf, "cpam": cpam}


NOVEMBRE = Periode(date(2026, 11, 1), date(2026, 11, 1))


def reference(qs):
    """Calcul indépendant sur les lignes brutes : {dimension: Counter}."""
    debut = a_paris(date(2026, 11, 1), 0)
    fin = a_paris(date(2026, 12, 1), 0)
    lignes = [d for d in qs if debut <= d.le < fin]
    return {
        "orientation": Counter(d.orientation for d in lignes),
        "partenaire": Counter(d.partenaire_id for d in lignes),
        "departement": Counter(d.departement_id for d in lignes),
        "sujet": Counter(d.reponses.get("sujet", "") for d in lignes),
        "semaine": Counter(
            (timezone.localtime(d.le).date() - timedelta(days=timezone.localtime(d.le).weekday()))
            for d in lignes
        ),
    }


def test_chiffres_exacts_contre_les_lignes(monde, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        c = chiffres.calculer(Q(), NOVEMBRE, pas="semaine")
    ref = reference(DecisionOrientation.objects.all())
    assert c.total.total == sum(ref["orientation"].values()) == 7
    assert dict(c.total.par_orientation) == dict(ref["orientation"])
    assert {li.cle: li.total for li in c.partenaires} == {
        str(k or "inconnu"): v for k, v in ref["partenaire"].items()
    }
    assert {li.cle: li.total for li in c.departements} == {
        str(k or "inconnu"): v for k, v in ref["departement"].items()
    }
    assert {li.cle: li.total for li in c.themes} == {(k or "inconnu"): v for k, v in ref["sujet"].items()}
    semaines = {date.fromisoformat(li.cle): li.total for li in c.evolution}
    assert {k: v for k, v in semaines.items() if v} == dict(ref["semaine"])
    assert min(semaines) == date(2026, 10, 26) and max(semaines) == date(
        2026, 11, 30
    )  # semaines vides comprises
    caf = next(li for li in c.partenaires if li.cle == str(monde["caf"].pk))
    assert caf.libelle == "Caf" and caf.par_orientation[Orientation.FRANCE_SERVICES] == 2
    sans = next(li for li in c.departements if li.cle == "inconnu")
    assert sans.libelle == "Commune non précisée"


def test_evolution_par_mois(monde):
    c = chiffres.calculer(Q(), Periode(date(2026, 10, 1), date(2026, 12, 1)), pas="mois")
    assert [(li.cle, li.total) for li in c.evolution] == [
        ("2026-10-01", 1),
        ("2026-11-01", 7),
        ("2026-12-01", 1),
    ]


def lignes_departements(reponse):
    return {li.cle for li in reponse.context["c"].departements}


@pytest.mark.parametrize(
    ("role", "attendu"),
    [
        ("national", {"cantal", "charente", "inconnu"}),
        ("animateur", {"cantal"}),
        ("prefecture", {"cantal"}),
        ("referent", {"cantal"}),
    ],
)
def test_perimetre_par_role(client, monde, role, attendu):
    cantal = monde["cantal"]
    utilisateur = {
        "national": lambda: personne(Role.EQUIPE_NATIONALE),
        "animateur": lambda: personne(Role.ANIMATEUR, departement=cantal),
        "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=cantal),
        "referent": lambda: personne(Role.REFERENT_PARTENAIRE, partenaire=monde["caf"], departement=cantal),
    }[role]()
    connecter(client, utilisateur)
    r = client.get(URL, {"du": "2026-11", "au": "2026-11"})
    assert r.status_code == 200
    ids = {"cantal": str(cantal.pk), "charente": str(monde["charente"].pk), "inconnu": "inconnu"}
    assert lignes_departements(r) == {ids[a] for a in attendu}
    c = r.context["c"]
    attendus = {"national": 7, "animateur": 4, "prefecture": 4, "referent": 2}
    assert c.total.total == attendus[role]
    assert "Vous voyez les décisions d'orientation de votre périmètre" in r.content.decode()


@pytest.mark.parametrize("qui", ["agent", "conseiller", "sans_habilitation"])
def test_sans_perimetre_404(client, monde, qui):
    from franceservices.structures.models import Structure

    cantal = monde["cantal"]
    utilisateur = {
        "agent": lambda: personne(Role.AGENT, structure=Structure.objects.filter(departement=cantal).first()),
        "conseiller": lambda: personne(
            Role.CONSEILLER_NUMERIQUE,
            lieu_mediation=LieuMediation.objects.create(identifiant="x", nom="Lieu", departement=cantal),
        ),
        "sans_habilitation": UtilisateurFactory,
    }[qui]()
    connecter(client, utilisateur)
    assert client.get(URL).status_code == 404


def test_anonyme_redirige_vers_la_connexion(client):
    r = client.get(URL)
    assert r.status_code == 302 and "/connexion/" in r["Location"]


def test_etat_vide_et_periode_invalide(client, monde):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    r = client.get(URL, {"du": "2019-01", "au": "2019-02"})
    assert "Aucune décision d'orientation sur cette période" in r.content.decode()
    r = client.get(URL, {"du": "2026-13", "au": "xx", "pas": "jour"})
    assert r.status_code == 200
    assert "Période invalide" in r.content.decode()
    assert r.context["c"].pas == "mois"


def test_requetes_de_la_page_bornees(client, monde, django_assert_max_num_queries):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    client.get(URL)
    with django_assert_max_num_queries(12):
        r = client.get(URL, {"du": "2026-11", "au": "2026-11", "pas": "semaine"})
    assert r.status_code == 200
