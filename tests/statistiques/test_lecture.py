"""Lecture des statistiques : chiffres exacts sur un petit jeu connu, comparaison à la période précédente,
part traitée sur place, et propriété « agrégats = lignes brutes » pour des périodes tirées au hasard."""

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from franceservices.activite import actions
from franceservices.activite.models import Issue, Origine
from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.statistiques.lecture import (
    Periode,
    PeriodeInvalide,
    Portee,
    portee_demandee,
    portees_de,
    tableau_de_bord,
    tableau_de_bord_depuis_les_demandes,
)
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.activite.fabriques import demande, demande_au_hasard
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def le(annee, mois, jour=10):
    return datetime(annee, mois, jour, 10, tzinfo=PARIS)


@pytest.fixture
def jeu():
    """Octobre 2026 : 4 demandes (dont une synthétique, une annulée en plus) ; septembre 2026 : 2 demandes."""
    s = Structure.objects.filter(departement__code="16").order_by("pk").first()
    cnaf = Partenaire.objects.get(code="cnaf")
    lot = [
        demande(s, date_heure=le(2026, 10, 1), duree=10, issue=Issue.FINALISEE),
        demande(s, date_heure=le(2026, 10, 1), duree=20, issue=Issue.A_FINALISER, partenaire=cnaf),
        demande(
            s,
            date_heure=le(2026, 10, 2),
            duree=30,
            issue=Issue.ORIENTEE,
            partenaire=None,
            partenaire_autre="Mairie",
        ),
        demande(
            s, date_heure=le(2026, 10, 3), duree=60, issue=Issue.DOIT_REVENIR, origine=Origine.SYNTHETIQUE
        ),
        demande(s, date_heure=le(2026, 9, 5), duree=15),
        demande(s, date_heure=le(2026, 9, 6), duree=15),
    ]
    creees = actions.enregistrer(lot).creees
    annulee = actions.enregistrer([demande(s, date_heure=le(2026, 10, 4), duree=45)]).creees[0]
    actions.annuler(annulee, personne(Role.EQUIPE_NATIONALE), "erreur de saisie")
    return {"structure": s, "demandes": creees}


def test_chiffres_exacts_d_un_petit_jeu(jeu):
    s = jeu["structure"]
    tdb = tableau_de_bord(Portee("structure", s.pk), Periode(date(2026, 10, 1), date(2026, 10, 1)))
    assert (tdb.total, tdb.total_precedent) == (4, 2)
    assert tdb.duree_totale == 120 and tdb.duree_moyenne == 30.0
    assert tdb.evolution == 100.0
    assert tdb.synthetiques == 1 and tdb.synthetiques_inclus
    assert tdb.traitees_sur_place == 2 and tdb.part_traitee_sur_place == 50.0
    assert tdb.part_traitee_sur_place_precedente == 100.0
    cnaf = str(Partenaire.objects.get(code="cnaf").pk)
    partenaires = {li.cle: (li.nombre, li.precedent, li.part) for li in tdb.tableaux["partenaire"].lignes}
    assert partenaires == {cnaf: (3, 2, 75.0), "": (1, 0, 25.0)}
    issues = {li.cle: li.nombre for li in tdb.tableaux["issue"].lignes}
    assert issues == {"finalisee": 1, "a_finaliser": 1, "doit_revenir": 1, "orientee": 1}
    # Tendance par jour sur un seul mois, alignée sur le mois précédent.
    tendance = {li.cle: (li.nombre, li.precedent) for li in tdb.tableaux["tendance"].lignes}
    assert len(tendance) == 31
    assert tendance["2026-10-01"] == (2, 0) and tendance["2026-10-05"] == (0, 1)
    # Sans les synthétiques.
    sans = tableau_de_bord(
        Portee("structure", s.pk), Periode(date(2026, 10, 1), date(2026, 10, 1)), avec_synthetique=False
    )
    assert sans.total == 3 and sans.synthetiques == 1 and not sans.synthetiques_inclus
    # Chaque tableau est explicable.
    for t in tdb.tableaux.values():
        assert t.definition and t.source and "SELECT" in t.requete
    assert "synthétiques (démonstration) incluses" in tdb.filtres


