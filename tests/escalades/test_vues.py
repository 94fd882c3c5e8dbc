"""Pages des escalades : ouverture (pré-remplissage, champs du partenaire, consentement, pièces, erreurs sans
500), boîte du référent (filtres, compteurs, requêtes), fiche (fil, transitions, audit d'accès)."""

import pytest
from django.urls import reverse

from franceservices.activite.models import Demarche
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.escalades import actions
from franceservices.escalades.models import Escalade, Formulaire, Statut
from tests.activite.fabriques import enregistrer_une
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

OUVRIR, LISTE = reverse("escalades:ouvrir"), reverse("escalades:liste")


@pytest.fixture
def cas():
    structure = f.structure("16")
    partenaire = f.partenaire()
    Formulaire.objects.filter(partenaire=partenaire).delete()
    Formulaire.objects.create(
        partenaire=partenaire,
        champs=[
            {
                "code": "numero",
                "libelle": "Numéro d'allocataire",
                "type": "identifiant",
                "obligatoire": True,
                "personnel": True,
                "aide": "7 chiffres, sur les courriers",
            },
            {"code": "montant", "libelle": "Montant en jeu", "type": "nombre"},
            {"code": "nature", "libelle": "Nature", "type": "choix", "choix": ["Retard", "Erreur"]},
            {"code": "depot", "libelle": "Déposé le", "type": "date"},
        ],
    )
    return structure, partenaire, f.agent(structure)


def _donnees(partenaire, **autres):
    donnees = {
        "objet": "Prestation suspendue",
        "description": "Dossier complet déposé, versement suspendu depuis deux mois.",
        "consentement": "on",
        "consentement_usager": "Camille Martin",
        "donnees_partagees": ["identite", "champs", "pieces"],
        "mode": "oral",
        "usager_nom": "Martin",
        "usager_prenom": "Camille",
        "champ_numero": "1234567",
        "champ_montant": "250.50",
        "champ_nature": "Retard",
        "champ_depot": "2026-09-01",
    }
    donnees.update(autres)
    return {k: v for k, v in donnees.items() if v is not None}


def test_choix_du_partenaire_puis_formulaire_du_partenaire(client, cas):
    _structure, partenaire, agent = cas
    client.force_login(agent)
    reponse = client.get(OUVRIR)
    assert reponse.status_code == 200
    assert f'value="{partenaire.pk}"' in reponse.content.decode()
    reponse = client.get(OUVRIR, {"partenaire": partenaire.pk})
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert "Numéro d&#x27;allocataire" in contenu
    assert "7 chiffres, sur les courriers" in contenu
    assert "Réponse attendue le" in contenu


def test_ouverture_complete_avec_piece(client, cas):
    structure, partenaire, agent = cas
    client.force_login(agent)
    donnees = _donnees(partenaire, pieces=[f.fichier("avis.pdf")])
    reponse = client.post(f"{OUVRIR}?partenaire={partenaire.pk}", donnees)
    escalade = Escalade.objects.get(structure=structure)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("escalades:detail", args=[escalade.pk])
    assert escalade.donnees == {
        "numero": "1234567",
        "montant": "250.50",
        "nature": "Retard",
        "depot": "2026-09-01",
    }
    assert escalade.consentement.usager == "Camille Martin"
    assert escalade.pieces.get().nom == "avis.pdf"
    page = client.get(reponse["Location"]).content.decode()
    assert "avis.pdf" in page and "Camille Martin" in page and "Numéro d&#x27;allocataire" in page


def test_depuis_une_demarche_et_une_demande(client, cas):
    structure, partenaire, agent = cas
    demarche = Demarche.objects.filter(partenaire=partenaire).first()
    client.force_login(agent)
    reponse = client.get(OUVRIR, {"demarche": demarche.pk})
    assert reponse.status_code == 200
    assert f'<option value="{demarche.pk}" selected>' in reponse.content.decode()

    demande = enregistrer_une(structure, agent, partenaire=partenaire, demarche=demarche)
    reponse = client.get(OUVRIR, {"demande": demande.pk})
    assert reponse.status_code == 200
    reponse = client.post(f"{OUVRIR}?demande={demande.pk}", _donnees(partenaire, demarche=demarche.pk))
    assert reponse.status_code == 302
    escalade = Escalade.objects.get(structure=structure)
    assert escalade.demande == demande and escalade.demarche == demarche

    ailleurs = enregistrer_une(f.structure("16", 1), None, partenaire=partenaire)
    assert client.get(OUVRIR, {"demande": ailleurs.pk}).status_code == 404


