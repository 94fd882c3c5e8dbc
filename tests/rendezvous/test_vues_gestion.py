"""Paramétrage des rendez-vous par le responsable : types, disponibilités, permanences, fermetures, arrêts ;
validation (messages clairs), droits (agents et équipe nationale : consultation), journal, aperçu des créneaux."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.activite.models import Demarche
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.partenaires.models import Partenaire, Presence
from franceservices.rendezvous.models import Arret, Disponibilite, Fermeture, Permanence, TypeRendezVous
from franceservices.territoires.models import Commune
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .agenda_outils import rdv
from .fabriques import semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def structure():
    return structure_du("16")


@pytest.fixture
def responsable(client, structure):
    return connecter(client, personne(Role.RESPONSABLE, structure=structure))


def _ajouter(client, sorte, structure, donnees):
    return client.post(f"{reverse('agenda:ajouter', args=[sorte])}?structure={structure.pk}", donnees)


def _partenaire():
    return Partenaire.objects.filter(presence=Presence.SOCLE, actif=True).order_by("pk")[0]


def test_page_parametres_et_apercu_des_creneaux(client, structure, responsable):
    semaine_type(structure)
    type_rdv(structure)
    reponse = client.get(reverse("agenda:parametres"), {"structure": structure.pk})
    assert reponse.status_code == 200
    apercu = reponse.context["apercu"]
    assert apercu and apercu[0]["creneaux"] and 'data-ajouter="types"' in texte(reponse)


def test_creer_un_type_et_journal(client, structure, responsable):
    demarche = Demarche.objects.filter(actif=True, partenaire__actif=True).order_by("pk")[0]
    reponse = _ajouter(
        client,
        "types",
        structure,
        {
            "libelle": "Rendez-vous CAF",
            "demarche": demarche.pk,
            "duree": 30,
            "modalite": "presentiel",
            "actif": "on",
        },
    )
    assert reponse.status_code == 302
    type_ = TypeRendezVous.objects.get(structure=structure, libelle="Rendez-vous CAF")
    assert type_.partenaire_id == demarche.partenaire_id  # déduit de la démarche
    audit = EvenementAudit.objects.get(evenement=Evenement.RDV_PARAMETRAGE, cible_id=str(type_.pk))
    assert audit.details["action"] == "creation" and audit.details["changements"]["duree"] == 30


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"libelle": "X", "duree": 2, "modalite": "presentiel"}, "entre 5 et 240 minutes"),
        ({"libelle": "X", "duree": 500, "modalite": "presentiel"}, "entre 5 et 240 minutes"),
        ({"libelle": "X", "duree": "abc", "modalite": "presentiel"}, "durée en minutes"),
        ({"libelle": "", "duree": 30, "modalite": "presentiel"}, "obligatoire"),
        ({"libelle": "X", "duree": 30, "modalite": "pigeon"}, "Choix inconnu"),
    ],
)
def test_type_invalide(client, structure, responsable, donnees, message):
    reponse = _ajouter(client, "types", structure, donnees)
    assert reponse.status_code == 200 and message in texte(reponse)
    assert not TypeRendezVous.objects.filter(structure=structure).exists()


def test_type_demarche_d_un_autre_partenaire_et_doublon(client, structure, responsable):
    demarche = Demarche.objects.filter(actif=True).order_by("pk")[0]
    autre = Partenaire.objects.filter(actif=True).exclude(pk=demarche.partenaire_id).order_by("pk")[0]
    reponse = _ajouter(
        client,
        "types",
        structure,
        {
            "libelle": "X",
            "partenaire": autre.pk,
            "demarche": demarche.pk,
            "duree": 30,
            "modalite": "presentiel",
        },
    )
    assert reponse.status_code == 200 and f"relève de {demarche.partenaire.nom_court}" in texte(reponse)
    type_rdv(structure)
    reponse = _ajouter(
        client, "types", structure, {"libelle": "accompagnement", "duree": 30, "modalite": "presentiel"}
    )
    assert reponse.status_code == 200 and "déjà ce libellé" in texte(reponse)


def test_desactiver_un_type_avec_rendez_vous_a_venir_avertit(client, structure, responsable):
    semaine_type(structure)
    type_ = type_rdv(structure)
    rdv(structure, type_, timezone.now() + timedelta(days=2))
    url = reverse("agenda:modifier", args=["types", type_.pk])
    assert "data-a-venir" in texte(client.get(url))
    reponse = client.post(url, {"libelle": type_.libelle, "duree": 30, "modalite": "presentiel"}, follow=True)
    assert "1 rendez-vous à venir restent prévus" in texte(reponse)
    type_.refresh_from_db()
    assert not type_.actif


def test_supprimer_un_type_avec_rendez_vous_refuse(client, structure, responsable):
    type_ = type_rdv(structure)
    rdv(structure, type_)
    reponse = client.post(reverse("agenda:supprimer", args=["types", type_.pk]), follow=True)
    assert "désactivez-le plutôt" in texte(reponse)
    assert TypeRendezVous.objects.filter(pk=type_.pk).exists()
    libre = TypeRendezVous.objects.create(structure=structure, libelle="Libre", duree=20)
    client.post(reverse("agenda:supprimer", args=["types", libre.pk]))
    assert not TypeRendezVous.objects.filter(pk=libre.pk).exists()
    assert (
        EvenementAudit.objects.filter(
            evenement=Evenement.RDV_PARAMETRAGE, details__action="suppression"
        ).count()
        == 1
    )


def _dispo(**champs):
    return {"jour_semaine": 0, "heure_debut": "09:00", "heure_fin": "12:00", **champs}


def test_disponibilites_validation(client, structure, responsable):
    assert _ajouter(client, "disponibilites", structure, _dispo()).status_code == 302
    cas = [
        (_dispo(heure_fin="08:00"), "après l'heure de début"),
        (_dispo(heure_debut="", heure_fin="12:00"), "Indiquez l'heure de début"),
        (_dispo(heure_debut="09:00", heure_fin="09:03", jour_semaine=1), "au moins 5 minutes"),
        (_dispo(heure_debut="11:00", heure_fin="13:00"), "chevauche"),
        (_dispo(jour_semaine=9), "Jour inconnu"),
        (_dispo(heure_debut="25:00"), "entre 00:00 et 23:59"),
        (_dispo(jour_semaine=2, valable_du="2027-02-01", valable_au="2027-01-01"), "après la date de début"),
    ]
    for donnees, message in cas:
        reponse = _ajouter(client, "disponibilites", structure, donnees)
        assert reponse.status_code == 200 and message in texte(reponse), (donnees, message)
    # même plage, pour un agent nommé : pas de chevauchement avec celle de l'équipe
    agent = personne(Role.AGENT, structure=structure)
    assert _ajouter(client, "disponibilites", structure, _dispo(agent=agent.pk)).status_code == 302
    etranger = personne(Role.AGENT, structure=structure_du("24"))
    reponse = _ajouter(client, "disponibilites", structure, _dispo(agent=etranger.pk, jour_semaine=3))
    assert reponse.status_code == 200 and "pas de l'équipe" in texte(reponse)
    assert Disponibilite.objects.filter(structure=structure).count() == 2


def test_permanence_deuxieme_mardi(client, structure, responsable):
    partenaire = _partenaire()
    donnees = {
        "partenaire": partenaire.pk,
        "rang": "2",
        "jour_semaine": 1,
        "heure_debut": "09:00",
        "heure_fin": "12:00",
    }
    assert _ajouter(client, "permanences", structure, donnees).status_code == 302
    permanence = Permanence.objects.get(structure=structure)
    assert permanence.rang == 2 and "2e mardi du mois" in str(permanence)
    reponse = _ajouter(client, "permanences", structure, donnees | {"rang": "", "heure_debut": "10:00"})
    assert reponse.status_code == 200 and "chevauche une permanence" in texte(reponse)
    assert _ajouter(client, "permanences", structure, donnees | {"rang": "4"}).status_code == 302


def test_fermetures(client, structure, responsable):
    aujourd_hui = timezone.localdate(timezone=structure.fuseau)
    passee = {
        "du": (aujourd_hui - timedelta(days=10)).isoformat(),
        "au": (aujourd_hui - timedelta(days=3)).isoformat(),
    }
    reponse = _ajouter(client, "fermetures", structure, passee)
    assert reponse.status_code == 200 and "entièrement passée" in texte(reponse)
    envers = {
        "du": (aujourd_hui + timedelta(days=10)).isoformat(),
        "au": (aujourd_hui + timedelta(days=3)).isoformat(),
    }
    assert "après la date de début" in texte(_ajouter(client, "fermetures", structure, envers))
    bonne = {
        "du": (aujourd_hui + timedelta(days=3)).isoformat(),
        "au": (aujourd_hui + timedelta(days=10)).isoformat(),
        "motif": "Congés",
    }
    assert _ajouter(client, "fermetures", structure, bonne).status_code == 302
    reponse = _ajouter(client, "fermetures", structure, bonne)
    assert reponse.status_code == 200 and "chevauchent une fermeture" in texte(reponse)
    assert Fermeture.objects.filter(structure=structure).count() == 1


def test_arrets_commune_reelle_et_bus_a_un_seul_endroit(client, structure, responsable):
    commune = Commune.objects.filter(departement=structure.departement).order_by("code_insee")[0]
    donnees = {
        "libelle": "Place de la mairie",
        "commune_saisie": commune.code_insee,
        "jour_semaine": 3,
        "heure_debut": "09:00",
        "heure_fin": "12:00",
    }
    assert _ajouter(client, "arrets", structure, donnees).status_code == 302
    arret = Arret.objects.get(structure=structure)
    assert arret.commune == commune
    reponse = _ajouter(client, "arrets", structure, donnees | {"commune_saisie": "Zzzyxville"})
    assert reponse.status_code == 200 and "Aucune commune ne correspond" in texte(reponse)
    reponse = _ajouter(
        client,
        "arrets",
        structure,
        donnees | {"libelle": "Salle des fêtes", "heure_debut": "11:00", "heure_fin": "13:00"},
    )
    assert reponse.status_code == 200 and "déjà attendu" in texte(reponse)
    # modification : la commune s'affiche, l'arrêt lui-même ne compte pas comme chevauchement
    url = reverse("agenda:modifier", args=["arrets", arret.pk])
    assert commune.code_insee in texte(client.get(url))
    assert client.post(url, donnees | {"heure_fin": "12:30"}).status_code == 302


@pytest.mark.parametrize("role", [Role.AGENT, Role.EQUIPE_NATIONALE])
def test_agents_et_national_consultent_sans_modifier(client, structure, role):
    perimetre = {"structure": structure} if role == Role.AGENT else {}
    connecter(client, personne(role, **perimetre))
    type_ = type_rdv(structure)
    reponse = client.get(reverse("agenda:parametres"), {"structure": structure.pk})
    assert (
        reponse.status_code == 200
        and "data-lecture-seule" in texte(reponse)
        and "data-ajouter" not in texte(reponse)
    )
    assert (
        client.get(f"{reverse('agenda:ajouter', args=['types'])}?structure={structure.pk}").status_code == 403
    )
    reponse = _ajouter(
        client, "types", structure, {"libelle": "Pirate", "duree": 30, "modalite": "presentiel"}
    )
    assert reponse.status_code == 403
    assert (
        client.post(
            reverse("agenda:modifier", args=["types", type_.pk]),
            {"libelle": "Pirate", "duree": 30, "modalite": "presentiel"},
        ).status_code
        == 403
    )
    assert client.post(reverse("agenda:supprimer", args=["types", type_.pk])).status_code == 403
    type_.refresh_from_db()
    assert type_.libelle == "Accompagnement" and not TypeRendezVous.objects.filter(libelle="Pirate").exists()


def test_responsable_d_une_autre_structure_404(client, structure):
    connecter(client, personne(Role.RESPONSABLE, structure=structure_du("24")))
    type_ = type_rdv(structure)
    assert client.get(reverse("agenda:parametres"), {"structure": structure.pk}).status_code == 404
    assert client.get(reverse("agenda:modifier", args=["types", type_.pk])).status_code == 404
    assert client.post(reverse("agenda:supprimer", args=["types", type_.pk])).status_code == 404
    assert (
        _ajouter(
            client, "types", structure, {"libelle": "X", "duree": 30, "modalite": "presentiel"}
        ).status_code
        == 404
    )
    assert client.get(reverse("agenda:ajouter", args=["inconnu"])).status_code == 404
