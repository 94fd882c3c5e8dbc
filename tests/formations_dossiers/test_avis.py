import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.formations import avis as avis_
from franceservices.formations.models import Avis, Presence, Statut
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

NOTES = {"utilite": 4, "clarte": 5, "cas_concrets": 3, "commentaire": "  Très concret.  "}


def test_donner_avis_une_seule_fois():
    agent = f.agent(f.structure())
    i = f.inscription(agent, f.module(), presence=Presence.PRESENT)
    a = avis_.donner_avis(par=agent, inscription=i, **NOTES)
    assert (a.utilite, a.clarte, a.cas_concrets, a.commentaire) == (4, 5, 3, "Très concret.")
    with pytest.raises(ValidationError, match="déjà donné"):
        avis_.donner_avis(par=agent, inscription=i, **NOTES)
    assert Avis.objects.count() == 1


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"presence": Presence.ABSENT}, "présent"),
        ({"presence": ""}, "présent"),
        ({"presence": Presence.PRESENT, "passee": False}, "fin de la session"),
        ({"presence": Presence.PRESENT, "statut": Statut.ANNULEE}, "présent"),
    ],
)
def test_avis_refuse(champs, message):
    agent = f.agent(f.structure())
    i = f.inscription(agent, f.module(), **champs)
    with pytest.raises(ValidationError, match=message):
        avis_.donner_avis(par=agent, inscription=i, **NOTES)
    assert Avis.objects.count() == 0


def test_avis_d_un_autre_refuse():
    agent, autre = f.agent(f.structure()), f.agent(f.structure())
    i = f.inscription(agent, f.module(), presence=Presence.PRESENT)
    with pytest.raises(ValidationError):
        avis_.donner_avis(par=autre, inscription=i, **NOTES)


@pytest.mark.parametrize("note", [0, 6, -1])
def test_notes_bornees(note):
    agent = f.agent(f.structure())
    i = f.inscription(agent, f.module(), presence=Presence.PRESENT)
    with pytest.raises(ValidationError):
        avis_.donner_avis(par=agent, inscription=i, **{**NOTES, "utilite": note})


def _avis(module, n, note=4, sess=None):
    sess = sess or f.session(module)
    for _ in range(n):
        agent = f.agent(f.structure())
        i = f.inscription(agent, module, presence=Presence.PRESENT, sess=sess)
        avis_.donner_avis(par=agent, inscription=i, utilite=note, clarte=note, cas_concrets=note)


def test_resultats_masques_sous_le_seuil():
    peu = f.module(organisme="Caf", titre="Peu d'avis")
    assez = f.module(organisme="CNFPT", titre="Assez d'avis")
    _avis(peu, 4, note=2)
    _avis(assez, 3, note=5)
    _avis(assez, 2, note=2)
    r = avis_.resultats()
    modules = {x.libelle: x for x in r["modules"]}
    assert modules["Peu d'avis"].masque and modules["Peu d'avis"].utilite is None
    assert modules["Peu d'avis"].nombre == 4
    assert not modules["Assez d'avis"].masque and modules["Assez d'avis"].utilite == 3.8
    organismes = {x.libelle: x for x in r["organismes"]}
    assert "Caf" not in organismes  # seul module de la Caf masqué : pas de ligne
    assert organismes["CNFPT"].nombre == 5 and organismes["CNFPT"].utilite == 3.8


def test_organisme_ne_trahit_pas_un_module_masque():
    """CNFPT : un module à 5 avis (note 4) et un autre à un seul avis (note 1) : la ligne de l'organisme
    ne doit pas permettre de retrouver la note isolée par différence."""
    _avis(f.module(organisme="CNFPT", titre="Public"), 5, note=4)
    _avis(f.module(organisme="CNFPT", titre="Isolé"), 1, note=1)
    r = avis_.resultats()
    organismes = {x.libelle: x for x in r["organismes"]}
    assert (organismes["CNFPT"].nombre, organismes["CNFPT"].utilite) == (5, 4.0)
    modules = {x.libelle: x for x in r["modules"]}
    assert modules["Isolé"].masque and modules["Isolé"].utilite is None


def test_vue_avis_parcours(client):
    agent = f.agent(f.structure())
    i = f.inscription(agent, f.module(titre="Accueil des usagers"), presence=Presence.PRESENT)
    f.connecter(client, agent)
    url = reverse("formations_dossiers:donner_avis", args=[i.pk])
    page = client.get(reverse("formations_dossiers:moi"))
    assert url in page.content.decode()
    reponse = client.post(url, {"utilite": "9", "clarte": "5", "cas_concrets": "", "commentaire": "x"})
    assert reponse.status_code == 200
    assert reponse.content.decode().count("Donnez une note de 1 à 5.") == 2
    assert Avis.objects.count() == 0
    reponse = client.post(url, {"utilite": "4", "clarte": "5", "cas_concrets": "3", "commentaire": ""})
    assert reponse.status_code == 302
    assert Avis.objects.get().utilite == 4
    # Une seule fois : la page l'explique, un nouvel envoi ne change rien.
    assert "déjà donné" in client.get(url).content.decode()
    client.post(url, {"utilite": "1", "clarte": "1", "cas_concrets": "1"})
    assert Avis.objects.get().utilite == 4
    assert url not in client.get(reverse("formations_dossiers:moi")).content.decode()


def test_vue_avis_inscription_d_un_autre_404(client):
    agent, autre = f.agent(f.structure()), f.agent(f.structure())
    i = f.inscription(agent, f.module(), presence=Presence.PRESENT)
    f.connecter(client, autre)
    assert client.get(reverse("formations_dossiers:donner_avis", args=[i.pk])).status_code == 404
    assert client.post(reverse("formations_dossiers:donner_avis", args=[i.pk]), NOTES).status_code == 404


def test_vue_avis_absent(client):
    agent = f.agent(f.structure())
    i = f.inscription(agent, f.module(), presence=Presence.ABSENT)
    f.connecter(client, agent)
    reponse = client.get(reverse("formations_dossiers:donner_avis", args=[i.pk]))
    assert reponse.status_code == 200 and "présent" in reponse.content.decode()
    assert "<form" not in reponse.content.decode().split("<main")[-1]


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.EQUIPE_NATIONALE, 200),
        (Role.ANIMATEUR, 200),
        (Role.AGENT, 403),
        (Role.COORDINATEUR_PREFECTURE, 403),
    ],
)
def test_resultats_acces(client, role, code):
    s = f.structure()
    perimetre = {
        Role.ANIMATEUR: {"departement": s.departement},
        Role.COORDINATEUR_PREFECTURE: {"departement": s.departement},
        Role.AGENT: {"structure": s},
    }.get(role, {})
    f.connecter(client, personne(role, **perimetre))
    m = f.module(titre="Module noté")
    _avis(m, 5, note=4)
    reponse = client.get(reverse("formations_dossiers:avis"))
    assert reponse.status_code == code
    if code == 200:
        assert "Module noté" in reponse.content.decode()