@pytest.mark.parametrize(
    "parametres",
    [{"demande": "abc"}, {"demarche": "999999999"}, {"partenaire": "-1"}, {"demarche": "1e9"}],
)
def test_identifiants_invalides_404(client, cas, parametres):
    client.force_login(cas[2])
    assert client.get(OUVRIR, parametres).status_code == 404


@pytest.mark.parametrize(
    ("changements", "message"),
    [
        ({"objet": ""}, "Ce champ est obligatoire"),
        ({"champ_numero": ""}, "Ce champ est obligatoire"),
        ({"champ_numero": "<script>"}, "Un identifiant ne contient que"),
        ({"champ_montant": "beaucoup"}, "Saisissez un nombre"),
        ({"champ_nature": "Inconnu"}, "Sélectionnez un choix valide"),
        ({"champ_depot": "31/02/2026"}, "Saisissez une date valide"),
        ({"consentement_usager": ""}, "Indiquez qui a donné son accord"),
        ({"donnees_partagees": ["champs"]}, "pas accepté de partager son identité"),
        ({"consentement": None, "consentement_usager": ""}, "Sans l&#x27;accord de l&#x27;usager"),
        ({"usager_date_naissance": "2999-01-01"}, "date de naissance passée"),
        ({"structure": "999999"}, None),
        ({"objet": "x" * 500}, "au plus 200 caractères"),
        ({"pieces": "pas-un-fichier"}, None),
    ],
)
def test_erreurs_claires_jamais_500(client, cas, changements, message):
    structure, partenaire, agent = cas
    client.force_login(agent)
    reponse = client.post(f"{OUVRIR}?partenaire={partenaire.pk}", _donnees(partenaire, **changements))
    if message is None:
        assert reponse.status_code in {302, 200}
        return
    assert reponse.status_code == 200
    assert message in reponse.content.decode()
    assert not Escalade.objects.filter(structure=structure).exists()


def test_piece_deguisee_refusee_avec_message(client, cas):
    _structure, partenaire, agent = cas
    client.force_login(agent)
    deguise = f.fichier("avis.pdf", b"MZ" + b"\x00" * 100, "application/pdf")
    reponse = client.post(f"{OUVRIR}?partenaire={partenaire.pk}", _donnees(partenaire, pieces=[deguise]))
    assert reponse.status_code == 200
    assert "n&#x27;est pas d&#x27;un type accepté" in reponse.content.decode()
    assert not Escalade.objects.exists()


def test_pas_d_ouverture_pour_animateur_ni_conseiller(client, cas):
    structure, partenaire, _ = cas
    client.force_login(personne(Role.ANIMATEUR, departement=structure.departement))
    reponse = client.get(OUVRIR, {"partenaire": partenaire.pk})
    assert reponse.status_code == 403
    assert "Seuls les agents et responsables" in reponse.content.decode()
    reponse = client.post(f"{OUVRIR}?partenaire={partenaire.pk}", _donnees(partenaire))
    assert reponse.status_code == 403
    assert not Escalade.objects.exists()


def _plusieurs(structure, partenaire, agent, n):
    return [f.escalade(agent=agent, structure=structure, partenaire=partenaire) for _ in range(n)]