def test_departement_region_national_et_reference_naive(jeu):
    s = jeu["structure"]
    periode = Periode(date(2026, 9, 1), date(2026, 10, 1))
    for portee in (
        Portee("structure", s.pk),
        Portee("departement", s.departement_id),
        Portee("region", s.departement.region_id),
        Portee("national"),
    ):
        agrege = tableau_de_bord(portee, periode)
        assert agrege.total == 6
        assert agrege.chiffres() == tableau_de_bord_depuis_les_demandes(portee, periode).chiffres()
    tdb = tableau_de_bord(Portee("departement", s.departement_id), periode)
    assert [(li.cle, li.nombre) for li in tdb.tableaux["repartition"].lignes] == [(str(s.pk), 6)]


def test_referent_ne_voit_que_son_partenaire(jeu):
    s = jeu["structure"]
    cnaf = Partenaire.objects.get(code="cnaf")
    portee = Portee("departement", s.departement_id, partenaire=cnaf.pk)
    periode = Periode(date(2026, 10, 1), date(2026, 10, 1))
    tdb = tableau_de_bord(portee, periode)
    assert tdb.total == 3 and tdb.total_precedent == 2
    assert set(tdb.tableaux) == {"tendance", "repartition"}
    assert tdb.chiffres() == tableau_de_bord_depuis_les_demandes(portee, periode).chiffres()


def test_periodes():
    p = Periode(date(2026, 1, 1), date(2026, 3, 1))
    assert p.precedente() == Periode(date(2025, 10, 1), date(2025, 12, 1))
    assert Periode(date(2026, 1, 1), date(2026, 1, 1)).precedente() == Periode(
        date(2025, 12, 1), date(2025, 12, 1)
    )
    aujourdhui = date(2026, 11, 26)
    assert Periode.dernier_mois(aujourdhui) == Periode(date(2026, 10, 1), date(2026, 10, 1))
    assert Periode.trois_derniers_mois(aujourdhui) == Periode(date(2026, 8, 1), date(2026, 10, 1))
    assert Periode.annee_en_cours(aujourdhui) == Periode(date(2026, 1, 1), date(2026, 11, 1))
    assert Periode.douze_derniers_mois(aujourdhui).nombre_de_mois == 12
    assert Periode.depuis_textes("2026-02", "2026-05", aujourdhui) == Periode(
        date(2026, 2, 1), date(2026, 5, 1)
    )
    for du, au, message in (
        ("2026-05", "2026-02", "précéder le mois de fin"),
        ("2026-13", "2026-05", "AAAA-MM"),
        ("x", "2026-05", "AAAA-MM"),
        ("2010-01", "2026-05", "ne peut pas précéder"),
        ("2026-01", "2027-01", "après le mois en cours"),
    ):
        with pytest.raises(PeriodeInvalide, match=message):
            Periode.depuis_textes(du, au, aujourdhui)


def test_portees_selon_le_role():
    charente = Departement.objects.get(code="16")
    s, autre = Structure.objects.filter(departement=charente).order_by("pk")[:2]
    agent = personne(Role.AGENT, structure=s)
    assert portees_de(agent) == [Portee("structure", s.pk)]
    assert portee_demandee(agent, None, None) == Portee("structure", s.pk)
    with pytest.raises(Http404):
        portee_demandee(agent, "structure", autre.pk)
    animateur = personne(Role.ANIMATEUR, departement=charente)
    portees = portees_de(animateur)
    assert portees[0] == Portee("departement", charente.pk)
    assert Portee("structure", autre.pk) in portees
    with pytest.raises(Http404):
        portee_demandee(animateur, "departement", Departement.objects.get(code="23").pk)
    with pytest.raises(Http404):
        portee_demandee(animateur, "national", None)
    national = personne(Role.EQUIPE_NATIONALE)
    assert portee_demandee(national, "national", None) == Portee("national")
    cnaf = Partenaire.objects.get(code="cnaf")
    referent = personne(Role.REFERENT_PARTENAIRE, partenaire=cnaf, departement=charente)
    assert portees_de(referent) == [Portee("departement", charente.pk, partenaire=cnaf.pk)]
    with pytest.raises(Http404):
        portee_demandee(referent, "departement", charente.pk)  # sans le filtre partenaire
    with pytest.raises(Http404):
        lieu = LieuMediation.objects.create(
            identifiant="stat-1", nom="Espace numérique", departement=charente
        )
        portee_demandee(personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu), None, None)


