"""Administration : les champs d'un formulaire de partenaire sont vérifiés ; les escalades sont en lecture seule."""

import json

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.escalades.admin import FormulaireAdminForm
from franceservices.escalades.forms import verifier_champs
from franceservices.escalades.models import Escalade
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

BON = [
    {"code": "numero", "libelle": "Numéro", "type": "identifiant", "obligatoire": True, "personnel": True},
    {"code": "nature", "libelle": "Nature", "type": "choix", "choix": ["A", "B"], "aide": "Au choix"},
]


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"code": "x"}, "liste JSON"),
        (["texte"], "un objet JSON est attendu"),
        ([{"libelle": "Sans code", "type": "texte"}], "« code » manquant"),
        ([{"code": "Avec espace", "libelle": "x", "type": "texte"}], "« code » manquant ou invalide"),
        ([BON[0], BON[0]], "en double"),
        ([{"code": "a", "libelle": "", "type": "texte"}], "« libelle » manquant"),
        ([{"code": "a", "libelle": "A", "type": "fichier"}], "« type » doit valoir"),
        ([{"code": "a", "libelle": "A", "type": "choix"}], "« choix » doit être une liste"),
        ([{"code": "a", "libelle": "A", "type": "texte", "obligatoire": "oui"}], "true ou false"),
        ([{"code": "a", "libelle": "A", "type": "texte", "couleur": "bleu"}], "clés inconnues couleur"),
    ],
)
def test_champs_mal_formes_refuses(champs, message):
    form = FormulaireAdminForm(data={"partenaire": f.partenaire().pk, "champs": json.dumps(champs)})
    assert not form.is_valid()
    assert message in " ".join(form.errors["champs"])


def test_champs_bien_formes_acceptes():
    assert verifier_champs(BON) == BON
    partenaire = f.partenaire()
    form = FormulaireAdminForm(data={"partenaire": partenaire.pk, "champs": json.dumps(BON)})
    form.is_valid()
    assert "champs" not in form.errors


def test_escalades_en_lecture_seule_dans_l_admin(client):
    structure, partenaire = f.structure("16"), f.partenaire()
    escalade = f.escalade(agent=f.agent(structure), structure=structure, partenaire=partenaire)
    modele_admin = site._registry[Escalade]
    assert not modele_admin.has_change_permission(None, escalade)
    assert not modele_admin.has_delete_permission(None, escalade)
    assert "usager_nom" in modele_admin.exclude
    superutilisateur = personne(Role.EQUIPE_NATIONALE)
    superutilisateur.is_staff = superutilisateur.is_superuser = True
    superutilisateur.save()
    f.connecter(client, superutilisateur)
    reponse = client.get(reverse("admin:escalades_escalade_change", args=[escalade.pk]))
    assert reponse.status_code == 200
    assert "Quenouillard" not in reponse.content.decode()  # nom de l'usager (f.escalade)


def test_notifications_en_echec_visibles_dans_l_admin(client):
    from franceservices.escalades.models import EtatNotification, Notification, TypeNotification

    structure, partenaire = f.structure("16"), f.partenaire()
    escalade = f.escalade(agent=f.agent(structure), structure=structure, partenaire=partenaire)
    Notification.objects.create(
        escalade=escalade,
        type=TypeNotification.OUVERTURE,
        destinataires=["referent@exemple.fr"],
        sujet="Sujet",
        corps="Corps",
        etat=EtatNotification.ECHEC,
        tentatives=8,
        derniere_erreur="Connexion refusée par le serveur SMTP",
    )
    superutilisateur = personne(Role.EQUIPE_NATIONALE)
    superutilisateur.is_staff = superutilisateur.is_superuser = True
    superutilisateur.save()
    f.connecter(client, superutilisateur)
    reponse = client.get(reverse("admin:escalades_notification_changelist"), {"etat__exact": "echec"})
    assert reponse.status_code == 200
    assert "Connexion refusée par le serveur SMTP" in reponse.content.decode()
    assert not site._registry[Notification].has_change_permission(None)