def test_boite_du_referent_filtres_et_compteurs(client, cas):
    structure, partenaire, agent = cas
    referent = f.referent(partenaire, structure.departement)
    escalades = _plusieurs(structure, partenaire, agent, 3)
    actions.changer_statut(par=referent, escalade=escalades[0], vers=Statut.PRISE_EN_CHARGE)
    Escalade.objects.filter(pk=escalades[1].pk).update(echeance="2026-01-05")
    autre = f.escalade(agent=f.agent(f.structure("24")), structure=f.structure("24"), partenaire=partenaire)

    client.force_login(referent)
    reponse = client.get(LISTE)
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert all(f'data-escalade="{e.pk}"' in contenu for e in escalades)
    assert f'data-escalade="{autre.pk}"' not in contenu
    assert "parce que vous êtes" in contenu
    assert reponse.context["compteurs"]["nouvelle"] == 2
    assert reponse.context["compteurs"]["prise_en_charge"] == 1
    assert reponse.context["compteurs"]["en_retard"] == 1
    assert "data-en-retard" in contenu

    def vus(**filtres):
        page = client.get(LISTE, filtres).context["page"]
        return {e.pk for e in page}

    assert vus(statut="prise_en_charge") == {escalades[0].pk}
    assert vus(en_retard="on") == {escalades[1].pk}
    assert vus(a_moi="on") == {escalades[0].pk}
    assert vus(reference=escalades[2].reference.lower()) == {escalades[2].pk}
    assert vus(departement=structure.departement_id) == {e.pk for e in escalades}
    assert vus(statut="ouvertes") == {e.pk for e in escalades}
    assert vus(statut="resolue") == set()
    assert "Aucune escalade ne correspond" in client.get(LISTE, {"statut": "resolue"}).content.decode()
    # filtres invalides : pas d'erreur serveur
    assert client.get(LISTE, {"departement": "abc", "page": "zzz", "statut": "<x>"}).status_code == 200


def test_boite_sans_n_plus_1(client, cas, django_assert_max_num_queries):
    structure, partenaire, agent = cas
    referent = f.referent(partenaire, structure.departement)
    _plusieurs(structure, partenaire, agent, 2)
    client.force_login(referent)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as peu:
        client.get(LISTE)
    _plusieurs(structure, partenaire, agent, 12)
    with CaptureQueriesContext(connection) as beaucoup:
        assert len(client.get(LISTE).context["page"]) == 14
    assert len(beaucoup) == len(peu)
    assert len(peu) <= 15


def test_liste_de_l_agent_et_etat_vide(client, cas):
    structure, partenaire, agent = cas
    client.force_login(agent)
    contenu = client.get(LISTE).content.decode()
    assert "data-vide" in contenu and "ouvrez une escalade" in contenu
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    contenu = client.get(LISTE).content.decode()
    assert f'data-escalade="{escalade.pk}"' in contenu
    assert escalade.echeance.strftime("%d/%m/%Y") in contenu


def test_fiche_referent_repond_agent_voit_la_reponse(client, cas):
    structure, partenaire, agent = cas
    referent = f.referent(partenaire, structure.departement)
    escalade = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    fiche = reverse("escalades:detail", args=[escalade.pk])
    statut = reverse("escalades:statut", args=[escalade.pk])

    client.force_login(referent)
    contenu = client.get(fiche).content.decode()
    assert 'data-vers="prise_en_charge"' in contenu and 'data-vers="rejetee"' in contenu
    assert 'data-vers="resolue"' not in contenu
    assert EvenementAudit.objects.filter(
        evenement=Evenement.ACCES_DONNEES_PERSONNELLES, acteur=referent, cible_id=str(escalade.pk)
    ).exists()
    assert client.post(statut, {"vers": "resolue"}).status_code == 200  # transition illégale
    reponse = client.post(statut, {"vers": "rejetee"})
    assert reponse.status_code == 200
    assert "Un rejet doit être motivé" in reponse.content.decode()
    assert client.post(statut, {"vers": "prise_en_charge"}).status_code == 302
    reponse = client.post(
        fiche, {"texte": "Le versement reprend ce mois-ci.", "pieces": [f.fichier("courrier.pdf")]}
    )
    assert reponse.status_code == 302
    assert client.post(fiche, {"texte": ""}).status_code == 200

    client.force_login(agent)
    contenu = client.get(fiche).content.decode()
    assert "Le versement reprend ce mois-ci." in contenu
    assert "courrier.pdf" in contenu
    assert "data-transitions" not in contenu  # l'agent ne change pas le statut
    assert client.post(statut, {"vers": "resolue"}).status_code == 403
    assert not EvenementAudit.objects.filter(
        evenement=Evenement.ACCES_DONNEES_PERSONNELLES, acteur=agent
    ).exists()


