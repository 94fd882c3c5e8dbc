"""Évaluation d'un pilote : chiffres vérifiés contre un calcul indépendant sur les lignes brutes (demandes,
escalades, habilitations), choix des France services comparables refait à la main, données synthétiques
exclues par défaut, portée (404 hors périmètre), exports CSV et XLSX journalisés."""

import csv
import io
import math
import statistics
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from franceservices.activite.actions import enregistrer
from franceservices.activite.models import Demande, Origine
from franceservices.comptes.models import Habilitation, Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.escalades.models import Escalade, MotifRejet, Statut
from franceservices.partenaires.models import FormationPilote, Partenaire, Pilote
from franceservices.statistiques.lecture import Periode
from franceservices.statistiques.pilotes import evaluer, periode_par_defaut
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.activite.fabriques import demande
from tests.comptes.factories import personne
from tests.core.conftest import connecter

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
OCTOBRE = Periode(date(2026, 10, 1), date(2026, 10, 1))


def le(jour):
    return datetime(2026, 10, jour, 11, tzinfo=PARIS)


def escalade(structure, partenaire, jour, statut=Statut.NOUVELLE, **champs):
    return Escalade.objects.create(
        structure=structure,
        departement=structure.departement,
        partenaire=partenaire,
        objet="Test",
        description="Test",
        ouverte_le=le(jour),
        echeance=date(2026, 10, jour) + timedelta(days=14),
        delai_jours_ouvres=10,
        statut=statut,
        **champs,
    )


@pytest.fixture
def monde():
    bdf, caf = Partenaire.objects.get(code="bdf"), Partenaire.objects.get(code="cnaf")
    mayenne = Departement.objects.get(code="53")
    s1, s2 = Structure.objects.filter(departement=mayenne, format="fixe").order_by("pk")[:2]
    region = mayenne.region
    autres = Structure.objects.filter(departement__region=region, format="fixe").exclude(departement=mayenne)
    t1, t2, t3 = autres.order_by("pk")[:3]
    pilote = Pilote.objects.create(partenaire=bdf, nom="BdF Mayenne", debut=date(2026, 9, 1))
    pilote.departements.set([mayenne])
    demandes = (
        [demande(s1, date_heure=le(2 + i), partenaire=bdf if i < 2 else caf) for i in range(4)]
        + [demande(s2, date_heure=le(3), partenaire=bdf), demande(s2, date_heure=le(4), partenaire=caf)]
        + [demande(s1, date_heure=le(5), partenaire=bdf, origine=Origine.SYNTHETIQUE)]
        + [demande(t1, date_heure=le(6), partenaire=caf) for _ in range(3)]
        + [demande(t2, date_heure=le(6), partenaire=caf) for _ in range(20)]  # trop gros : hors comparables
        + [demande(t3, date_heure=le(7), partenaire=bdf)]
        + [demande(s1, date_heure=datetime(2026, 9, 10, 10, tzinfo=PARIS), partenaire=bdf)]  # septembre
    )
    enregistrer(demandes)
    escalade(s1, bdf, 5, Statut.RESOLUE, close_le=le(7), jours_ouvres_reponse=2, dans_les_temps=True)
    escalade(s1, bdf, 6, Statut.REJETEE, motif_rejet=MotifRejet.INCOMPLET, close_le=le(22),
             jours_ouvres_reponse=12, dans_les_temps=False)  # fmt: skip
    escalade(s2, bdf, 8)
    escalade(s1, bdf, 9, Statut.RESOLUE, close_le=le(10), jours_ouvres_reponse=1, synthetique=True)
    escalade(s1, caf, 9)
    # Comparable : délai non renseigné, calculé en jours ouvrés (ven. 9 → mar. 13 octobre 2026 : 2 jours).
    escalade(t1, bdf, 9, Statut.RESOLUE, close_le=le(13))
    agent = personne(Role.AGENT, structure=s1)
    personne(Role.RESPONSABLE, structure=s2)
    personne(Role.AGENT, structure=t1)
    FormationPilote.objects.create(pilote=pilote, agent=agent, formee_le=date(2026, 9, 15))
    return {
        "pilote": pilote,
        "bdf": bdf,
        "s1": s1,
        "s2": s2,
        "t1": t1,
        "t2": t2,
        "t3": t3,
        "mayenne": mayenne,
    }


