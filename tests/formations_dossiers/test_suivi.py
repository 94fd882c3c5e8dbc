from datetime import date, timedelta

import pytest
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.formations import suivi
from franceservices.formations.models import Categorie, Statut

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def tronc():
    """Deux modules requis, plus des modules qui ne comptent pas."""
    return {
        "a": f.module(),
        "b": f.module(),
        "hors_label": f.module(compte_pour_label=False),
        "inactif": f.module(actif=False),
        "continue": f.module(categorie=Categorie.CONTINUE),
        "partenaire": f.module(categorie=Categorie.MODULE_PARTENAIRE),
    }


def _etat(agent, structure):
    return next(e for e in suivi.etats_agents([structure.pk])[structure.pk] if e.agent_id == agent.pk)


def test_ajouter_mois():
    assert suivi.ajouter_mois(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert suivi.ajouter_mois(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert suivi.ajouter_mois(date(2026, 1, 15), 12) == date(2027, 1, 15)


def test_forme_si_tous_les_modules_requis_reussis(tronc):
    s = f.structure()
    agent = f.agent(s)
    f.reussite(agent, tronc["a"])
    for cle in ("hors_label", "inactif", "continue", "partenaire"):
        f.reussite(agent, tronc[cle])
    etat = _etat(agent, s)
    assert (etat.reussis, etat.requis, etat.forme, etat.en_cours) == (1, 2, False, True)
    f.reussite(agent, tronc["b"])
    etat = _etat(agent, s)
    assert etat.forme and not etat.en_cours
    assert suivi.dossier(agent).forme


def test_presence_sans_reussite_ne_compte_pas(tronc):
    s = f.structure()
    agent = f.agent(s)
    f.inscription(agent, tronc["a"], presence="present")
    f.reussite(agent, tronc["b"])
    assert not _etat(agent, s).forme


def test_reussir_deux_fois_le_meme_module_ne_suffit_pas(tronc):
    s = f.structure()
    agent = f.agent(s)
    f.reussite(agent, tronc["a"])
    f.reussite(agent, tronc["a"])
    assert _etat(agent, s).reussis == 1 and not _etat(agent, s).forme


def test_catalogue_sans_module_requis_personne_n_est_forme():
    s = f.structure()
    agent = f.agent(s)
    f.reussite(agent, f.module(compte_pour_label=False))
    assert suivi.modules_requis().count() == 0
    assert not _etat(agent, s).forme
    assert suivi.agents_formes([s.pk]) == {s.pk: set()}


def test_en_cours_par_inscription_active(tronc):
    s = f.structure()
    agent, autre = f.agent(s), f.agent(s)
    f.inscription(agent, tronc["partenaire"], statut=Statut.ATTENTE, passee=False)
    f.inscription(autre, tronc["a"], statut=Statut.ANNULEE, passee=False)
    assert _etat(agent, s).en_cours
    assert not _etat(autre, s).en_cours


def test_retard_apres_le_delai(tronc, settings):
    settings.FORMATION_INITIALE_DELAI_MOIS = 6
    s = f.structure()
    ancien = f.agent(s, depuis_jours=200)
    recent = f.agent(s, depuis_jours=30)
    ancien_forme = f.agent(s, depuis_jours=400)
    f.reussite(ancien_forme, tronc["a"])
    f.reussite(ancien_forme, tronc["b"])
    aujourdhui = timezone.localdate()
    assert _etat(ancien, s).en_retard(aujourdhui)
    assert _etat(ancien, s).echeance == suivi.ajouter_mois(aujourdhui - timedelta(days=200), 6)
    assert not _etat(recent, s).en_retard(aujourdhui)
    assert not _etat(ancien_forme, s).en_retard(aujourdhui)
    etat = suivi.etat_structure(s)
    assert (etat.actifs, etat.formes, etat.en_retard) == (3, 1, 1)


def test_echeance_part_de_la_premiere_habilitation_active(tronc):
    s = f.structure()
    agent = f.agent(s, depuis_jours=10)
    Habilitation.objects.create(
        utilisateur=agent,
        role=Role.RESPONSABLE,
        structure=s,
        debut=timezone.localdate() - timedelta(days=300),
    )
    # Habilitation retirée : ne compte pas.
    Habilitation.objects.create(
        utilisateur=agent,
        role=Role.AGENT,
        structure=s,
        debut=timezone.localdate() - timedelta(days=900),
        revoquee_le=timezone.now(),
    )
    etat = _etat(agent, s)
    assert etat.debut == timezone.localdate() - timedelta(days=300)
    assert len(suivi.etats_agents([s.pk])[s.pk]) == 1


def test_agents_inactifs_exclus(tronc):
    s = f.structure()
    parti = f.agent(s)
    Habilitation.objects.filter(utilisateur=parti).update(revoquee_le=timezone.now())
    desactive = f.agent(s)
    desactive.is_active = False
    desactive.save()
    assert suivi.etat_structure(s).actifs == 0


def test_conformite(tronc, settings):
    settings.FORMATION_AGENTS_FORMES_MINIMUM = 2
    s = f.structure()
    agents = [f.agent(s) for _ in range(3)]
    f.reussite(agents[0], tronc["a"])
    f.reussite(agents[0], tronc["b"])
    etat = suivi.etat_structure(s)
    assert not etat.conforme and etat.manquants == 1
    f.reussite(agents[1], tronc["a"])
    f.reussite(agents[1], tronc["b"])
    etat = suivi.etat_structure(s)
    assert etat.conforme and etat.formes == 2
    assert suivi.agents_formes([s.pk, f.structure(rang=1).pk]) == {
        s.pk: {agents[0].pk, agents[1].pk},
        f.structure(rang=1).pk: set(),
    }
    settings.FORMATION_AGENTS_FORMES_MINIMUM = 3
    assert not suivi.etat_structure(s).conforme


def test_un_agent_de_deux_structures_compte_dans_chacune(tronc):
    s1, s2 = f.structure(rang=0), f.structure(rang=1)
    agent = f.agent(s1)
    Habilitation.objects.create(utilisateur=agent, role=Role.AGENT, structure=s2)
    f.reussite(agent, tronc["a"])
    f.reussite(agent, tronc["b"])
    assert suivi.agents_formes([s1.pk, s2.pk]) == {s1.pk: {agent.pk}, s2.pk: {agent.pk}}


@pytest.mark.parametrize("nombre", [2, 40])
def test_etat_departement_requetes_bornees(tronc, nombre, django_assert_max_num_queries):
    structures = [f.structure(rang=i) for i in range(3)]
    for i in range(nombre):
        agent = f.agent(structures[i % 3], depuis_jours=i * 10)
        f.reussite(agent, tronc["a"])
        if i % 2:
            f.reussite(agent, tronc["b"])
    departement = structures[0].departement
    with django_assert_max_num_queries(5):
        lignes = suivi.etat_departement(departement)
        totaux = [(e.actifs, e.formes, e.en_cours, e.en_retard, e.conforme) for e in lignes]
    assert sum(t[0] for t in totaux) == nombre
    assert sum(t[1] for t in totaux) == nombre // 2
    assert len(lignes) == departement.structures.count()