mois = st.integers(0, 17).map(lambda i: date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bornes=st.tuples(mois, mois),
    synthetiques=st.booleans(),
    niveau=st.sampled_from(["structure", "departement", "region", "national", "referent"]),
)
def test_agregats_egaux_aux_lignes_brutes_pour_des_periodes_au_hasard(
    donnees_au_hasard, bornes, synthetiques, niveau
):
    s, cnaf = donnees_au_hasard
    du, au = sorted(bornes)
    portee = {
        "structure": Portee("structure", s.pk),
        "departement": Portee("departement", s.departement_id),
        "region": Portee("region", s.departement.region_id),
        "national": Portee("national"),
        "referent": Portee("departement", s.departement_id, partenaire=cnaf.pk),
    }[niveau]
    periode = Periode(du, au)
    agrege = tableau_de_bord(portee, periode, avec_synthetique=synthetiques)
    naif = tableau_de_bord_depuis_les_demandes(portee, periode, avec_synthetique=synthetiques)
    assert agrege.chiffres() == naif.chiffres()


@pytest.fixture
def donnees_au_hasard():
    aleas = random.Random(20261126)
    structures = list(Structure.objects.filter(departement__code__in=["16", "23"]).order_by("pk")[:5])
    debut = datetime(2025, 5, 1, tzinfo=PARIS)
    actions.enregistrer([demande_au_hasard(aleas, structures, debut=debut, jours=600) for _ in range(300)])
    return structures[0], Partenaire.objects.get(code="cnaf")


def test_classements_communes_et_demarches_ex_aequo_et_autres():
    """Communes et démarches lues en tête de classement seulement (SQL) : ex æquo à la limite, « autres
    communes », valeurs présentes seulement à la période précédente, synthétiques exclues ou non."""
    from franceservices.activite.models import Demarche
    from franceservices.territoires.models import Commune

    structures = list(Structure.objects.filter(departement__code="16").order_by("pk")[:2])
    communes = list(Commune.objects.filter(departement__code="16").order_by("pk")[:33])
    demarches = list(Demarche.objects.select_related("partenaire").order_by("pk")[:22])
    assert len(communes) == 33 and len(demarches) == 22
    lot = []
    for i, commune in enumerate(communes[:30]):
        # 30 communes : les 25 premières à égalité (1 demande en octobre), les autres en septembre seulement,
        # sauf une synthétique.
        mois = 10 if i < 25 else 9
        origine = Origine.SYNTHETIQUE if i == 29 else Origine.SAISIE
        lot.append(demande(structures[i % 2], date_heure=le(2026, mois, 3), commune=commune, origine=origine))
    for i, d in enumerate(demarches):
        # 22 démarches : 3 demandes pour les 2 premières, 1 pour les suivantes (ex æquo à la 15e place).
        for _ in range(3 if i < 2 else 1):
            lot.append(
                demande(structures[0], date_heure=le(2026, 10, 5), partenaire=d.partenaire, demarche=d)
            )
    lot.append(demande(structures[1], date_heure=le(2026, 10, 6), commune=communes[30], duree=30))
    lot.append(demande(structures[1], date_heure=le(2026, 9, 6), commune=communes[30]))
    lot.append(demande(structures[1], date_heure=le(2026, 9, 7), commune=communes[31]))
    actions.enregistrer(lot)
    periode = Periode(date(2026, 10, 1), date(2026, 10, 1))
    charente = structures[0].departement
    for portee in (
        Portee("structure", structures[0].pk),
        Portee("departement", charente.pk),
        Portee("region", charente.region_id),
        Portee("national"),
    ):
        for avec in (True, False):
            agrege = tableau_de_bord(portee, periode, avec_synthetique=avec)
            assert (
                agrege.chiffres()
                == tableau_de_bord_depuis_les_demandes(portee, periode, avec_synthetique=avec).chiffres()
            )
    tdb = tableau_de_bord(Portee("national"), periode)
    lignes = tdb.tableaux["commune"].lignes
    assert lignes[0].cle == str(communes[30].pk) and (lignes[0].nombre, lignes[0].precedent) == (1, 1)
    autres = next(li for li in lignes if li.cle == "autres")
    # 33 - 1 (non utilisée) = 32 communes renseignées, 20 affichées.
    assert autres.libelle == "Autres communes (12)"
    assert sum(li.nombre for li in lignes) == tdb.total
    assert len(tdb.tableaux["demarche"].lignes) == 15
