"""Page des indicateurs : chiffres exacts sur un jeu connu, bornés au périmètre et à la période ; export CSV ;
requêtes agrégées (nombre de requêtes indépendant du volume) ; dates invalides sans erreur."""

import csv
import io
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rappels import actions
from franceservices.rappels.indicateurs import indicateurs, indicateurs_naifs
from franceservices.rappels.models import DemandeRappel, Resultat, Statut
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .fabriques import rappel, structure

pytestmark = pytest.mark.django_db
URL = reverse("rappels:indicateurs")


@pytest.fixture
def jeu():
    """Structure A (16) : joints en 2 h, 10 h, 30 h et 60 h (hors délai), 1 injoignable, 1 ouverte en retard.
    Structure B (16) : joint en 4 h. Structure C (24) : joint en 1 h. Délai cible : 48 h."""
    a, b, c = structure("16"), structure("16", 1), structure("24")
    agents = {s.pk: personne(Role.AGENT, structure=s) for s in (a, b, c)}
    debut = timezone.now() - timedelta(days=10)

    def joint(s, heures, decalage):
        cree = debut + timedelta(hours=decalage)
        r = rappel(structure=s, maintenant=cree)
        actions.noter_tentative(
            par=agents[s.pk], rappel=r, resultat=Resultat.JOINT, maintenant=cree + timedelta(hours=heures)
        )

    for i, h in enumerate([2, 10, 30, 60]):
        joint(a, h, i)
    injoignable = rappel(structure=a, maintenant=debut)
    actions.clore(
        par=agents[a.pk],
        rappel=injoignable,
        resultat=Statut.INJOIGNABLE,
        maintenant=debut + timedelta(hours=50),
    )
    rappel(structure=a, maintenant=debut)  # ouverte, en retard
    joint(b, 4, 0)
    joint(c, 1, 0)
    rappel(structure=a, maintenant=debut - timedelta(days=60))  # hors période par défaut (30 jours)
    return a, b, c


def test_chiffres_exacts_pour_l_agent(client, jeu, django_assert_max_num_queries):
    a, _b, _c = jeu
    connecter(client, personne(Role.AGENT, structure=a))
    with django_assert_max_num_queries(12):
        reponse = client.get(URL)
    contenu = unescape(reponse.content.decode())
    assert reponse.status_code == 200
    total = reponse.context["total"]
    assert (total.demandes, total.closes, total.joints, total.dans_la_cible) == (6, 5, 4, 3)
    assert (total.ouvertes, total.en_retard) == (1, 1)
    assert total.pourcentage_dans_la_cible == 60.0 and total.pourcentage_joints == 80.0
    assert total.delai_median_heures == 20.0  # (10 + 30) / 2
    assert total.delai_p90_heures == 60.0  # rang ⌈0,9 × 4⌉ = 4
    assert "60.0 %" in contenu or "60,0 %" in contenu
    assert [ligne.cle for ligne in reponse.context["lignes"]] == [a.pk]


def test_national_par_departement_et_structure(client, jeu):
    a, b, c = jeu
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(URL)
    assert reponse.context["niveau"] == "departement"
    par_dep = {ligne.cle: ligne.indicateurs for ligne in reponse.context["lignes"]}
    assert par_dep[a.departement_id].demandes == 7 and par_dep[a.departement_id].joints == 5
    assert par_dep[c.departement_id].demandes == 1 and par_dep[c.departement_id].delai_median_heures == 1.0
    total = reponse.context["total"]
    assert (total.demandes, total.joints) == (8, 6)
    par_structure = {
        ligne.cle: ligne.indicateurs for ligne in client.get(URL, {"niveau": "structure"}).context["lignes"]
    }
    assert par_structure[b.pk].delai_median_heures == 4.0 and par_structure[b.pk].dans_la_cible == 1


def test_periode_choisie_et_dates_invalides(client, jeu):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    aujourd_hui = timezone.localdate()
    large = client.get(
        URL, {"du": (aujourd_hui - timedelta(days=100)).isoformat(), "au": aujourd_hui.isoformat()}
    )
    assert large.context["total"].demandes == 9
    vide = client.get(URL, {"du": "2020-01-01", "au": "2020-01-31"})
    assert vide.context["total"].demandes == 0 and "data-vide" in vide.content.decode()
    for params in ({"du": "n'importe quoi"}, {"du": "2026-13-45"}, {"du": "2026-02-01", "au": "2025-01-01"}):
        assert client.get(URL, params).status_code == 200


def test_export_csv(client, jeu):
    a, _b, _c = jeu
    connecter(client, personne(Role.RESPONSABLE, structure=a))
    reponse = client.get(URL, {"format": "csv"})
    assert reponse.status_code == 200 and reponse["Content-Type"].startswith("text/csv")
    lignes = list(
        csv.reader(io.StringIO(b"".join(reponse.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert lignes[0][:3] == ["Périmètre", "Demandes", "Closes"]
    assert lignes[1][:5] == ["Total", "6", "5", "4", "3"]
    assert len(lignes) == 3
    assert EvenementAudit.objects.filter(
        evenement=Evenement.EXPORT, details__objet="indicateurs_rappels"
    ).exists()


def test_agregats_egaux_a_la_reference_naive(jeu):
    qs = DemandeRappel.objects.all()
    assert indicateurs(qs=qs) == indicateurs_naifs(qs)


def test_synthetiques_exclues_par_defaut(jeu):
    a = jeu[0]
    actions.demander_rappel(
        telephone="0612345678", besoin="x", consentement=True, origine="agent", structure=a, synthetique=True
    )
    assert indicateurs(structure=a).demandes == 7
    assert indicateurs(structure=a, avec_synthetiques=True).demandes == 8
