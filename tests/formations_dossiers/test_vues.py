"""Pages des dossiers de formation : contenu, et matrice rôle × périmètre (hors périmètre → 404)."""

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    ici, voisine, ailleurs = f.structure("16", 0), f.structure("16", 1), f.structure("15", 0)
    requis = [f.module(titre="Accueil"), f.module(titre="Numérique")]
    agent = f.agent(ici, depuis_jours=250, first_name="Aline", last_name="Formée")
    for m in requis:
        f.reussite(agent, m)
    retard = f.agent(ici, depuis_jours=250, first_name="Bruno", last_name="Retard")
    agent_voisine = f.agent(voisine)
    agent_ailleurs = f.agent(ailleurs)
    return {
        "ici": ici,
        "voisine": voisine,
        "ailleurs": ailleurs,
        "agent": agent,
        "retard": retard,
        "agent_voisine": agent_voisine,
        "agent_ailleurs": agent_ailleurs,
        "comptes": {
            "agent": agent,
            "responsable": personne(Role.RESPONSABLE, structure=ici),
            "animateur": personne(Role.ANIMATEUR, departement=ici.departement),
            "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=ici.departement),
            "national": personne(Role.EQUIPE_NATIONALE),
            "referent": personne(
                Role.REFERENT_PARTENAIRE, partenaire=_partenaire(), departement=ici.departement
            ),
            "sans_role": personne(),
        },
    }


def _partenaire():
    from franceservices.partenaires.models import Partenaire

    return Partenaire.objects.order_by("pk").first()


# (compte, cible) → statut attendu
MATRICE = {
    "agent": {"dossier_collegue": 404, "structure_ici": 404, "structure_voisine": 404, "departement": 404},
    "responsable": {
        "dossier_collegue": 200,
        "dossier_voisine": 404,
        "dossier_ailleurs": 404,
        "structure_ici": 200,
        "structure_voisine": 404,
        "structure_ailleurs": 404,
        "departement": 404,
    },
    "animateur": {
        "dossier_collegue": 200,
        "dossier_voisine": 200,
        "dossier_ailleurs": 404,
        "structure_ici": 200,
        "structure_voisine": 200,
        "structure_ailleurs": 404,
        "departement": 200,
        "departement_ailleurs": 404,
    },
    "prefecture": {
        "dossier_collegue": 404,
        "structure_ici": 200,
        "structure_ailleurs": 404,
        "departement": 200,
        "departement_ailleurs": 404,
    },
    "national": {
        "dossier_collegue": 200,
        "dossier_ailleurs": 200,
        "structure_ailleurs": 200,
        "departement": 200,
        "departement_ailleurs": 200,
    },
    "referent": {"dossier_collegue": 404, "structure_ici": 404, "departement": 404},
    "sans_role": {"dossier_collegue": 404, "structure_ici": 404, "departement": 404},
}


def _url(monde, cible):
    r = "formations_dossiers:"
    return {
        "dossier_collegue": reverse(r + "agent", args=[monde["retard"].pk]),
        "dossier_voisine": reverse(r + "agent", args=[monde["agent_voisine"].pk]),
        "dossier_ailleurs": reverse(r + "agent", args=[monde["agent_ailleurs"].pk]),
        "structure_ici": reverse(r + "structure", args=[monde["ici"].pk]),
        "structure_voisine": reverse(r + "structure", args=[monde["voisine"].pk]),
        "structure_ailleurs": reverse(r + "structure", args=[monde["ailleurs"].pk]),
        "departement": reverse(r + "departement", args=[monde["ici"].departement.code]),
        "departement_ailleurs": reverse(r + "departement", args=[monde["ailleurs"].departement.code]),
    }[cible]


CAS = [(compte, cible, code) for compte, cibles in MATRICE.items() for cible, code in cibles.items()]


@pytest.mark.parametrize(("compte", "cible", "code"), CAS, ids=[f"{a}-{b}" for a, b, _ in CAS])
def test_matrice(client, monde, compte, cible, code):
    f.connecter(client, monde["comptes"][compte])
    assert client.get(_url(monde, cible)).status_code == code


def test_identifiants_inconnus(client, monde):
    f.connecter(client, monde["comptes"]["national"])
    r = "formations_dossiers:"
    assert client.get(reverse(r + "agent", args=[10**9])).status_code == 404
    assert client.get(reverse(r + "structure", args=[10**9])).status_code == 404
    assert client.get(reverse(r + "departement", args=["ZZZZ"])).status_code == 404
    assert client.get("/formations/dossiers/departement/1%00/").status_code in {400, 404}
    assert client.get("/formations/dossiers/departement/1%27--/").status_code == 404
    assert client.get(reverse(r + "departement", args=["2a"])).status_code == 200
    assert client.get(reverse(r + "avis") + "abc/").status_code == 404


