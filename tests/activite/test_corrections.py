"""« Mes demandes », fiche d'une demande, corrections et annulations : périmètre, délai de correction, historique."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.utils import timezone

from franceservices.activite import actions, agregats
from franceservices.activite.models import Demande, Demarche, ModificationDemande
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from .fabriques import enregistrer_une

pytestmark = pytest.mark.django_db

TOUTE_L_ANNEE = (date(2025, 1, 1), date(2027, 12, 1))


@pytest.fixture
def monde():
    s1, s2 = Structure.objects.filter(departement__code="16").order_by("id_fs")[:2]
    agent = personne(Role.AGENT, structure=s1)
    return {
        "s1": s1,
        "s2": s2,
        "agent": agent,
        "collegue": personne(Role.AGENT, structure=s1),
        "responsable": personne(Role.RESPONSABLE, structure=s1),
        "ailleurs": personne(Role.AGENT, structure=s2),
        "demande": enregistrer_une(s1, agent),
    }


def connecte(client, utilisateur):
    client.force_login(utilisateur)
    return client


def vieillir(demande, minutes):
    Demande.objects.filter(pk=demande.pk).update(cree_le=timezone.now() - timedelta(minutes=minutes))


def test_liste_et_phrase_du_perimetre(client, monde):
    enregistrer_une(monde["s2"], monde["ailleurs"])
    reponse = connecte(client, monde["agent"]).get("/activite/demandes/")
    assert reponse.status_code == 200
    html = unescape(reponse.content.decode())
    assert f"Vous voyez 1 demande, parce que vous êtes agent france services ({monde['s1'].nom})." in html
    assert f'href="/activite/demandes/{monde["demande"].pk}/"' in html
    assert monde["s2"].nom not in html


def test_liste_vide(client, monde):
    Demande.objects.all().delete()
    html = unescape(connecte(client, monde["ailleurs"]).get("/activite/demandes/").content.decode())
    assert "Aucune demande n'a encore été enregistrée sur votre périmètre." in html


def test_filtres_date_et_agent(client, monde):
    autre = enregistrer_une(monde["s1"], monde["collegue"])
    connecte(client, monde["responsable"])
    html = client.get("/activite/demandes/", {"agent": monde["collegue"].pk}).content.decode()
    assert (
        f"/activite/demandes/{autre.pk}/" in html and f"/activite/demandes/{monde['demande'].pk}/" not in html
    )
    html = client.get("/activite/demandes/", {"du": "2026-10-16"}).content.decode()
    assert "Aucune demande ne correspond à ces filtres." in unescape(html)
    reponse = client.get("/activite/demandes/", {"du": "pas une date"})
    assert reponse.status_code == 200 and "Date invalide" in reponse.content.decode()
    # L'agent n'a pas de filtre par agent.
    assert 'name="agent"' not in connecte(client, monde["agent"]).get("/activite/demandes/").content.decode()


def test_liste_requetes_bornees(client, monde, django_assert_max_num_queries):
    for _ in range(30):
        enregistrer_une(monde["s1"], monde["collegue"])
    connecte(client, monde["responsable"])
    with django_assert_max_num_queries(12):
        assert client.get("/activite/demandes/").status_code == 200


def test_fiche_hors_perimetre_404(client, monde):
    pk = monde["demande"].pk
    connecte(client, monde["ailleurs"])
    assert client.get(f"/activite/demandes/{pk}/").status_code == 404
    assert client.get(f"/activite/demandes/{pk}/corriger/").status_code == 404
    assert client.post(f"/activite/demandes/{pk}/corriger/", {"canal": "telephone"}).status_code == 404
    assert client.post(f"/activite/demandes/{pk}/annuler/", {"motif": "x"}).status_code == 404
    assert Demande.objects.get(pk=pk).annulee_le is None


def correction(demande, **changements):
    from franceservices.activite.forms import CorrectionForm

    valeurs = {k: ("" if v is None else v) for k, v in CorrectionForm.initial_de(demande).items()}
    return valeurs | changements


def test_agent_corrige_dans_le_delai(client, monde):
    d = monde["demande"]
    connecte(client, monde["agent"])
    html = unescape(client.get(f"/activite/demandes/{d.pk}/").content.decode())
    assert "Vous pouvez corriger ou annuler cette demande jusqu'au" in html
    assert client.get(f"/activite/demandes/{d.pk}/corriger/").status_code == 200
    reponse = client.post(
        f"/activite/demandes/{d.pk}/corriger/", correction(d, canal="telephone", duree="45", motif="Erreur")
    )
    assert reponse.status_code == 302
    d.refresh_from_db()
    assert (d.canal, d.duree) == ("telephone", 45)
    modif = ModificationDemande.objects.get(demande=d)
    assert modif.motif == "Erreur" and modif.auteur == monde["agent"]
    html = unescape(client.get(f"/activite/demandes/{d.pk}/").content.decode())
    assert "Canal : Accueil physique → Téléphone" in html
    assert "Durée (minutes) : 15 → 45" in html
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_correction_invalide(client, monde):
    d = monde["demande"]
    ants = Demarche.objects.filter(partenaire__code="ants").first()
    connecte(client, monde["agent"])
    reponse = client.post(
        f"/activite/demandes/{d.pk}/corriger/",
        correction(d, demarche=ants.pk, partenaire=d.partenaire_id),
    )
    assert reponse.status_code == 200
    assert "Cette démarche relève d'un autre partenaire." in unescape(reponse.content.decode())
    reponse = client.post(f"/activite/demandes/{d.pk}/corriger/", correction(d, duree="17"))
    assert reponse.status_code == 200
    assert "Choisissez une durée proposée (de 5 à 120 minutes)." in unescape(reponse.content.decode())
    d.refresh_from_db()
    assert d.duree == 15 and not ModificationDemande.objects.exists()


def test_agent_ne_corrige_plus_apres_le_delai(client, monde):
    d = monde["demande"]
    vieillir(d, actions.delai_de_correction().total_seconds() / 60 + 5)
    connecte(client, monde["agent"])
    html = unescape(client.get(f"/activite/demandes/{d.pk}/").content.decode())
    assert "Le délai de correction est passé depuis le" in html
    reponse = client.post(f"/activite/demandes/{d.pk}/corriger/", correction(d, canal="telephone"))
    assert reponse.status_code == 403
    assert "seul le responsable de la France services peut corriger" in unescape(reponse.content.decode())
    reponse = client.post(f"/activite/demandes/{d.pk}/annuler/", {"motif": "Doublon"})
    assert reponse.status_code == 403
    d.refresh_from_db()
    assert d.canal == "accueil_physique" and d.annulee_le is None


def test_collegue_ne_corrige_pas(client, monde):
    d = monde["demande"]
    connecte(client, monde["collegue"])
    assert client.get(f"/activite/demandes/{d.pk}/").status_code == 200  # il la voit
    assert (
        client.post(f"/activite/demandes/{d.pk}/corriger/", correction(d, canal="telephone")).status_code
        == 403
    )


def test_responsable_corrige_et_annule_apres_le_delai(client, monde):
    d = monde["demande"]
    vieillir(d, 10 * 24 * 60)
    connecte(client, monde["responsable"])
    html = unescape(client.get(f"/activite/demandes/{d.pk}/").content.decode())
    assert "vous pouvez corriger cette demande à tout moment" in html
    assert (
        client.post(f"/activite/demandes/{d.pk}/corriger/", correction(d, niveau="information")).status_code
        == 302
    )
    assert client.post(f"/activite/demandes/{d.pk}/annuler/", {"motif": "Doublon"}).status_code == 302
    d.refresh_from_db()
    assert d.niveau == "information" and d.annulee_le is not None
    html = unescape(client.get(f"/activite/demandes/{d.pk}/").content.decode())
    assert "Demande annulée le" in html and "Doublon" in html
    # Une demande annulée ne se corrige plus.
    assert client.post(f"/activite/demandes/{d.pk}/annuler/", {"motif": "x"}).status_code == 403
    assert agregats.reconcilier(*TOUTE_L_ANNEE) == []


def test_referent_et_animateur_voient_sans_corriger(client, monde):
    animateur = personne(Role.ANIMATEUR, departement=monde["s1"].departement)
    d = monde["demande"]
    connecte(client, animateur)
    assert client.get(f"/activite/demandes/{d.pk}/").status_code == 200
    assert (
        client.post(f"/activite/demandes/{d.pk}/corriger/", correction(d, canal="telephone")).status_code
        == 403
    )
