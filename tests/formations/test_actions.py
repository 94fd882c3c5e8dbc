"""Règles de l'inscription : qui inscrit qui, approbation, places et liste d'attente, annulation et
promotion, prérequis, sessions closes, inscription d'un groupe ; périmètres des QuerySets."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.formations import actions
from franceservices.formations.models import Inscription, Session, Statut
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    s = f.structure("16")
    return {
        "structure": s,
        "agent": f.agent(s),
        "responsable": f.responsable(s),
        "animateur": f.animateur(s.departement),
        "session": f.session(capacite=2),
    }


def test_l_agent_demande_et_attend_l_approbation(monde):
    i = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    assert i.statut == Statut.DEMANDEE and i.decidee_par is None and i.inscrite_par == monde["agent"]
    assert actions.places_restantes(monde["session"]) == 2


@pytest.mark.parametrize("qui", ["responsable", "animateur", "national"])
def test_inscription_d_office(monde, qui):
    par = personne(Role.EQUIPE_NATIONALE) if qui == "national" else monde[qui]
    i = actions.inscrire(par=par, session=monde["session"], agent=monde["agent"])
    assert i.statut == Statut.CONFIRMEE and i.decidee_par == par
    assert actions.places_restantes(monde["session"]) == 1


def test_responsable_d_une_autre_structure_refuse(monde):
    autre = f.responsable(f.structure("16", 1))
    with pytest.raises(PermissionDenied):
        actions.inscrire(par=autre, session=monde["session"], agent=monde["agent"])
    animateur_ailleurs = f.animateur(f.structure("24").departement)
    with pytest.raises(PermissionDenied):
        actions.inscrire(par=animateur_ailleurs, session=monde["session"], agent=monde["agent"])
    assert not Inscription.objects.exists()


def test_un_agent_ne_peut_inscrire_un_collegue(monde):
    collegue = f.agent(monde["structure"])
    with pytest.raises(PermissionDenied):
        actions.inscrire(par=collegue, session=monde["session"], agent=monde["agent"])


def test_sans_habilitation_en_structure(monde):
    sans = personne(Role.EQUIPE_NATIONALE)
    with pytest.raises(ValidationError, match="agent d'aucune France services"):
        actions.inscrire(par=sans, session=monde["session"], agent=sans)


def test_complet_va_en_liste_d_attente(monde):
    s = monde["structure"]
    agents = [f.agent(s) for _ in range(3)]
    statuts = [
        actions.inscrire(par=monde["responsable"], session=monde["session"], agent=a).statut for a in agents
    ]
    assert statuts == [Statut.CONFIRMEE, Statut.CONFIRMEE, Statut.ATTENTE]
    assert actions.places_restantes(monde["session"]) == 0


def test_double_inscription(monde):
    actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    with pytest.raises(ValidationError, match="Vous êtes déjà inscrit"):
        actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    with pytest.raises(ValidationError, match="est déjà inscrit"):
        actions.inscrire(par=monde["responsable"], session=monde["session"], agent=monde["agent"])


def test_reinscription_apres_annulation(monde):
    i = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    actions.annuler(par=monde["agent"], inscription=i)
    assert actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"]).pk != i.pk


@pytest.mark.parametrize(
    "cas,message",
    [
        ("passee", "déjà commencé"),
        ("annulee", "annulée"),
        ("inactif", "plus proposé"),
        ("autre_departement", "réservée aux agents du département"),
    ],
)
def test_session_close(monde, cas, message):
    session = monde["session"]
    if cas == "passee":
        session = f.session(dans_jours=-1)
    elif cas == "annulee":
        session.annulee_le = timezone.now()
        session.save()
    elif cas == "inactif":
        session.module.actif = False
        session.module.save()
    else:
        session = f.session(departement=f.structure("24").departement)
    with pytest.raises(ValidationError, match=message):
        actions.inscrire(par=monde["responsable"], session=session, agent=monde["agent"])


def test_session_de_son_departement_acceptee(monde):
    session = f.session(departement=monde["structure"].departement)
    assert actions.inscrire(par=monde["agent"], session=session, agent=monde["agent"]).statut == "demandee"


def test_prerequis(monde):
    socle = f.module(titre="Tronc commun")
    avance = f.module(titre="Approfondissement")
    avance.prerequis.add(socle)
    session = f.session(avance)
    with pytest.raises(ValidationError, match="« Tronc commun »"):
        actions.inscrire(par=monde["agent"], session=session, agent=monde["agent"])
    f.reussite(monde["agent"], socle)
    assert actions.inscrire(par=monde["agent"], session=session, agent=monde["agent"]).statut == "demandee"


def test_approuver_confirme_ou_met_en_attente(monde):
    s = monde["structure"]
    a1, a2, a3 = monde["agent"], f.agent(s), f.agent(s)
    demandes = [actions.inscrire(par=a, session=monde["session"], agent=a) for a in (a1, a2, a3)]
    statuts = [actions.approuver(par=monde["responsable"], inscription=d).statut for d in demandes]
    assert statuts == [Statut.CONFIRMEE, Statut.CONFIRMEE, Statut.ATTENTE]
    with pytest.raises(ValidationError, match="déjà été traitée"):
        actions.approuver(par=monde["responsable"], inscription=demandes[0])


def test_l_agent_ne_s_approuve_pas(monde):
    d = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    with pytest.raises(PermissionDenied):
        actions.approuver(par=monde["agent"], inscription=d)
    with pytest.raises(PermissionDenied):
        actions.approuver(par=f.responsable(f.structure("16", 1)), inscription=d)
    assert Inscription.objects.get(pk=d.pk).statut == Statut.DEMANDEE


def test_refuser_exige_un_motif(monde):
    d = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    with pytest.raises(ValidationError, match="motif"):
        actions.refuser(par=monde["responsable"], inscription=d, motif="   ")
    with pytest.raises(ValidationError, match="trop long"):
        actions.refuser(par=monde["responsable"], inscription=d, motif="x" * 301)
    r = actions.refuser(par=monde["animateur"], inscription=d, motif="  Service   en sous-effectif ")
    assert r.statut == Statut.REFUSEE and r.motif == "Service en sous-effectif" and r.decidee_par_id


def test_annuler_promeut_le_premier_de_la_liste(monde):
    s = monde["structure"]
    premier, second, suivant1, suivant2 = (f.agent(s) for _ in range(4))
    maintenant = timezone.now()
    inscrits = [
        actions.inscrire(
            par=monde["responsable"],
            session=monde["session"],
            agent=a,
            maintenant=maintenant + timedelta(seconds=n),
        )
        for n, a in enumerate([premier, second, suivant1, suivant2])
    ]
    assert [i.statut for i in inscrits] == ["confirmee", "confirmee", "attente", "attente"]
    promues = actions.annuler(par=premier, inscription=inscrits[0])
    assert [p.agent for p in promues] == [suivant1]
    statuts = dict(Inscription.objects.values_list("agent_id", "statut"))
    assert statuts[premier.pk] == "annulee" and statuts[suivant1.pk] == "confirmee"
    assert statuts[suivant2.pk] == "attente"
    # Annuler une attente ne promeut personne.
    assert actions.annuler(par=monde["responsable"], inscription=inscrits[3]) == []
    with pytest.raises(ValidationError, match="déjà close"):
        actions.annuler(par=premier, inscription=inscrits[0])


def test_annuler_l_inscription_d_un_autre_refuse(monde):
    i = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    with pytest.raises(PermissionDenied):
        actions.annuler(par=f.agent(monde["structure"]), inscription=i)


def test_inscrire_groupe_bilan(monde):
    s = monde["structure"]
    a1, a2, a3 = monde["agent"], f.agent(s), f.agent(s)
    ailleurs = f.agent(f.structure("24"))
    actions.inscrire(par=a3, session=monde["session"], agent=a3)
    bilan = actions.inscrire_groupe(
        par=monde["animateur"], session=monde["session"], agents=[a1, a2, a3, ailleurs]
    )
    assert bilan.inscrits == [a1, a2]
    assert bilan.en_attente == []
    motifs = dict(bilan.refus)
    assert "déjà inscrit" in motifs[a3] and ailleurs in motifs
    with pytest.raises(PermissionDenied):
        actions.inscrire_groupe(par=monde["agent"], session=monde["session"], agents=[a1])


def test_visible_par(monde):
    s = monde["structure"]
    autre = f.structure("16", 1)
    ailleurs = f.structure("24")
    moi = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    voisin_agent = f.agent(autre)
    voisin = actions.inscrire(par=voisin_agent, session=monde["session"], agent=voisin_agent)
    loin_agent = f.agent(ailleurs)
    loin = actions.inscrire(par=loin_agent, session=monde["session"], agent=loin_agent)
    formateur = personne()
    session_formateur = f.session(formateur=formateur, departement=ailleurs.departement)
    par_formateur = actions.inscrire(par=loin_agent, session=session_formateur, agent=loin_agent)

    def ids(user):
        return set(Inscription.objects.visible_par(user).values_list("pk", flat=True))

    assert ids(monde["agent"]) == {moi.pk}
    assert ids(monde["responsable"]) == {moi.pk}
    assert ids(monde["animateur"]) == {moi.pk, voisin.pk}  # loin : agent du 24, session nationale
    assert ids(personne(Role.EQUIPE_NATIONALE)) >= {moi.pk, voisin.pk, loin.pk, par_formateur.pk}
    assert ids(formateur) == {par_formateur.pk}
    assert ids(personne(Role.COORDINATEUR_PREFECTURE, departement=ailleurs.departement)) == {
        loin.pk,
        par_formateur.pk,
    }

    def sessions(user):
        return set(Session.objects.visible_par(user).values_list("pk", flat=True))

    session_16 = f.session(departement=s.departement)
    assert sessions(monde["agent"]) >= {monde["session"].pk, session_16.pk}
    assert session_formateur.pk not in sessions(monde["agent"])
    assert sessions(formateur) == {session_formateur.pk}
    assert sessions(personne()) == set()


def test_charger_catalogue_exemple_idempotent():
    from io import StringIO

    from django.core.management import call_command

    from franceservices.formations.models import Module

    sortie = StringIO()
    call_command("charger_catalogue_exemple", stdout=sortie)
    modules = Module.objects.filter(exemple=True)
    assert modules.count() == 7 and all("(exemple)" in m.titre for m in modules)
    bdf = modules.get(code="exemple-banque-de-france")
    assert bdf.ouvre_pilote is not None and bdf.ouvre_pilote.code.lower() == "bdf"
    assert modules.get(code="exemple-tronc-commun").organisme == "CNFPT"
    assert set(modules.get(code="exemple-caf").prerequis.values_list("code", flat=True)) == {
        "exemple-tronc-commun"
    }
    sessions = Session.objects.filter(module__exemple=True)
    assert sessions.count() == 7
    assert all(s.departement.code == "16" and s.debut > timezone.now() and s.fin > s.debut for s in sessions)
    assert all(timezone.localtime(s.debut).weekday() < 5 for s in sessions)
    call_command("charger_catalogue_exemple", stdout=StringIO())
    assert Module.objects.filter(exemple=True).count() == 7 and sessions.count() == 7
    assert "0 module(s) créé(s), 7 mis à jour, 0 session(s)" in _derniere_ligne()


def _derniere_ligne():
    from io import StringIO

    from django.core.management import call_command

    sortie = StringIO()
    call_command("charger_catalogue_exemple", stdout=sortie)
    return sortie.getvalue().strip().splitlines()[-1]
