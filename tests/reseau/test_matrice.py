"""Matrice des permissions de la vie du réseau : rôle × périmètre, sur les pages d'un événement du
département de la Charente (fiche, modification, annulation, présence, compte rendu, export, document), la
création, une actualité de la Charente, et l'inscription par identifiant. Hors périmètre : 404."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.reseau.models import Document, Participation
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

# (fiche, modifier, annuler, présence, compte rendu, export CSV, document, créer, actualité, s'inscrire)
OUI = (200, 200, 200, 200, 200, 200, 200, 200, 200, 302)
INVITE = (200, 404, 404, 404, 404, 404, 200, 403, 200, 302)
RIEN = (404, 404, 404, 404, 404, 404, 404, 403, 404, 404)
ORGANISATEUR_AILLEURS = (404, 404, 404, 404, 404, 404, 404, 200, 404, 404)
MATRICE = {
    "agent": INVITE,
    "responsable": INVITE,
    "agent_autre_departement": RIEN,
    "animateur": OUI,
    "animateur_autre_departement": ORGANISATEUR_AILLEURS,
    "prefecture": OUI,
    "prefecture_autre_departement": ORGANISATEUR_AILLEURS,
    "referent_departemental": RIEN,
    "referent_national": ORGANISATEUR_AILLEURS,
    "conseiller_numerique": RIEN,
    "sans_habilitation": RIEN,
    "equipe_nationale": OUI,
}


@pytest.fixture
def monde(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    structure, ailleurs = f.structure("16"), f.structure("24")
    d16, d24 = structure.departement, ailleurs.departement
    partenaire = Partenaire.objects.order_by("pk").first()
    a_venir = f.evenement(departement=d16)
    passe = f.evenement(departement=d16, dans_jours=0)
    passe.debut, passe.fin = timezone.now() - timedelta(hours=3), timezone.now() - timedelta(hours=1)
    passe.save()
    document = Document(
        evenement=passe, nom="cr.pdf", type_mime="application/pdf", taille=9, empreinte="x" * 64
    )
    document.fichier.save("cr.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    actualite = f.publication(departement=d16)
    lieu = LieuMediation.objects.create(identifiant="m-matrice", nom="Lieu", departement=d16)
    return {
        "a_venir": a_venir,
        "passe": passe,
        "document": document,
        "actualite": actualite,
        "personnes": {
            "agent": lambda: f.agent(structure),
            "responsable": lambda: f.responsable(structure),
            "agent_autre_departement": lambda: f.agent(ailleurs),
            "animateur": lambda: f.animateur(d16),
            "animateur_autre_departement": lambda: f.animateur(d24),
            "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=d16),
            "prefecture_autre_departement": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=d24),
            "referent_departemental": lambda: personne(
                Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=d16
            ),
            "referent_national": lambda: personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire),
            "conseiller_numerique": lambda: personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu),
            "sans_habilitation": lambda: personne(),
            "equipe_nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        },
    }


@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice(client, monde, qui):
    attendu = MATRICE[qui]
    a_venir, passe = monde["a_venir"].pk, monde["passe"].pk
    f.connecter(client, monde["personnes"][qui]())
    obtenu = (
        client.get(reverse("reseau:evenement", args=[a_venir])).status_code,
        client.get(reverse("reseau:modifier_evenement", args=[a_venir])).status_code,
        client.get(reverse("reseau:annuler_evenement", args=[a_venir])).status_code,
        client.get(reverse("reseau:presences", args=[passe])).status_code,
        client.get(reverse("reseau:compte_rendu", args=[passe])).status_code,
        client.get(reverse("reseau:export_participants", args=[passe])).status_code,
        client.get(reverse("reseau:document", args=[monde["document"].pk])).status_code,
        client.get(reverse("reseau:nouvel_evenement")).status_code,
        client.get(reverse("reseau:actualite", args=[monde["actualite"].pk])).status_code,
        client.post(reverse("reseau:inscrire", args=[a_venir])).status_code,
    )
    assert obtenu == attendu
    # Les listes et l'accueil s'ouvrent à toute personne habilitée, bornées à son périmètre.
    for nom in ("reseau:accueil", "reseau:evenements", "reseau:actualites"):
        assert client.get(reverse(nom)).status_code == (403 if qui == "sans_habilitation" else 200)
    if qui == "sans_habilitation":
        return
    liste = client.get(reverse("reseau:evenements")).content.decode()
    assert (f'data-evenement="{a_venir}"' in liste) == (attendu[0] == 200)


@pytest.mark.parametrize("qui", ["animateur_autre_departement", "agent_autre_departement"])
def test_ecritures_hors_perimetre_404_sans_effet(client, monde, qui):
    f.connecter(client, monde["personnes"][qui]())
    a_venir, passe = monde["a_venir"], monde["passe"]
    assert (
        client.post(reverse("reseau:modifier_evenement", args=[a_venir.pk]), {"titre": "X"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("reseau:annuler_evenement", args=[a_venir.pk]), {"motif": "X", "confirmation": "on"}
        ).status_code
        == 404
    )
    assert client.post(reverse("reseau:presences", args=[passe.pk]), {"presents": []}).status_code == 404
    assert client.post(reverse("reseau:compte_rendu", args=[passe.pk]), {"texte": "X"}).status_code == 404
    assert client.post(reverse("reseau:retirer_actualite", args=[monde["actualite"].pk])).status_code == 404
    a_venir.refresh_from_db()
    passe.refresh_from_db()
    assert a_venir.titre == "Réunion de réseau de test" and a_venir.annule_le is None
    assert passe.compte_rendu == "" and not Participation.objects.filter(evenement=a_venir).exists()
