"""Gestion de la formation dans l'outil : matrice des permissions (liste, création, modification et
annulation d'une session départementale, catalogue des modules), validation de chaque règle des formulaires
de session et de module, capacité jamais sous les confirmés, cycles de prérequis refusés, requêtes bornées."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.formations import actions
from franceservices.formations.models import Categorie, Format, Inscription, Module, Session, Statut
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

# (liste, nouvelle session, modifier la session du 16, annuler la session du 16, catalogue des modules)
MATRICE = {
    "agent": (403, 403, 403, 403, 403),
    "responsable": (403, 403, 403, 403, 403),
    "animateur": (200, 200, 200, 200, 403),
    "animateur_autre_departement": (200, 200, 404, 404, 403),
    "prefecture": (403, 403, 403, 403, 403),
    "sans_habilitation": (403, 403, 403, 403, 403),
    "equipe_nationale": (200, 200, 200, 200, 200),
}


def _saisie(temps=None, **champs):
    debut = (temps or timezone.localtime()) + timedelta(days=20)
    valeurs = {
        "debut": debut.strftime("%Y-%m-%dT09:00"),
        "fin": debut.strftime("%Y-%m-%dT17:00"),
        "lieu": "12 rue de la Paix, Angoulême",
        "lien": "",
        "capacite": "12",
        "formateur_email": "",
    }
    valeurs.update(champs)
    return valeurs


@pytest.fixture
def monde():
    structure = f.structure("16")
    departement = structure.departement
    ailleurs = f.structure("24")
    module = f.module(titre="Accueil de l'usager")
    return {
        "structure": structure,
        "departement": departement,
        "ailleurs": ailleurs.departement,
        "module": module,
        "session_16": f.session(module, departement=departement, capacite=3, lieu="Angoulême"),
        "session_24": f.session(module, departement=ailleurs.departement, lieu="Périgueux"),
        "nationale": f.session(module, lieu="Paris"),
        "agent": f.agent(structure),
        "animateur": f.animateur(departement),
        "national": personne(Role.EQUIPE_NATIONALE),
    }


def _personne(role, monde):
    fabriques = {
        "agent": lambda: monde["agent"],
        "responsable": lambda: f.responsable(monde["structure"]),
        "animateur": lambda: monde["animateur"],
        "animateur_autre_departement": lambda: f.animateur(monde["ailleurs"]),
        "prefecture": lambda: personne(Role.COORDINATEUR_PREFECTURE, departement=monde["departement"]),
        "sans_habilitation": lambda: personne(),
        "equipe_nationale": lambda: monde["national"],
    }
    return fabriques[role]()


@pytest.mark.parametrize("role", MATRICE)
def test_matrice(client, monde, role):
    f.connecter(client, _personne(role, monde))
    pk = monde["session_16"].pk
    obtenu = (
        client.get(reverse("formations:gestion")).status_code,
        client.get(reverse("formations:gestion_nouvelle_session")).status_code,
        client.get(reverse("formations:gestion_modifier_session", args=[pk])).status_code,
        client.get(reverse("formations:gestion_annuler_session", args=[pk])).status_code,
        client.get(reverse("formations:gestion_modules")).status_code,
    )
    assert obtenu == MATRICE[role]
    # Écritures : mêmes refus (aucune modification hors périmètre).
    reponse = client.post(
        reverse("formations:gestion_modifier_session", args=[pk]),
        _saisie(module=monde["module"].pk, capacite="99"),
    )
    assert reponse.status_code in {302, 403, 404}
    monde["session_16"].refresh_from_db()
    assert (monde["session_16"].capacite == 99) == (MATRICE[role][2] == 200)
    # Désactiver un module : équipe nationale seulement ; la page de refus explique pourquoi.
    reponse = client.post(reverse("formations:gestion_basculer_module", args=[monde["module"].pk]))
    monde["module"].refresh_from_db()
    assert monde["module"].actif == (MATRICE[role][4] != 200)
    if MATRICE[role][0] == 403:
        contenu = client.get(reverse("formations:gestion")).content.decode()
        assert "réservée aux animateurs départementaux" in contenu


def test_liste_par_perimetre(client, monde):
    f.connecter(client, monde["animateur"])
    contenu = client.get(reverse("formations:gestion")).content.decode()
    assert f'data-session="{monde["session_16"].pk}"' in contenu
    assert f'data-session="{monde["session_24"].pk}"' not in contenu
    assert f'data-session="{monde["nationale"].pk}"' not in contenu
    f.connecter(client, monde["national"])
    contenu = client.get(reverse("formations:gestion")).content.decode()
    for cle in ("session_16", "session_24", "nationale"):
        assert f'data-session="{monde[cle].pk}"' in contenu


def test_liste_places_inscrits_attente_et_periodes(client, monde):
    s = monde["session_16"]
    s.capacite = 1
    s.save()
    a1, a2 = f.agent(monde["structure"]), f.agent(monde["structure"])
    actions.inscrire(par=monde["animateur"], session=s, agent=a1)
    actions.inscrire(par=monde["animateur"], session=s, agent=a2)
    passee = f.session(monde["module"], dans_jours=-5, departement=monde["departement"], lieu="Cognac")
    f.connecter(client, monde["animateur"])
    contenu = client.get(reverse("formations:gestion")).content.decode()
    assert f'data-session="{s.pk}" data-places="0" data-inscrits="1" data-attente="1"' in contenu
    assert f'data-session="{passee.pk}"' not in contenu
    contenu = client.get(reverse("formations:gestion"), {"periode": "passees"}).content.decode()
    assert f'data-session="{passee.pk}"' in contenu and f'data-session="{s.pk}"' not in contenu
    # Période inconnue : à venir, pas d'erreur.
    assert client.get(reverse("formations:gestion"), {"periode": "x", "page": "zz"}).status_code == 200


def test_liste_vide_et_pagination(client, monde):
    autre = f.animateur(f.structure("33").departement)
    f.connecter(client, autre)
    contenu = client.get(reverse("formations:gestion")).content.decode()
    assert "data-vide" in contenu and "Aucune session à venir" in contenu
    for _ in range(22):
        f.session(monde["module"], departement=monde["departement"], lieu="Angoulême")
    f.connecter(client, monde["animateur"])
    contenu = client.get(reverse("formations:gestion")).content.decode()
    assert "page 1 sur 2" in contenu
    contenu = client.get(reverse("formations:gestion"), {"page": 2}).content.decode()
    assert contenu.count("data-session=") == 3


def test_liste_requetes_bornees(client, monde, django_assert_max_num_queries):
    for _ in range(8):
        s = f.session(f.module(), departement=monde["departement"], lieu="Angoulême")
        s.formateur = f.agent(monde["structure"])
        s.save()
    f.connecter(client, monde["national"])
    client.get(reverse("formations:gestion"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("formations:gestion")).status_code == 200


def test_animateur_cree_session_departement_impose(client, monde):
    f.connecter(client, monde["animateur"])
    formateur = f.agent(monde["structure"])
    reponse = client.post(
        reverse("formations:gestion_nouvelle_session"),
        _saisie(
            module=monde["module"].pk,
            departement=monde["ailleurs"].pk,  # ignoré : département imposé
            formateur_email=formateur.email.upper(),
        ),
    )
    assert reponse.status_code == 302, reponse.context["form"].errors
    s = Session.objects.latest("pk")
    assert s.departement_id == monde["departement"].pk
    assert s.organisee_par == monde["animateur"] and s.formateur == formateur
    assert s.capacite == 12 and s.lieu == "12 rue de la Paix, Angoulême"


def test_national_cree_session_nationale(client, monde):
    f.connecter(client, monde["national"])
    reponse = client.post(reverse("formations:gestion_nouvelle_session"), _saisie(module=monde["module"].pk))
    assert reponse.status_code == 302
    s = Session.objects.latest("pk")
    assert s.departement_id is None and s.organisee_par == monde["national"]


def _erreur(client, url, donnees, message):
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200, reponse.status_code
    contenu = reponse.content.decode()
    assert "data-erreurs" in contenu
    assert message in contenu, contenu[contenu.find("fr-error-text") - 200 :][:1500]


def test_validation_session(client, monde):
    f.connecter(client, monde["animateur"])
    url = reverse("formations:gestion_nouvelle_session")
    avant = Session.objects.count()
    m = monde["module"].pk
    hier = timezone.localtime() - timedelta(days=21)
    _erreur(client, url, _saisie(), "Choisissez un module.")
    _erreur(client, url, _saisie(module="999999"), "Choix inconnu")
    inactif = f.module(actif=False)
    _erreur(client, url, _saisie(module=inactif.pk), "Choix inconnu")
    _erreur(client, url, _saisie(module=m, fin=_saisie()["debut"]), "La fin doit être après le début.")
    _erreur(client, url, _saisie(temps=hier, module=m), "ne peut pas commencer dans le passé")
    _erreur(
        client, url, _saisie(module=m, debut="n'importe quoi"), "Saisissez une date et une heure valides."
    )
    _erreur(client, url, _saisie(module=m, lieu=""), "Indiquez le lieu")
    _erreur(client, url, _saisie(module=m, capacite="0"), "entre 1 et 500 places")
    _erreur(client, url, _saisie(module=m, capacite="501"), "entre 1 et 500 places")
    _erreur(client, url, _saisie(module=m, capacite="douze"), "Saisissez un nombre de places")
    _erreur(client, url, _saisie(module=m, formateur_email="inconnu@exemple.fr"), "Aucun compte actif")
    _erreur(client, url, _saisie(module=m, formateur_email="pas une adresse"), "adresse électronique valide")
    distanciel = f.module(format=Format.DISTANCIEL)
    _erreur(client, url, _saisie(module=distanciel.pk, lien=""), "Indiquez le lien de connexion")
    _erreur(client, url, _saisie(module=distanciel.pk, lien="pas-un-lien"), "URL")
    assert Session.objects.count() == avant


def test_formats_distanciel_et_e_learning(client, monde):
    f.connecter(client, monde["animateur"])
    url = reverse("formations:gestion_nouvelle_session")
    distanciel = f.module(format=Format.DISTANCIEL)
    assert (
        client.post(
            url, _saisie(module=distanciel.pk, lieu="", lien="https://visio.exemple.fr/a")
        ).status_code
        == 302
    )
    assert Session.objects.latest("pk").lien == "https://visio.exemple.fr/a"
    elearning = f.module(format=Format.E_LEARNING, lien="https://cours.exemple.fr/m")
    assert client.post(url, _saisie(module=elearning.pk, lieu="")).status_code == 302
    assert Session.objects.latest("pk").lien == "https://cours.exemple.fr/m"  # lien du module par défaut
    sans_lien = f.module(format=Format.E_LEARNING)
    _erreur(client, url, _saisie(module=sans_lien.pk, lieu=""), "le module n&#x27;en a pas")


def test_modifier_capacite_sous_confirmes_refusee(client, monde):
    s = monde["session_16"]
    agents = [f.agent(monde["structure"]) for _ in range(3)]
    for a in agents:
        actions.inscrire(par=monde["animateur"], session=s, agent=a)
    f.connecter(client, monde["animateur"])
    url = reverse("formations:gestion_modifier_session", args=[s.pk])
    assert "3 inscrits confirmés" in client.get(url).content.decode()
    debut = timezone.localtime(s.debut)
    donnees = _saisie(
        module=s.module_id,
        debut=debut.strftime("%Y-%m-%dT%H:%M"),
        fin=(debut + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        capacite="2",
    )
    _erreur(client, url, donnees, "3 agents sont déjà inscrits")
    s.refresh_from_db()
    assert s.capacite == 3
    donnees["capacite"] = "5"
    assert client.post(url, donnees).status_code == 302
    s.refresh_from_db()
    assert s.capacite == 5 and s.fin == s.debut + timedelta(hours=3)
    assert s.organisee_par is None  # la modification ne change pas l'organisateur d'origine


def test_modifier_session_passee_garde_son_debut(client, monde):
    passee = f.session(monde["module"], dans_jours=-2, departement=monde["departement"], lieu="Cognac")
    f.connecter(client, monde["national"])
    debut = timezone.localtime(passee.debut)
    reponse = client.post(
        reverse("formations:gestion_modifier_session", args=[passee.pk]),
        _saisie(
            module=passee.module_id,
            debut=debut.strftime("%Y-%m-%dT%H:%M"),
            fin=(debut + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
            departement=monde["departement"].pk,
            lieu="Salle des fêtes, Cognac",
        ),
    )
    assert reponse.status_code == 302
    passee.refresh_from_db()
    assert passee.lieu == "Salle des fêtes, Cognac"


def test_annuler_session(client, monde, mailoutbox):
    s = monde["session_16"]
    agent = f.agent(monde["structure"])
    actions.inscrire(par=monde["animateur"], session=s, agent=agent)
    f.connecter(client, monde["animateur"])
    url = reverse("formations:gestion_annuler_session", args=[s.pk])
    _erreur(client, url, {"motif": "  ", "confirmation": "on"}, "Indiquez le motif")
    _erreur(client, url, {"motif": "Formateur malade"}, "Cochez la case")
    s.refresh_from_db()
    assert s.annulee_le is None
    reponse = client.post(url, {"motif": "Formateur malade", "confirmation": "on"}, follow=True)
    assert "Session annulée" in reponse.content.decode()
    s.refresh_from_db()
    assert s.annulee_le is not None
    inscription = Inscription.objects.get(session=s, agent=agent)
    assert inscription.statut == Statut.ANNULEE and inscription.motif == "Formateur malade"
    # Deuxième annulation, puis modification : refusées avec un message, sans erreur serveur.
    _erreur(client, url, {"motif": "Encore", "confirmation": "on"}, "déjà annulée")
    reponse = client.get(reverse("formations:gestion_modifier_session", args=[s.pk]), follow=True)
    assert "ne peut plus être modifiée" in reponse.content.decode()
    contenu = client.get(reverse("formations:gestion"), {"periode": "annulees"}).content.decode()
    assert f'data-session="{s.pk}"' in contenu
    (annulation,) = EvenementAudit.objects.filter(evenement=Evenement.FORMATION_CATALOGUE, cible_id=str(s.pk))
    assert annulation.acteur == monde["animateur"]
    assert (
        annulation.details["action"] == "session_annulee" and annulation.details["inscriptions_annulees"] == 1
    )


# — Catalogue des modules —


def _module(**champs):
    valeurs = {
        "code": "accueil-numerique",
        "titre": "Accueil numérique",
        "categorie": Categorie.CONTINUE,
        "organisme": "CNFPT",
        "duree_heures": "3,5",
        "format": Format.PRESENTIEL,
        "lien": "",
        "description": "",
        "actif": "on",
    }
    valeurs.update(champs)
    return valeurs


def test_creer_modifier_desactiver_module(client, monde):
    f.connecter(client, monde["national"])
    reponse = client.post(
        reverse("formations:gestion_nouveau_module"),
        _module(prerequis=[monde["module"].pk], compte_pour_label="on"),
    )
    assert reponse.status_code == 302
    m = Module.objects.get(code="accueil-numerique")
    assert m.duree_heures == Decimal("3.5") and m.compte_pour_label and m.actif
    assert list(m.prerequis.all()) == [monde["module"]]
    contenu = client.get(reverse("formations:gestion_modules")).content.decode()
    assert 'data-module="accueil-numerique"' in contenu
    reponse = client.post(
        reverse("formations:gestion_modifier_module", args=[m.pk]), _module(titre="Accueil numérique (v2)")
    )
    assert reponse.status_code == 302
    m.refresh_from_db()
    assert m.titre == "Accueil numérique (v2)" and not m.prerequis.exists()
    client.post(reverse("formations:gestion_basculer_module", args=[m.pk]))
    m.refresh_from_db()
    assert not m.actif
    client.post(reverse("formations:gestion_basculer_module", args=[m.pk]))
    m.refresh_from_db()
    assert m.actif
    journal = EvenementAudit.objects.filter(evenement=Evenement.FORMATION_CATALOGUE, cible_id=str(m.pk))
    assert [e.details["action"] for e in journal.order_by("pk")] == [
        "module_cree",
        "module_modifie",
        "module_desactive",
        "module_reactive",
    ]
    assert "titre" in journal.order_by("pk")[1].details["champs"]


def test_validation_module(client, monde):
    f.connecter(client, monde["national"])
    url = reverse("formations:gestion_nouveau_module")
    avant = Module.objects.count()
    _erreur(client, url, _module(code=monde["module"].code), "Un module porte déjà ce code")
    _erreur(client, url, _module(code="Pas un slug !"), "lettres minuscules")
    _erreur(client, url, _module(duree_heures="0"), "La durée doit être positive")
    _erreur(client, url, _module(duree_heures="-2"), "La durée doit être positive")
    _erreur(client, url, _module(duree_heures="beaucoup"), "Saisissez une durée en heures")
    _erreur(client, url, _module(format=Format.E_LEARNING), "ce module se suit en e-learning")
    _erreur(client, url, _module(categorie="inconnue"), "Choix inconnu")
    _erreur(client, url, _module(prerequis=["999999"]), "Choix inconnu")
    _erreur(client, url, _module(titre=""), "obligatoire")
    assert Module.objects.count() == avant


def test_prerequis_sans_cycle(client, monde):
    a = monde["module"]
    b = f.module(titre="Module B")
    c = f.module(titre="Module C")
    b.prerequis.add(a)
    c.prerequis.add(b)
    f.connecter(client, monde["national"])
    url = reverse("formations:gestion_modifier_module", args=[a.pk])
    donnees = _module(code=a.code, titre=a.titre, categorie=a.categorie, duree_heures="7")
    # a → c → b → a : cycle indirect refusé ; a → b : cycle direct refusé.
    _erreur(client, url, {**donnees, "prerequis": [c.pk]}, "Prérequis circulaire : « Module C »")
    _erreur(client, url, {**donnees, "prerequis": [b.pk]}, "Prérequis circulaire : « Module B »")
    assert not a.prerequis.exists()
    # Un module ne s'exige pas lui-même (il n'est pas proposé).
    _erreur(client, url, {**donnees, "prerequis": [a.pk]}, "Choix inconnu")
    # Sans cycle : accepté.
    d = f.module(titre="Module D")
    assert client.post(url, {**donnees, "prerequis": [d.pk]}).status_code == 302
    assert list(a.prerequis.all()) == [d]


def test_modules_absent_donne_404(client, monde):
    f.connecter(client, monde["national"])
    assert client.get(reverse("formations:gestion_modifier_module", args=[999999])).status_code == 404
    assert client.get(reverse("formations:gestion_modifier_session", args=[999999])).status_code == 404
    assert (
        client.get(reverse("formations:gestion_basculer_module", args=[monde["module"].pk])).status_code
        == 405
    )


def test_modification_module_et_debut_passe(client, monde):
    s = monde["session_16"]
    actions.inscrire(par=monde["animateur"], session=s, agent=monde["agent"])
    f.connecter(client, monde["animateur"])
    url = reverse("formations:gestion_modifier_session", args=[s.pk])
    debut = timezone.localtime(s.debut)
    donnees = _saisie(
        module=f.module().pk,
        debut=debut.strftime("%Y-%m-%dT%H:%M"),
        fin=(debut + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
    )
    _erreur(client, url, donnees, "le module de la session ne peut plus changer")
    hier = timezone.localtime() - timedelta(days=1)
    donnees.update(module=s.module_id, debut=hier.strftime("%Y-%m-%dT%H:%M"))
    _erreur(client, url, donnees, "ne peut pas être déplacé dans le passé")
    s.refresh_from_db()
    assert s.module_id == monde["module"].pk and s.debut > timezone.now()


def test_animateur_de_plusieurs_departements_choisit(client, monde):
    from franceservices.comptes.models import Habilitation

    animateur = monde["animateur"]
    Habilitation.objects.create(utilisateur=animateur, role=Role.ANIMATEUR, departement=monde["ailleurs"])
    f.connecter(client, animateur)
    url = reverse("formations:gestion_nouvelle_session")
    contenu = client.get(url).content.decode()
    assert "disabled" not in contenu.split('id="id_departement"')[0].rsplit("<select", 1)[-1]
    autre = f.structure("33").departement
    _erreur(client, url, _saisie(module=monde["module"].pk, departement=autre.pk), "Choix inconnu")
    _erreur(client, url, _saisie(module=monde["module"].pk, departement=""), "Choisissez le département")
    reponse = client.post(url, _saisie(module=monde["module"].pk, departement=monde["ailleurs"].pk))
    assert reponse.status_code == 302
    assert Session.objects.latest("pk").departement_id == monde["ailleurs"].pk
    contenu = client.get(reverse("formations:gestion")).content.decode()
    assert f'data-session="{monde["session_24"].pk}"' in contenu


def test_modules_requetes_bornees(client, monde, django_assert_max_num_queries):
    from franceservices.partenaires.models import Partenaire

    partenaire = Partenaire.objects.order_by("pk").first()
    for n in range(6):
        m = f.module(titre=f"Module {n}", partenaire=partenaire, ouvre_pilote=partenaire)
        f.session(m)
    f.connecter(client, monde["national"])
    client.get(reverse("formations:gestion_modules"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("formations:gestion_modules")).status_code == 200


def test_modules_pagination_et_inactifs_en_fin(client, monde):
    existants = Module.objects.count()
    for n in range(21):
        f.module(titre=f"Module paginé {n:02d}")
    inactif = f.module(titre="Module retiré", actif=False)
    f.connecter(client, monde["national"])
    total = existants + 22
    pages = -(-total // 20)
    contenu = client.get(reverse("formations:gestion_modules")).content.decode()
    assert f"Modules : {total}, page 1 sur {pages}" in contenu
    assert f'data-module="{inactif.code}"' not in contenu
    contenu = client.get(reverse("formations:gestion_modules"), {"page": pages}).content.decode()
    assert f'data-module="{inactif.code}"' in contenu and "data-inactif" in contenu
