"""Matrice des permissions de l'agenda : rôle × périmètre, sur chaque page et chaque action — y compris par
l'identifiant d'une France services ou d'un rendez-vous d'une autre structure (404, sans rien révéler)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire, Presence
from franceservices.rendezvous.models import Statut
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .agenda_outils import NOM, jour_local, rdv
from .fabriques import structure_du, type_rdv

pytestmark = pytest.mark.django_db

# jour, semaine, paramètres, prendre un rdv, venue (POST), annulation (GET), demandes (GET), ajouter un type
PAGES = ["jour", "semaine", "parametres", "nouveau", "venue", "annuler", "demandes", "ajouter"]
MATRICE = {
    "agent": (200, 200, 200, 200, 302, 200, 302, 403),
    "responsable": (200, 200, 200, 200, 302, 200, 302, 200),
    "agent_autre_structure": (404, 404, 404, 404, 404, 404, 404, 404),
    "responsable_autre_structure": (404, 404, 404, 404, 404, 404, 404, 404),
    "animateur": (403, 403, 403, 403, 404, 404, 404, 403),
    "prefecture": (403, 403, 403, 403, 404, 404, 404, 403),
    "referent_partenaire": (403, 403, 403, 403, 404, 404, 404, 403),
    "conseiller_numerique": (403, 403, 403, 403, 404, 404, 404, 403),
    "sans_habilitation": (403, 403, 403, 403, 404, 404, 404, 403),
    "equipe_nationale": (200, 200, 200, 403, 403, 403, 403, 403),
}


@pytest.fixture
def monde():
    structure = structure_du("16")
    departement = structure.departement
    type_ = type_rdv(structure)
    passe = rdv(structure, type_, timezone.now() - timedelta(minutes=15))
    futur = rdv(structure, type_, timezone.now() + timedelta(days=1))
    partenaire = Partenaire.objects.filter(presence=Presence.SOCLE).order_by("pk")[0]
    return {
        "structure": structure,
        "passe": passe,
        "futur": futur,
        "personnes": {
            "agent": lambda: personne(Role.AGENT, structure=structure),
            "responsable": lambda: personne(Role.RESPONSABLE, structure=structure),
            "agent_autre_structure": lambda: personne(Role.AGENT, structure=structure_du("24")),
            "responsable_autre_structure": lambda: personne(Role.RESPONSABLE, structure=structure_du("24")),
            "animateur": lambda: personne(Role.ANIMATEUR, departement=departement),
            "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=departement),
            "referent_partenaire": lambda: personne(
                Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=departement
            ),
            "conseiller_numerique": lambda: personne(
                Role.CONSEILLER_NUMERIQUE,
                lieu_mediation=LieuMediation.objects.create(
                    identifiant="m1", nom="Lieu", departement=departement
                ),
            ),
            "sans_habilitation": lambda: personne(),
            "equipe_nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        },
    }


@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice(client, monde, qui):
    attendus = dict(zip(PAGES, MATRICE[qui], strict=True))
    structure, passe, futur = monde["structure"], monde["passe"], monde["futur"]
    connecter(client, monde["personnes"][qui]())
    s = {"structure": structure.pk}

    reponse = client.get(reverse("agenda:jour"), s | {"jour": jour_local(passe)})
    assert reponse.status_code == attendus["jour"]
    assert (f'data-rdv="{passe.pk}"' in reponse.content.decode()) is (attendus["jour"] == 200)
    assert (NOM in reponse.content.decode()) is (attendus["jour"] == 200)
    assert (
        client.get(reverse("agenda:semaine"), s | {"jour": jour_local(passe)}).status_code
        == attendus["semaine"]
    )
    assert client.get(reverse("agenda:parametres"), s).status_code == attendus["parametres"]
    assert client.get(reverse("agenda:nouveau"), s).status_code == attendus["nouveau"]
    assert client.post(reverse("agenda:venue", args=[passe.pk])).status_code == attendus["venue"]
    passe.refresh_from_db()
    assert (passe.statut == Statut.HONORE) is (attendus["venue"] == 302)
    assert client.get(reverse("agenda:annuler", args=[futur.pk])).status_code == attendus["annuler"]
    reponse = client.post(reverse("agenda:annuler", args=[futur.pk]), {"motif": "Test"})
    assert reponse.status_code == (302 if attendus["annuler"] == 200 else attendus["annuler"])
    futur.refresh_from_db()
    assert (futur.statut == Statut.ANNULE) is (attendus["annuler"] == 200)
    # demandes : un rendez-vous honoré redirige vers le formulaire… honoré ou non selon la venue ci-dessus
    reponse = client.get(reverse("agenda:demandes", args=[passe.pk]))
    attendu = attendus["demandes"]
    assert reponse.status_code == (200 if attendu == 302 and passe.statut == Statut.HONORE else attendu)
    reponse = client.get(reverse("agenda:ajouter", args=["types"]), s)
    assert reponse.status_code == attendus["ajouter"]


def test_agent_tente_un_rendez_vous_d_une_autre_structure_par_id(client, monde):
    ailleurs = structure_du("24")
    autre = rdv(ailleurs, type_rdv(ailleurs), timezone.now() - timedelta(minutes=10))
    connecter(client, personne(Role.AGENT, structure=monde["structure"]))
    for nom in ("venue", "absence"):
        assert client.post(reverse(f"agenda:{nom}", args=[autre.pk])).status_code == 404
    assert client.get(reverse("agenda:annuler", args=[autre.pk])).status_code == 404
    assert client.post(reverse("agenda:annuler", args=[autre.pk]), {"motif": "x"}).status_code == 404
    assert client.get(reverse("agenda:demandes", args=[autre.pk])).status_code == 404
    assert client.get(reverse("agenda:jour"), {"structure": ailleurs.pk}).status_code == 404
    assert client.post(reverse("agenda:venue", args=[999999999])).status_code == 404
    autre.refresh_from_db()
    assert autre.statut == Statut.PREVU


def test_anonyme_redirige_vers_la_connexion(client, monde):
    for url in (reverse("agenda:jour"), reverse("agenda:semaine"), reverse("agenda:parametres")):
        reponse = client.get(url)
        assert reponse.status_code == 302 and "connexion" in reponse["Location"]
