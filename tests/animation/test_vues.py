"""Pages de l'animation : accueil d'un département (contenu, requêtes fixes), couverture, visites (création avec
actions, formulaires invalides, filtres), actions faites, matrice de permissions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.animation.models import ActionSuivi, ObjectifCouverture, PointControle, Reponse, Visite
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.escalades.models import Escalade
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    s = f.structure("16")
    ailleurs = f.structure("24")
    anim = f.animateur(s.departement)
    return {
        "s": s,
        "dep": s.departement,
        "ailleurs": ailleurs,
        "animateur": anim,
        "animateur_ailleurs": f.animateur(ailleurs.departement),
        "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=s.departement),
        "national": personne(Role.EQUIPE_NATIONALE),
        "responsable": personne(Role.RESPONSABLE, structure=s),
        "responsable_autre": personne(Role.RESPONSABLE, structure=f.structure("16", 1)),
        "agent": personne(Role.AGENT, structure=s),
    }


def _donnees_visite(s, *, date=None, actions=(), grille=None, total=None):
    date = date or timezone.localdate()
    donnees = {
        "structure": s.pk,
        "date": date.isoformat(),
        "participants": "Mme Martin (responsable)",
        "constats": "Accueil chaleureux ; affichage des horaires à revoir.",
        "actions-TOTAL_FORMS": str(total if total is not None else max(2, len(actions))),
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "30",
    }
    for point in PointControle.objects.actifs():
        donnees[f"point_{point.pk}"] = (grille or {}).get(point.pk, Reponse.OUI)
        donnees[f"commentaire_{point.pk}"] = ""
    for i, a in enumerate(actions):
        for cle, valeur in a.items():
            donnees[f"actions-{i}-{cle}"] = valeur
    return donnees


# — Accueil —


def test_accueil_du_departement(client, monde):
    s = monde["s"]
    f.connecter(client, monde["animateur"])
    v = f.visite(s, auteur=monde["animateur"])
    f.action(v, echeance_jours=-2)
    r = client.get(reverse("animation:departement", args=["16"]))
    assert r.status_code == 200
    html = r.content.decode()
    nb = Structure.objects.filter(departement=s.departement).count()
    assert f"{nb} France services" in html
    assert "Ce qui a changé depuis 30 jours (première consultation)" in html
    assert "Sites atypiques" in html and "1 action en retard" in html
    # La deuxième consultation parle de la première.
    r = client.get(reverse("animation:departement", args=["16"]))
    assert "depuis votre dernière visite" in r.content.decode()


def test_accueil_requetes_fixes(client, django_assert_max_num_queries, monde):
    """Le nombre de requêtes ne dépend pas du nombre de France services ni de leur contenu."""
    from franceservices.activite.models import Agregat, Dimension
    from franceservices.structures.models import Anomalie

    f.connecter(client, monde["national"])
    mois = timezone.localdate().replace(day=1) - timedelta(days=40)
    comptes = {}
    for code in ("16", "59"):
        structures = list(Structure.objects.filter(departement__code=code)[:6])
        for s in structures:
            personne(Role.AGENT, structure=s)
            Agregat.objects.create(
                mois=mois.replace(day=1), structure=s, dimension=Dimension.TOTAL, nombre=12
            )
            Anomalie.objects.create(structure=s, champ="x", anomalie="Anomalie de test")
            v = f.visite(s, auteur=monde["national"])
            f.action(v, echeance_jours=-1)
        client.get(reverse("animation:departement", args=[code]))  # première consultation mémorisée
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as requetes:
            r = client.get(reverse("animation:departement", args=[code]))
        assert r.status_code == 200
        comptes[code] = len(requetes)
    assert comptes["16"] == comptes["59"], comptes
    with django_assert_max_num_queries(40):  # dont une quinzaine pour la conformité au label
        client.get(reverse("animation:departement", args=["59"]))


def test_escalades_et_delai_median(client, monde):
    from franceservices.partenaires.models import Partenaire

    s = monde["s"]
    p = Partenaire.objects.order_by("pk").first()
    commun = {"structure": s, "departement": s.departement, "partenaire": p, "objet": "x", "description": "x"}
    aujourdhui = timezone.localdate()
    Escalade.objects.create(**commun, echeance=aujourdhui - timedelta(days=2), delai_jours_ouvres=5)
    for jours in (2, 4, 9):
        Escalade.objects.create(
            **commun,
            statut="resolue",
            echeance=aujourdhui,
            delai_jours_ouvres=5,
            jours_ouvres_reponse=jours,
        )
    f.connecter(client, monde["animateur"])
    r = client.get(reverse("animation:departement", args=["16"]))
    ligne = next(x for x in r.context["a"].lignes if x.structure.pk == s.pk)
    assert (ligne.escalades_ouvertes, ligne.escalades_en_retard, ligne.delai_median) == (1, 1, 4)


# — Couverture et réglages nationaux —


def test_couverture_lecture_et_objectif_modifiable_par_le_national(client, monde):
    f.connecter(client, monde["animateur"])
    r = client.get(reverse("animation:couverture"))
    assert r.status_code == 200 and "sur 101" in r.content.decode()
    assert "Ajouter un objectif" not in r.content.decode()
    assert client.get(reverse("animation:objectif_nouveau")).status_code == 404
    f.connecter(client, monde["agent"])
    assert client.get(reverse("animation:couverture")).status_code == 403
    f.connecter(client, monde["national"])
    objectif = ObjectifCouverture.objects.get()
    r = client.post(
        reverse("animation:objectif", args=[objectif.pk]),
        {"libelle": "Tous les départements", "part_cible": "100", "echeance": "2027-12-31", "source": "ANCT"},
    )
    assert r.status_code == 302
    objectif.refresh_from_db()
    assert objectif.part_cible == 100 and not objectif.strictement_superieure
    assert objectif.modifie_par == monde["national"]
    r = client.post(
        reverse("animation:objectif_nouveau"), {"libelle": "", "part_cible": "150", "echeance": "x"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "inférieure ou égale à 100" in html and "Saisissez une date valide" in html


def test_grille_modifiable_par_le_national(client, monde):
    f.connecter(client, monde["national"])
    r = client.post(
        reverse("animation:grille"), {"libelle": "Le local est accessible", "ordre": "99", "actif": "on"}
    )
    assert r.status_code == 302
    assert PointControle.objects.filter(libelle="Le local est accessible").exists()
    f.connecter(client, monde["animateur"])
    assert client.get(reverse("animation:grille")).status_code == 404


# — Visites —


def test_animateur_enregistre_une_visite_avec_deux_actions(client, monde):
    s = monde["s"]
    f.connecter(client, monde["animateur"])
    points = list(PointControle.objects.actifs())
    echeance = (timezone.localdate() + timedelta(days=30)).isoformat()
    donnees = _donnees_visite(
        s,
        grille={points[0].pk: Reponse.NON},
        actions=[
            {
                "libelle": "Mettre à jour les horaires",
                "porteur": monde["responsable"].pk,
                "echeance": echeance,
            },
            {"libelle": "Commander la signalétique", "porteur_texte": "Mairie", "echeance": echeance},
        ],
        total=3,
    )
    r = client.post(reverse("animation:nouvelle_visite", args=["16"]), donnees)
    assert r.status_code == 302, r.content.decode()[:3000]
    v = Visite.objects.get()
    assert v.auteur == monde["animateur"] and v.structure == s
    assert v.reponses.count() == len(points) and v.reponses.get(point=points[0]).reponse == Reponse.NON
    assert sorted(v.actions.values_list("libelle", flat=True)) == [
        "Commander la signalétique",
        "Mettre à jour les horaires",
    ]
    assert EvenementAudit.objects.filter(evenement=Evenement.VISITE, cible_id=str(v.pk)).exists()
    r = client.get(reverse("animation:visite", args=[v.pk]))
    assert "Mettre à jour les horaires" in r.content.decode()
    # Modification : la grille est reprise, une action supprimée.
    action = v.actions.get(libelle="Commander la signalétique")
    autre = v.actions.get(libelle="Mettre à jour les horaires")
    donnees = _donnees_visite(s, total=3)
    donnees.update(
        {
            "actions-INITIAL_FORMS": "2",
            "actions-0-id": autre.pk,
            "actions-0-libelle": autre.libelle,
            "actions-0-porteur": monde["responsable"].pk,
            "actions-0-echeance": echeance,
            "actions-1-id": action.pk,
            "actions-1-libelle": action.libelle,
            "actions-1-porteur_texte": "Mairie",
            "actions-1-echeance": echeance,
            "actions-1-DELETE": "on",
            "constats": "Revu",
        }
    )
    r = client.post(reverse("animation:modifier_visite", args=[v.pk]), donnees)
    assert r.status_code == 302, r.content.decode()[:3000]
    assert list(v.actions.values_list("libelle", flat=True)) == ["Mettre à jour les horaires"]


@pytest.mark.parametrize(
    "changement, message",
    [
        ({"date": "2100-01-01"}, "ne peut pas dépasser de plus de 90 jours"),
        ({"date": "2001-01-01"}, "ne peut pas précéder le 01/01/2014"),
        ({"date": "pas une date"}, "Saisissez une date valide"),
        ({"structure": "999999"}, "Choisissez une France services du département"),
        ({"actions-0-libelle": "Sans porteur", "actions-0-echeance": "2099-01-01"}, "Indiquez qui porte"),
        (
            {
                "actions-0-libelle": "Trop tôt",
                "actions-0-porteur_texte": "X",
                "actions-0-echeance": "2015-01-01",
            },
            "ne peut pas précéder la date de la visite",
        ),
        (
            {
                "actions-0-libelle": "Trop tard",
                "actions-0-porteur_texte": "X",
                "actions-0-echeance": "2099-01-01",
            },
            "dans les trois ans",
        ),
        (
            {"actions-0-libelle": "", "actions-0-porteur_texte": "X", "actions-0-echeance": "2026-01-01"},
            "obligatoire",
        ),
        (
            {"actions-0-porteur": "123456789", "actions-0-libelle": "x", "actions-0-echeance": "2099-01-01"},
            "personne du département",
        ),
        ({"point_X": "peut-être"}, None),
        ({"actions-TOTAL_FORMS": "abc"}, "ManagementForm"),
    ],
)
def test_formulaire_de_visite_invalide(client, monde, changement, message):
    f.connecter(client, monde["animateur"])
    donnees = _donnees_visite(monde["s"])
    if "point_X" in changement:
        point = PointControle.objects.actifs().first()
        changement = {f"point_{point.pk}": changement["point_X"]}
        message = "Sélectionnez un choix valide"
    donnees.update(changement)
    r = client.post(reverse("animation:nouvelle_visite", args=["16"]), donnees)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not Visite.objects.exists()


def test_structure_d_un_autre_departement_refusee(client, monde):
    f.connecter(client, monde["animateur"])
    donnees = _donnees_visite(monde["ailleurs"])
    r = client.post(reverse("animation:nouvelle_visite", args=["16"]), donnees)
    assert r.status_code == 200 and not Visite.objects.exists()


def test_liste_des_visites_filtres_et_pagination(client, monde):
    s, autre = monde["s"], f.structure("16", 1)
    for i in range(22):
        f.visite(s, jours=-i - 1)
    v_autre = f.visite(autre, jours=-100)
    f.action(v_autre, echeance_jours=-3)
    f.visite(monde["ailleurs"])
    f.connecter(client, monde["prefecture"])
    url = reverse("animation:visites_departement", args=["16"])
    r = client.get(url)
    assert r.status_code == 200 and "Visites : 23" in r.content.decode()
    assert len(r.context["page"].object_list) == 20
    assert client.get(url, {"page": 2}).context["page"].number == 2
    r = client.get(url, {"actions": "en_retard"})
    assert [v.pk for v in r.context["page"].object_list] == [v_autre.pk]
    r = client.get(url, {"structure": autre.pk})
    assert r.context["page"].paginator.count == 1
    r = client.get(url, {"du": "2030-01-01", "au": "2020-01-01", "structure": "abc"})
    assert r.status_code == 200 and "Filtres invalides" in r.content.decode()
    # La préfecture lit mais n'écrit pas.
    assert "Enregistrer une visite" not in r.content.decode()
    assert client.get(reverse("animation:nouvelle_visite", args=["16"])).status_code == 404
    r = client.get(reverse("animation:actions_en_retard", args=["16"]))
    assert r.status_code == 200 and r.context["page"].paginator.count == 1


def test_responsable_lit_sa_visite_et_marque_ses_actions(client, monde):
    s = monde["s"]
    v = f.visite(s, auteur=monde["animateur"])
    sienne = f.action(v, porteur=monde["responsable"], libelle="La sienne")
    autre = f.action(v, libelle="Celle de la mairie")
    f.connecter(client, monde["responsable"])
    r = client.get(reverse("animation:visites"))
    assert r.status_code == 200 and "La sienne" in r.content.decode()
    assert client.get(reverse("animation:visite", args=[v.pk])).status_code == 200
    assert client.get(reverse("animation:modifier_visite", args=[v.pk])).status_code == 404
    assert client.get(reverse("animation:departement", args=["16"])).status_code == 404
    r = client.post(reverse("animation:marquer_action", args=[sienne.pk]))
    assert r.status_code == 302
    sienne.refresh_from_db()
    assert sienne.faite_le and sienne.faite_par == monde["responsable"]
    assert client.post(reverse("animation:marquer_action", args=[autre.pk])).status_code == 404
    assert ActionSuivi.objects.get(pk=autre.pk).faite_le is None
    # Rouvrir.
    client.post(reverse("animation:marquer_action", args=[sienne.pk]), {"faite": "non"})
    assert ActionSuivi.objects.get(pk=sienne.pk).faite_le is None
    # Le responsable d'une autre France services ne voit rien.
    f.connecter(client, monde["responsable_autre"])
    assert client.get(reverse("animation:visite", args=[v.pk])).status_code == 404
    assert client.post(reverse("animation:marquer_action", args=[sienne.pk])).status_code == 404


# — Matrice de permissions —

PAGES_DEPARTEMENT = ("departement", "visites_departement", "actions_en_retard")


@pytest.mark.parametrize(
    "qui, lecture, ecriture",
    [
        ("animateur", True, True),
        ("national", True, True),
        ("prefecture", True, False),
        ("animateur_ailleurs", False, False),
        ("responsable", False, False),
        ("agent", False, False),
    ],
)
def test_matrice_permissions(client, monde, qui, lecture, ecriture):
    v = f.visite(monde["s"], auteur=monde["animateur"])
    a = f.action(v)
    f.connecter(client, monde[qui])
    attendu = 200 if lecture else 404
    for nom in PAGES_DEPARTEMENT:
        assert client.get(reverse(f"animation:{nom}", args=["16"])).status_code == attendu, nom
    assert client.get(reverse("animation:nouvelle_visite", args=["16"])).status_code == (
        200 if ecriture else 404
    )
    assert client.get(reverse("animation:modifier_visite", args=[v.pk])).status_code == (
        200 if ecriture else 404
    )
    lit_la_visite = lecture or qui == "responsable"
    assert client.get(reverse("animation:visite", args=[v.pk])).status_code == (200 if lit_la_visite else 404)
    r = client.post(reverse("animation:marquer_action", args=[a.pk]))
    assert r.status_code == (302 if ecriture else 404)
    assert (ActionSuivi.objects.get(pk=a.pk).faite_le is not None) == ecriture
    assert client.get(reverse("animation:departement", args=["999"])).status_code == 404


def test_index_oriente_selon_le_role(client, monde):
    f.connecter(client, monde["animateur"])
    assert client.get(reverse("animation:index"))["Location"] == reverse("animation:departement", args=["16"])
    f.connecter(client, monde["national"])
    assert client.get(reverse("animation:index"))["Location"] == reverse("animation:couverture")
    f.connecter(client, monde["responsable"])
    assert client.get(reverse("animation:index"))["Location"] == reverse("animation:visites")
    f.connecter(client, monde["agent"])
    assert client.get(reverse("animation:index")).status_code == 403


def test_departement_sans_france_services_et_parametres_fantaisistes(client, monde):
    from franceservices.territoires.models import Departement

    vide = Departement.objects.exclude(structures__isnull=False).order_by("code").first()
    f.connecter(client, monde["national"])
    r = client.get(reverse("animation:departement", args=[vide.code]))
    assert r.status_code == 200 and "Aucune France services dans ce département." in r.content.decode()
    f.connecter(client, monde["animateur"])
    assert (
        client.get(reverse("animation:nouvelle_visite", args=["16"]), {"structure": "abc"}).status_code == 200
    )
    r = client.get(reverse("animation:visites_departement", args=["16"]), {"page": "zzz"})
    assert r.status_code == 200 and "Aucune visite ne correspond" in r.content.decode()
    assert client.get(reverse("animation:marquer_action", args=[1])).status_code == 405