def test_agent_de_plusieurs_france_services_choisit_la_sienne(client, cas):
    from tests.comptes.factories import HabilitationFactory

    structure, partenaire, agent = cas
    seconde = f.structure("24")
    HabilitationFactory(utilisateur=agent, role=Role.AGENT, structure=seconde)
    client.force_login(agent)
    contenu = client.get(OUVRIR, {"partenaire": partenaire.pk}).content.decode()
    assert f'<option value="{seconde.pk}">' in contenu and f'<option value="{structure.pk}">' in contenu
    etrangere = f.structure("16", 1)
    reponse = client.post(
        f"{OUVRIR}?partenaire={partenaire.pk}", _donnees(partenaire, structure=etrangere.pk)
    )
    assert reponse.status_code == 200
    assert "France services : Sélectionnez un choix valide" in reponse.content.decode()
    reponse = client.post(f"{OUVRIR}?partenaire={partenaire.pk}", _donnees(partenaire, structure=seconde.pk))
    assert reponse.status_code == 302
    escalade = Escalade.objects.get()
    assert escalade.structure == seconde and escalade.departement == seconde.departement


def test_fiche_d_une_escalade_rejetee_puis_d_une_resolue(client, cas):
    from franceservices.escalades.models import MotifRejet

    structure, partenaire, agent = cas
    referent = f.referent(partenaire, structure.departement)
    rejetee = f.escalade(agent=agent, structure=structure, partenaire=partenaire)
    actions.changer_statut(
        par=referent,
        escalade=rejetee,
        vers=Statut.REJETEE,
        motif_rejet=MotifRejet.AUTRE,
        precision="Hors délai légal",
    )
    resolue = f.escalade(agent=agent, structure=structure, partenaire=partenaire, avec_consentement=False)
    actions.changer_statut(par=referent, escalade=resolue, vers=Statut.PRISE_EN_CHARGE)
    actions.changer_statut(par=referent, escalade=resolue, vers=Statut.ATTENTE_STRUCTURE)
    client.force_login(agent)
    contenu = client.get(reverse("escalades:detail", args=[resolue.pk])).content.decode()
    assert "L'horloge est arrêtée depuis le" in contenu
    assert "Pas d'accord enregistré" in contenu
    actions.changer_statut(par=referent, escalade=resolue, vers=Statut.RESOLUE)

    contenu = client.get(reverse("escalades:detail", args=[rejetee.pk])).content.decode()
    assert "Rejetée : Autre motif (précisé)" in contenu and "Hors délai légal" in contenu
    assert "data-repondre" not in contenu and "le fil est en lecture seule" in contenu
    contenu = client.get(reverse("escalades:detail", args=[resolue.pk])).content.decode()
    assert "Close le" in contenu and "dans le délai" in contenu
    assert client.post(reverse("escalades:detail", args=[resolue.pk]), {"texte": "Merci"}).status_code == 200
    assert resolue.messages.filter(texte="Merci").count() == 0


def test_demande_sans_partenaire_national_propose_le_choix(client, cas):
    structure, partenaire, agent = cas
    demande = enregistrer_une(structure, agent, partenaire=None, partenaire_autre="Mutuelle locale")
    client.force_login(agent)
    reponse = client.get(OUVRIR, {"demande": demande.pk})
    contenu = reponse.content.decode()
    assert reponse.status_code == 200, contenu[contenu.find("<main") : contenu.find("</main>")]
    assert f'name="demande" value="{demande.pk}"' in contenu, contenu[
        contenu.find("<main") : contenu.find("</main>")
    ]
    reponse = client.post(f"{OUVRIR}?demande={demande.pk}&partenaire={partenaire.pk}", _donnees(partenaire))
    assert reponse.status_code == 302
    assert Escalade.objects.get().demande == demande
