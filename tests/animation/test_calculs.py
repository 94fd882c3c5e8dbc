"""Calculs : sites atypiques (méthode robuste, sur des données construites), couverture en animateurs contre
l'objectif (une donnée), ce qui a changé depuis la dernière consultation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from franceservices.animation import accueil, atypiques, couverture
from franceservices.animation.models import DerniereConsultation, ObjectifCouverture
from franceservices.comptes.models import Habilitation, Role
from franceservices.structures.models import Anomalie, ModificationStructure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne

from . import fabriques as f

# — Atypiques —


def test_ecarts_robustes_repere_le_site_qui_s_ecarte():
    valeurs = {"a": 100, "b": 110, "c": 95, "d": 105, "e": 102, "f": 98, "g": 400}
    ecarts = atypiques.ecarts_robustes(valeurs)
    assert set(ecarts) == {"g"}
    e = ecarts["g"]
    assert e.mediane == 102 and e.au_dessus and e.score > atypiques.SEUIL


def test_une_valeur_extreme_ne_masque_pas_une_autre():
    # Avec moyenne et écart type, 10 000 gonflerait l'écart type et cacherait 5 ; pas avec la médiane.
    valeurs = {i: 100 + i for i in range(10)} | {"bas": 5, "haut": 10_000}
    assert set(atypiques.ecarts_robustes(valeurs)) == {"bas", "haut"}


def test_trop_peu_de_sites_ou_dispersion_nulle():
    assert atypiques.ecarts_robustes({"a": 1, "b": 2, "c": 3, "d": 1000}) == {}
    assert atypiques.ecarts_robustes(dict.fromkeys("abcdef", 10) | {"z": 99}) == {}
    assert atypiques.ecarts_robustes({"a": None, "b": 1, "c": 2, "d": 3, "e": 4}) == {}


def test_explication_lisible():
    e = atypiques.ecarts_robustes({"a": 10, "b": 11, "c": 9, "d": 10, "e": 12, "x": 1})["x"]
    texte = atypiques.INDICATEURS[0].explication(e)
    assert "fois moins que la médiane" in texte and "1 demandes contre 10 pour la médiane" in texte


@pytest.mark.django_db
def test_atypiques_sur_un_departement_construit():
    demandes = [3000, 290, 300, 310, 305, 295]  # la première : dix fois plus par agent et par heure
    delais = [None, 2, 4, 30, 2, 3]
    lignes = [
        accueil.LigneStructure(structure=None, demandes=n, agents=3, heures=30, delai_median=d)
        for n, d in zip(demandes, delais, strict=True)
    ]
    ressortent = accueil.marquer_atypiques(lignes)
    assert ressortent == [lignes[0], lignes[3]]
    assert len(lignes[0].atypies) == 2 and "Demandes par agent" in lignes[0].atypies[0]
    assert "plus lentes" in lignes[3].atypies[0]


# — Couverture —


@pytest.mark.django_db
def test_couverture_contre_l_objectif():
    deps = list(couverture.departements_couverts().order_by("code"))
    assert len(deps) == 101
    objectif = ObjectifCouverture.objects.get()  # valeur de départ (migration de données)
    assert objectif.part_cible == Decimal("66.67") and objectif.strictement_superieure
    personne(Role.ANIMATEUR, departement=deps[0])
    deux = personne(Role.ANIMATEUR, departement=deps[1])
    Habilitation.objects.create(utilisateur=deux, role=Role.ANIMATEUR, departement=deps[1])  # compté une fois
    retire = personne(Role.ANIMATEUR, departement=deps[2])
    Habilitation.objects.filter(utilisateur=retire).update(revoquee_le=timezone.now())
    personne(Role.COORDINATEUR_PREFECTURE, departement=deps[3])  # pas un animateur
    mayotte_com = Departement.objects.get(code="975")
    personne(Role.ANIMATEUR, departement=mayotte_com)  # collectivité d'outre-mer : hors compte
    c = couverture.calculer()
    assert (c.total, c.couverts) == (101, 2)
    assert c.part == Decimal("2.0")
    assert not c.atteint and c.manquants == 66  # 68 / 101 = 67,3 % > 66,67 % ; 67 / 101 = 66,3 %
    assert deps[2] in c.sans_animateur and deps[0] not in c.sans_animateur
    assert sum(r.total for r in c.regions) == 101 and sum(r.couverts for r in c.regions) == 2


@pytest.mark.django_db
def test_objectif_en_vigueur_et_atteint():
    aujourdhui = timezone.localdate()
    ObjectifCouverture.objects.create(
        libelle="Tous", part_cible=Decimal("100"), echeance=aujourdhui + timedelta(days=400)
    )
    proche = ObjectifCouverture.objects.create(
        libelle="Un demi pour cent", part_cible=Decimal("0.5"), echeance=aujourdhui + timedelta(days=10)
    )
    assert couverture.objectif_en_vigueur() == proche
    personne(Role.ANIMATEUR, departement=f.structure("16").departement)
    c = couverture.calculer()
    assert c.atteint and c.manquants == 0


# — Ce qui a changé —


@pytest.mark.django_db
def test_changements_depuis_la_derniere_consultation():
    s = f.structure("16")
    dep = s.departement
    anim = f.animateur(dep)
    premiere = accueil.accueil(dep, anim)
    assert premiere.changements.premiere
    depuis = timezone.now()
    # Rien de neuf entre deux consultations.
    deuxieme = accueil.accueil(dep, anim)
    assert not deuxieme.changements.premiere and deuxieme.changements.vide
    assert deuxieme.changements.depuis <= depuis
    # La dernière consultation remonte à trois jours : l'action échue hier est « arrivée à échéance » depuis.
    DerniereConsultation.objects.filter(utilisateur=anim).update(le=timezone.now() - timedelta(days=3))
    ModificationStructure.objects.create(structure=s, auteur=anim, changements={"telephone": ["", "05"]})
    agent = personne(Role.AGENT, structure=s)
    parti = Habilitation.objects.get(utilisateur=agent)
    autre = personne(Role.AGENT, structure=s)
    Habilitation.objects.filter(utilisateur=autre).update(revoquee_le=timezone.now())
    Anomalie.objects.create(structure=s, champ="horaires", anomalie="Horaires illisibles (test)")
    v = f.visite(s, auteur=anim, jours=-40)
    f.action(v, echeance_jours=-1, libelle="Refaire l'affichage")
    f.action(v, echeance_jours=5, libelle="Pas encore échue")
    troisieme = accueil.accueil(dep, anim)
    c = troisieme.changements
    assert c.nb_modifications == 1
    assert parti in c.arrivees and [h.utilisateur for h in c.departs] == [autre]
    assert "Horaires illisibles (test)" in [a.anomalie for a in c.anomalies]
    assert c.visites == [v]
    assert [a.libelle for a in c.actions_echues] == ["Refaire l'affichage"]
    # Un autre utilisateur a sa propre mémoire : première consultation pour lui.
    assert accueil.accueil(dep, personne(Role.EQUIPE_NATIONALE)).changements.premiere


@pytest.mark.django_db
def test_activite_trois_mois_complets_et_evolution():
    from franceservices.activite.models import Agregat, Dimension

    s = f.structure("16")
    aujourdhui = timezone.localdate()
    avant, _debut, _fin = accueil.periodes(aujourdhui)
    mois = [accueil.decaler_mois(avant, i) for i in range(7)]  # 6 mois complets + le mois en cours
    for i, m in enumerate(mois):
        Agregat.objects.create(mois=m, structure=s, dimension=Dimension.TOTAL, valeur="", nombre=10 * (i + 1))
    Agregat.objects.create(
        mois=mois[4], structure=s, dimension=Dimension.CANAL, valeur="telephone", nombre=999
    )
    ligne = next(
        x for x in accueil.accueil(s.departement, f.animateur(s.departement)).lignes if x.structure == s
    )
    assert ligne.demandes == 40 + 50 + 60 and ligne.demandes_precedentes == 10 + 20 + 30
    assert ligne.evolution == 150