def _brut(structures, avec_synthetique=False, periode=OCTOBRE):
    """Calcul indépendant sur les demandes brutes (pas les agrégats)."""
    qs = Demande.objects.filter(
        structure_id__in=structures, date_heure__date__gte=periode.du, date_heure__date__lt=date(2026, 11, 1),
        annulee_le__isnull=True,
    )  # fmt: skip
    if not avec_synthetique:
        qs = qs.exclude(origine=Origine.SYNTHETIQUE)
    return qs


def _comparables_a_la_main(pilote, couvertes):
    regions = set(Structure.objects.filter(pk__in=couvertes).values_list("departement__region", flat=True))
    formats = set(Structure.objects.filter(pk__in=couvertes).values_list("format", flat=True))
    candidates = Structure.objects.filter(departement__region__in=regions, format__in=formats).exclude(
        pk__in=couvertes
    )
    volumes = dict(
        _brut(candidates).values("structure").annotate(n=Count("pk")).values_list("structure", "n")
    )
    vp = [
        v
        for v in dict(
            _brut(couvertes).values("structure").annotate(n=Count("pk")).values_list("structure", "n")
        ).values()
        if v
    ]
    bas, haut = math.ceil(min(vp) / 2), 2 * max(vp)
    return sorted(pk for pk, v in volumes.items() if bas <= v <= haut)


def test_chiffres_contre_un_calcul_independant(monde):
    pilote, bdf = monde["pilote"], monde["bdf"]
    ev = evaluer(pilote, OCTOBRE, aujourdhui=date(2026, 11, 27))
    couvertes = list(Structure.objects.filter(departement=monde["mayenne"]).values_list("pk", flat=True))
    p = ev.pilote_ind
    assert p.structures == len(couvertes)
    assert p.demandes_total == _brut(couvertes).count() == 6
    assert p.demandes_partenaire == _brut(couvertes).filter(partenaire=bdf).count() == 3
    assert p.pour_mille == round(1000 * 3 / 6, 1)
    escalades = Escalade.objects.filter(structure__in=couvertes, partenaire=bdf, synthetique=False)
    closes = escalades.filter(statut__in=[Statut.RESOLUE, Statut.REJETEE])
    delais = list(closes.values_list("jours_ouvres_reponse", flat=True))
    assert p.escalades == escalades.count() == 3
    assert p.escalades_closes == closes.count() == 2
    assert p.delai_median == statistics.median(delais) == 7
    assert p.delai_p90 == sorted(delais)[math.ceil(0.9 * len(delais)) - 1] == 12
    assert p.part_dans_les_delais == 50.0
    assert (p.resolues, p.rejetees) == (1, 1) and p.rejets_par_motif == {MotifRejet.INCOMPLET: 1}
    habilitations = Habilitation.objects.actives().filter(
        role__in=[Role.AGENT, Role.RESPONSABLE], structure__in=couvertes
    )
    assert p.agents == habilitations.values("utilisateur").distinct().count() == 2
    assert p.agents_formes == 1 and p.part_formes == 50.0
    # Comparables : refaits à la main ; t2 (20 demandes > 2 × 4) exclue, t1 et t3 retenues.
    attendues = _comparables_a_la_main(pilote, couvertes)
    assert attendues == sorted([monde["t1"].pk, monde["t3"].pk])
    c = ev.comparables
    assert c.structures == len(attendues)
    assert c.demandes_total == _brut(attendues).count() == 4
    assert c.demandes_partenaire == _brut(attendues).filter(partenaire=bdf).count() == 1
    assert c.pour_mille == 250.0
    assert c.escalades == 1 and c.delai_median == 2 and c.part_dans_les_delais == 100.0
    assert ev.bornes_volume == (1, 8)
    # Par mois : octobre seulement dans la période.
    assert ev.mois == [
        {"mois": date(2026, 10, 1), "libelle": ev.mois[0]["libelle"], "pilote_partenaire": 3, "pilote_total": 6,
         "comparables_partenaire": 1, "comparables_total": 4}
    ]  # fmt: skip


def test_synthetiques_inclus_sur_option(monde):
    ev = evaluer(monde["pilote"], OCTOBRE, avec_synthetique=True)
    assert ev.pilote_ind.demandes_partenaire == 4 and ev.pilote_ind.escalades == 4