def test_anonyme_redirige_vers_la_connexion(client, monde):
    assert client.get(reverse("formations_dossiers:moi")).status_code == 302


def test_mon_dossier(client, monde):
    f.connecter(client, monde["agent"])
    html = client.get(reverse("formations_dossiers:moi")).content.decode()
    assert "data-forme" in html and "Accueil" in html and "Numérique" in html
    assert client.get(reverse("formations_dossiers:agent", args=[monde["agent"].pk])).status_code == 302


def test_mon_dossier_vide(client):
    f.connecter(client, personne())
    html = client.get(reverse("formations_dossiers:moi")).content.decode()
    assert "Aucune inscription pour le moment." in html and "data-non-forme" in html


def test_structure_du_responsable(client, monde):
    f.connecter(client, monde["comptes"]["responsable"])
    html = client.get(reverse("formations_dossiers:structure", args=[monde["ici"].pk])).content.decode()
    assert 'data-compteur="actifs">Agents actifs : 3<' in html  # deux agents + le responsable
    assert 'data-compteur="formes">Formés : 1<' in html
    assert 'data-compteur="en_retard">En retard : 1<' in html
    assert "data-non-conforme" in html
    assert reverse("formations_dossiers:agent", args=[monde["retard"].pk]) in html
    html = client.get(reverse("formations_dossiers:agent", args=[monde["retard"].pk])).content.decode()
    assert "Bruno" in html and "data-en-retard" in html


def test_structure_vue_par_la_prefecture_sans_lien_vers_les_dossiers(client, monde):
    f.connecter(client, monde["comptes"]["prefecture"])
    html = client.get(reverse("formations_dossiers:structure", args=[monde["ici"].pk])).content.decode()
    assert "Retard" in html
    assert reverse("formations_dossiers:agent", args=[monde["retard"].pk]) not in html


def test_departement(client, monde, django_assert_max_num_queries):
    f.connecter(client, monde["comptes"]["animateur"])
    url = reverse("formations_dossiers:departement", args=[monde["ici"].departement.code])
    client.get(url)
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert f'data-structure="{monde["ici"].pk}"' in html
    assert f'data-structure="{monde["ailleurs"].pk}"' not in html


def test_departement_requetes_independantes_du_nombre_d_agents(client, monde):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f.connecter(client, monde["comptes"]["animateur"])
    url = reverse("formations_dossiers:departement", args=[monde["ici"].departement.code])
    client.get(url)
    with CaptureQueriesContext(connection) as avant:
        client.get(url)
    for i in range(30):
        f.agent(f.structure("16", i % 4), depuis_jours=i * 9)
    with CaptureQueriesContext(connection) as apres:
        client.get(url)
    assert len(apres) == len(avant)


def test_toutes_les_pages_exigent_une_connexion(client, monde):
    for url in [
        reverse("formations_dossiers:index"),
        reverse("formations_dossiers:avis"),
        reverse("formations_dossiers:donner_avis", args=[1]),
        *(_url(monde, cible) for cible in ("dossier_collegue", "structure_ici", "departement")),
    ]:
        reponse = client.get(url)
        assert reponse.status_code == 302 and "/formations/" not in reponse["Location"].split("?")[0], url


def _requetes(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_pages_structure_et_dossier_requetes_bornees(client, monde):
    f.connecter(client, monde["comptes"]["animateur"])
    structure = reverse("formations_dossiers:structure", args=[monde["ici"].pk])
    dossier = reverse("formations_dossiers:agent", args=[monde["retard"].pk])
    _requetes(client, structure)
    avant = (_requetes(client, structure), _requetes(client, dossier))
    modules = [f.module(), f.module(categorie="continue")]
    for _ in range(8):
        agent = f.agent(monde["ici"], depuis_jours=100)
        f.reussite(agent, modules[0])
    for m in modules:
        f.reussite(monde["retard"], m)
        f.inscription(monde["retard"], m, statut="attente", passee=False)
    assert (_requetes(client, structure), _requetes(client, dossier)) == avant


@pytest.mark.parametrize(
    ("compte", "attendus", "absents"),
    [
        ("responsable", ["structure_ici"], ["departement", "avis"]),
        ("animateur", ["departement", "avis"], ["structure_ici"]),
        ("prefecture", ["departement"], ["avis"]),
        ("agent", [], ["structure_ici", "departement", "avis"]),
    ],
)
def test_raccourcis_de_mon_dossier(client, monde, compte, attendus, absents):
    f.connecter(client, monde["comptes"][compte])
    html = client.get(reverse("formations_dossiers:moi")).content.decode()
    urls = {"avis": reverse("formations_dossiers:avis")}
    for cible in attendus:
        assert f'href="{urls.get(cible) or _url(monde, cible)}"' in html
    for cible in absents:
        assert f'href="{urls.get(cible) or _url(monde, cible)}"' not in html