def test_periode_par_defaut(monde):
    pilote = monde["pilote"]
    assert periode_par_defaut(pilote, date(2026, 11, 27)) == Periode(date(2026, 9, 1), date(2026, 11, 1))
    pilote.fin = date(2026, 10, 12)
    assert periode_par_defaut(pilote, date(2026, 11, 27)) == Periode(date(2026, 9, 1), date(2026, 10, 1))
    pilote.debut, pilote.fin = date(2027, 1, 1), None  # à venir : le mois en cours
    assert periode_par_defaut(pilote, date(2026, 11, 27)) == Periode(date(2026, 11, 1), date(2026, 11, 1))
    ev = evaluer(monde["pilote"], Periode(date(2026, 9, 1), date(2026, 10, 1)))
    assert [m["pilote_partenaire"] for m in ev.mois] == [1, 3]


def client_de(utilisateur) -> Client:
    client = Client()
    connecter(client, utilisateur)
    return client


def _url(monde, **parametres):
    from django.utils.http import urlencode

    return (
        reverse("statistiques:pilote", args=[monde["pilote"].pk])
        + "?"
        + urlencode({"du": "2026-10", "au": "2026-10"} | parametres)
    )


@pytest.mark.parametrize(
    ("role", "perimetre", "attendu"),
    [
        (Role.EQUIPE_NATIONALE, {}, 200),
        (Role.REFERENT_PARTENAIRE, {"partenaire": "bdf", "departement": None}, 200),
        (Role.REFERENT_PARTENAIRE, {"partenaire": "cnaf", "departement": "53"}, 404),
        (Role.ANIMATEUR, {"departement": "53"}, 200),
        (Role.COORDINATEUR_PREFECTURE, {"departement": "53"}, 200),
        (Role.ANIMATEUR, {"departement": "16"}, 404),
        (Role.RESPONSABLE, {"structure": "s1"}, 404),
        (Role.AGENT, {"structure": "s1"}, 404),
    ],
)
def test_portee(monde, role, perimetre, attendu):
    valeurs = {}
    for cle, v in perimetre.items():
        if cle == "partenaire":
            valeurs[cle] = Partenaire.objects.get(code=v)
        elif cle == "departement":
            valeurs[cle] = Departement.objects.get(code=v) if v else None
        else:
            valeurs[cle] = monde[v]
    client = client_de(personne(role, **valeurs))
    reponse = client.get(_url(monde))
    assert reponse.status_code == attendu
    if attendu == 200:
        texte = reponse.content.decode()
        assert "data-methode" in texte and "hors de tout pilote" in texte
        assert "données de démonstration exclues" in texte
    assert client.get(_url(monde, export="csv")).status_code == attendu


def test_page_periode_invalide_et_vide(monde):
    client = client_de(personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(_url(monde, du="2026-13"))
    assert reponse.status_code == 200 and "Période invalide" in reponse.content.decode()
    reponse = client.get(_url(monde, du="2025-01", au="2025-01"))
    assert reponse.status_code == 200 and "data-vide" in reponse.content.decode()
    assert client.get(_url(monde, export="pdf")).status_code == 404


def test_exports(monde):
    nationale = personne(Role.EQUIPE_NATIONALE)
    client = client_de(nationale)
    reponse = client.get(_url(monde, export="csv"))
    assert reponse.status_code == 200 and reponse["Content-Type"].startswith("text/csv")
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    indicateurs = {li[0]: li[1:] for li in lignes if len(li) == 3}
    assert indicateurs["Escalades"] == ["3", "1"]
    assert indicateurs["Demandes Banque de France pour 1 000 demandes"] == ["500,0", "250,0"]
    assert ["2026-10", "3", "6", "1", "4"] in lignes
    audit = EvenementAudit.objects.filter(evenement=Evenement.EXPORT).order_by("-pk").first()
    assert audit.acteur == nationale and audit.details["export"] == "evaluation_pilote"
    assert audit.details["synthetiques"] is False
    reponse = client.get(_url(monde, export="xlsx", synthetiques="oui"))
    classeur = load_workbook(io.BytesIO(reponse.content))
    valeurs = {r[0]: r[1:] for r in classeur["Indicateurs"].iter_rows(values_only=True) if r and r[0]}
    assert valeurs["Escalades"] == (4, 1)
    assert list(classeur["Par mois"].iter_rows(values_only=True))[1] == ("2026-10", 4, 7, 1, 4)
    assert EvenementAudit.objects.filter(evenement=Evenement.EXPORT, details__format="xlsx").exists()


def test_sans_comparables_le_dit(monde):
    """Période sans aucune demande : ni bornes de volume utiles ni comparables ; la page le dit."""
    client = client_de(personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(_url(monde, du="2025-01", au="2025-01"))
    assert "data-sans-comparables" in reponse.content.decode()
    assert "data-sans-comparables" not in client.get(_url(monde)).content.decode()
