"""Matrice des permissions : chaque rôle × chaque page ou point d'API × son périmètre ou celui d'un autre.

Deux départements réels : le Cantal (15, « chez soi ») et la Charente (16, « ailleurs »). Chaque rôle
est habilité dans le Cantal ; on vérifie ce qu'il obtient sur ses objets et sur ceux de la Charente,
y compris par identifiant direct (→ 404 : on ne révèle pas qu'un objet existe hors de son périmètre),
les exports et les jetons d'API.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import JetonAPI, Portee, Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import UtilisateurFactory, personne

pytestmark = pytest.mark.django_db

ROLES = [
    "agent",
    "responsable",
    "animateur",
    "prefecture",
    "national",
    "referent",
    "conseiller",
    "sans_habilitation",
]
REFUS = {403, 404}


@pytest.fixture
def monde():
    cantal = Departement.objects.get(code="15")
    charente = Departement.objects.get(code="16")
    s1, s2 = Structure.objects.filter(departement=cantal).order_by("pk")[:2]
    ailleurs = Structure.objects.filter(departement=charente).order_by("pk").first()
    caf = Partenaire.objects.get(code="cnaf")
    lieu = LieuMediation.objects.create(identifiant="matrice", nom="Lieu du Cantal", departement=cantal)
    comptes = {
        "agent": personne(Role.AGENT, structure=s1),
        "responsable": personne(Role.RESPONSABLE, structure=s1),
        "animateur": personne(Role.ANIMATEUR, departement=cantal),
        "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=cantal),
        "national": personne(Role.EQUIPE_NATIONALE),
        "referent": personne(Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal),
        "conseiller": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu),
        "sans_habilitation": UtilisateurFactory(),
    }
    collegue = personne(Role.AGENT, structure=s1)
    etranger = personne(Role.AGENT, structure=ailleurs)
    return {
        "comptes": comptes,
        "structure": s1,
        "structure_voisine": s2,
        "structure_ailleurs": ailleurs,
        "collegue": collegue,
        "etranger": etranger,
    }


def client_de(utilisateur) -> Client:
    client = Client()
    if utilisateur is not None:
        client.force_login(utilisateur)
        session = client.session
        session[CLE_SESSION] = True  # second facteur vérifié (équipe nationale)
        session.save()
    return client


# — Pages sans objet : tout rôle connecté y accède, l'anonyme est renvoyé vers la connexion —

PAGES_PERSONNELLES = [
    "comptes:espace",
    "comptes:mon_compte",
    "comptes:jetons",
    "comptes:equipe",
    "structures:gestion",
]


@pytest.mark.parametrize("page", PAGES_PERSONNELLES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_personnelles(monde, role, page):
    # Sans habilitation active, pas de jeton d'API (la personne n'a rien à lire par l'API).
    attendu = 403 if (role, page) == ("sans_habilitation", "comptes:jetons") else 200
    assert client_de(monde["comptes"][role]).get(reverse(page)).status_code == attendu


@pytest.mark.parametrize(
    "page",
    [*PAGES_PERSONNELLES, "comptes:equipe_export", "core:journal", "comptes:invitations", "comptes:inviter"],
)
def test_anonyme_renvoye_vers_la_connexion(monde, page):
    reponse = Client().get(reverse(page))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("comptes:connexion"))


# — Listes : ce qui est hors périmètre n'y figure jamais —

VOIT_LE_COLLEGUE = {"agent", "responsable", "animateur", "prefecture", "national"}


@pytest.mark.parametrize("role", ROLES)
def test_liste_equipe_et_export(monde, role):
    client = client_de(monde["comptes"][role])
    collegue, etranger = monde["collegue"], monde["etranger"]
    for page in ("comptes:equipe", "comptes:equipe_export"):
        reponse = client.get(reverse(page))
        assert reponse.status_code == 200
        contenu = b"".join(reponse.streaming_content if reponse.streaming else [reponse.content]).decode(
            "utf-8-sig"
        )
        assert (collegue.email in contenu) == (role in VOIT_LE_COLLEGUE), page
        assert (etranger.email in contenu) == (role == "national"), page


VOIT_LES_STRUCTURES_DU_CANTAL = {"animateur", "prefecture", "national", "referent"}


@pytest.mark.parametrize("role", ROLES)
def test_liste_structures(monde, role):
    client = client_de(monde["comptes"][role])

    def listee(structure) -> bool:
        """La structure figure-t-elle dans la liste (un lien vers sa fiche de gestion) ?"""
        contenu = client.get(reverse("structures:gestion"), {"q": structure.nom}).content.decode()
        return f'href="{reverse("structures:modifier", args=[structure.pk])}"' in contenu

    assert listee(monde["structure"]) == (role in VOIT_LES_STRUCTURES_DU_CANTAL | {"agent", "responsable"})
    assert listee(monde["structure_voisine"]) == (role in VOIT_LES_STRUCTURES_DU_CANTAL)
    assert listee(monde["structure_ailleurs"]) == (role == "national")


# — Fiches par identifiant direct —


@pytest.mark.parametrize("role", ROLES)
def test_fiche_personne(monde, role):
    client = client_de(monde["comptes"][role])
    attendu = 200 if role in VOIT_LE_COLLEGUE else 404
    assert client.get(reverse("comptes:personne", args=[monde["collegue"].pk])).status_code == attendu
    attendu = 200 if role == "national" else 404
    assert client.get(reverse("comptes:personne", args=[monde["etranger"].pk])).status_code == attendu


GERENT_LA_STRUCTURE = {"responsable", "animateur", "national"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["structures:modifier", "structures:historique"])
def test_fiche_structure(monde, role, page):
    client = client_de(monde["comptes"][role])
    voit = role in VOIT_LES_STRUCTURES_DU_CANTAL | {"agent", "responsable"}
    assert client.get(reverse(page, args=[monde["structure"].pk])).status_code == (200 if voit else 404)
    attendu = 200 if role == "national" else 404
    assert client.get(reverse(page, args=[monde["structure_ailleurs"].pk])).status_code == attendu


@pytest.mark.parametrize("role", ROLES)
def test_modifier_structure_par_post(monde, role):
    """Un POST vide : refusé (403) si l'on voit sans gérer, caché (404) hors périmètre, jamais enregistré."""
    client = client_de(monde["comptes"][role])
    structure = monde["structure"]
    avant = Structure.objects.get(pk=structure.pk).modifie_le
    reponse = client.post(reverse("structures:modifier", args=[structure.pk]), {})
    voit = role in VOIT_LES_STRUCTURES_DU_CANTAL | {"agent", "responsable"}
    if role in GERENT_LA_STRUCTURE:
        assert reponse.status_code in {200, 302}
    elif voit:
        assert reponse.status_code == 403
    else:
        assert reponse.status_code == 404
    if role not in GERENT_LA_STRUCTURE:
        assert Structure.objects.get(pk=structure.pk).modifie_le == avant
    reponse = client.post(reverse("structures:modifier", args=[monde["structure_ailleurs"].pk]), {})
    assert reponse.status_code in ({200, 302} if role == "national" else {404})


# — Actions sur les personnes —


@pytest.mark.parametrize("role", ROLES)
def test_retirer_habilitation(monde, role):
    client = client_de(monde["comptes"][role])
    etrangere = monde["etranger"].habilitations.get()
    reponse = client.post(reverse("comptes:retirer_habilitation", args=[etrangere.pk]))
    if role == "national":
        assert reponse.status_code in {200, 302}
    else:
        assert reponse.status_code == 404
        etrangere.refresh_from_db()
        assert etrangere.revoquee_le is None
    du_collegue = monde["collegue"].habilitations.get()
    reponse = client.post(reverse("comptes:retirer_habilitation", args=[du_collegue.pk]))
    du_collegue.refresh_from_db()
    if role in GERENT_LA_STRUCTURE:
        assert reponse.status_code in {200, 302}
        assert du_collegue.revoquee_le is not None
    else:
        assert reponse.status_code in REFUS
        assert du_collegue.revoquee_le is None


@pytest.mark.parametrize("role", ROLES)
def test_desactiver(monde, role):
    client = client_de(monde["comptes"][role])
    etranger = monde["etranger"]
    reponse = client.post(reverse("comptes:desactiver", args=[etranger.pk]))
    etranger.refresh_from_db()
    if role == "national":
        assert not etranger.is_active
    else:
        assert reponse.status_code == 404
        assert etranger.is_active
    collegue = monde["collegue"]
    reponse = client.post(reverse("comptes:desactiver", args=[collegue.pk]))
    collegue.refresh_from_db()
    assert collegue.is_active == (role not in GERENT_LA_STRUCTURE)
    if role not in GERENT_LA_STRUCTURE:
        assert reponse.status_code in REFUS


INVITENT = {"responsable", "animateur", "national"}


@pytest.mark.parametrize("role", ROLES)
def test_inviter(monde, role):
    client = client_de(monde["comptes"][role])
    statut = client.get(reverse("comptes:inviter")).status_code
    assert (statut == 200) if role in INVITENT else (statut in REFUS)
    # Inviter un agent dans une France services d'un autre département : jamais, sauf l'équipe nationale.
    client.post(
        reverse("comptes:inviter"),
        {"email": "nouvelle@exemple.fr", "role": Role.AGENT, "structure": monde["structure_ailleurs"].pk},
    )
    from franceservices.comptes.models import Invitation

    assert Invitation.objects.filter(email="nouvelle@exemple.fr").exists() == (role == "national")


# — Journal d'audit —


@pytest.mark.parametrize("role", ROLES)
def test_journal(monde, role):
    client = client_de(monde["comptes"][role])
    for page in ("core:journal", "core:journal_export"):
        assert client.get(reverse(page)).status_code == (200 if role == "national" else 404)


# — Jetons d'API : jamais ceux d'un autre ; l'API ne montre que le périmètre du titulaire —


def jeton(utilisateur, portees):
    return JetonAPI.generer(
        utilisateur=utilisateur, nom="matrice", portees=portees, expire_le=timezone.now() + timedelta(days=1)
    )


@pytest.mark.parametrize("role", ROLES)
def test_revoquer_le_jeton_d_un_autre(monde, role):
    objet, _ = jeton(monde["etranger"], [Portee.EQUIPE_LECTURE])
    reponse = client_de(monde["comptes"][role]).post(reverse("comptes:revoquer_jeton", args=[objet.pk]))
    # Sans habilitation : aucun accès aux jetons (403) ; sinon le jeton d'un autre n'existe pas (404).
    assert reponse.status_code == (403 if role == "sans_habilitation" else 404)
    objet.refresh_from_db()
    assert objet.revoque_le is None


@pytest.mark.parametrize("role", ROLES)
def test_api_equipe_par_jeton(monde, role):
    _, valeur = jeton(monde["comptes"][role], [Portee.EQUIPE_LECTURE, Portee.STRUCTURES_LECTURE])
    entetes = {"Authorization": f"Bearer {valeur}"}
    client = Client()
    if role == "sans_habilitation":
        # Le jeton d'une personne sans habilitation active ne vaut rien.
        for url in ("/api/v1/moi", "/api/v1/equipe", f"/api/v1/equipe/{monde['collegue'].pk}"):
            assert client.get(url, headers=entetes).status_code == 401
        return
    contenu = client.get("/api/v1/equipe?limit=200", headers=entetes).content.decode()
    assert (monde["collegue"].email in contenu) == (role in VOIT_LE_COLLEGUE)
    assert (monde["etranger"].email in contenu) == (role == "national")
    statut = client.get(f"/api/v1/equipe/{monde['etranger'].pk}", headers=entetes).status_code
    assert statut == (200 if role == "national" else 404)
    structures = client.get("/api/v1/gestion/structures?limit=200", headers=entetes).json()
    if role == "national":
        assert structures["total"] == Structure.objects.count()
    else:
        ids = {s["id_fs"] for s in structures["resultats"]}
        assert monde["structure_ailleurs"].id_fs not in ids
        assert (monde["structure"].id_fs in ids) == (role != "conseiller")


def test_api_sans_portee_ni_jeton(monde):
    _, valeur = jeton(monde["comptes"]["national"], [Portee.STRUCTURES_LECTURE])
    client = Client()
    assert client.get("/api/v1/equipe", headers={"Authorization": f"Bearer {valeur}"}).status_code == 403
    assert client.get("/api/v1/equipe").status_code == 401
    assert client.get("/api/v1/equipe", headers={"Authorization": "Bearer fs_faux"}).status_code == 401


# — Activité : demandes (fiche, correction, annulation) et tableaux de bord —


@pytest.fixture
def activite(monde):
    from franceservices.activite.actions import enregistrer
    from tests.activite.fabriques import demande

    agent = monde["comptes"]["agent"]
    chez_soi, voisine, ailleurs = enregistrer(
        [
            demande(monde["structure"], agent),
            demande(monde["structure_voisine"], monde["collegue"]),
            demande(monde["structure_ailleurs"], monde["etranger"]),
        ]
    ).creees
    return {"chez_soi": chez_soi, "voisine": voisine, "ailleurs": ailleurs}


VOIT_LA_DEMANDE = {
    # rôle → demandes visibles (les demandes sont à la Caf ; le référent Caf du Cantal voit celles du Cantal)
    "agent": {"chez_soi"},
    "responsable": {"chez_soi"},
    "animateur": {"chez_soi", "voisine"},
    "prefecture": {"chez_soi", "voisine"},
    "national": {"chez_soi", "voisine", "ailleurs"},
    "referent": {"chez_soi", "voisine"},
    "conseiller": set(),
    "sans_habilitation": set(),
}
CORRIGE = {"agent", "responsable", "national"}  # l'auteur dans le délai, le responsable, l'équipe nationale


@pytest.mark.parametrize("role", ROLES)
def test_fiche_demande_par_identifiant(monde, activite, role):
    client = client_de(monde["comptes"][role])
    for nom, d in activite.items():
        attendu = 200 if nom in VOIT_LA_DEMANDE[role] else 404
        assert client.get(reverse("activite:demande", args=[d.pk])).status_code == attendu, nom


@pytest.mark.parametrize("role", ROLES)
def test_liste_des_demandes(monde, activite, role):
    reponse = client_de(monde["comptes"][role]).get(reverse("activite:demandes"))
    visibles = {d.pk for d in reponse.context["page"].object_list} if reponse.status_code == 200 else set()
    assert visibles == {activite[nom].pk for nom in VOIT_LA_DEMANDE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_annuler_une_demande(monde, activite, role):
    client = client_de(monde["comptes"][role])
    for nom, d in activite.items():
        reponse = client.post(reverse("activite:annuler", args=[d.pk]), {"motif": "matrice"})
        d.refresh_from_db()
        if (nom == "chez_soi" and role in CORRIGE) or (nom != "chez_soi" and role == "national"):
            assert d.annulee_le is not None, (nom, reponse.status_code)
        else:
            assert d.annulee_le is None, nom
            assert reponse.status_code == (403 if nom in VOIT_LA_DEMANDE[role] else 404), nom


@pytest.mark.parametrize("role", ROLES)
def test_saisie(monde, role):
    reponse = client_de(monde["comptes"][role]).get(reverse("activite:saisie"))
    assert reponse.status_code == (200 if role in {"agent", "responsable"} else 403)


def portees(monde):
    cantal = monde["structure"].departement
    return {
        "structure": {"niveau": "structure", "id": monde["structure"].pk},
        "structure_voisine": {"niveau": "structure", "id": monde["structure_voisine"].pk},
        "structure_ailleurs": {"niveau": "structure", "id": monde["structure_ailleurs"].pk},
        "departement": {"niveau": "departement", "id": cantal.pk},
        "departement_ailleurs": {"niveau": "departement", "id": monde["structure_ailleurs"].departement_id},
        "region": {"niveau": "region", "id": cantal.region_id},
        "national": {"niveau": "national"},
    }


VOIT_LA_PORTEE = {
    "agent": {"structure"},
    "responsable": {"structure"},
    "animateur": {"structure", "structure_voisine", "departement"},
    "prefecture": {"structure", "structure_voisine", "departement"},
    "national": {
        "structure",
        "structure_voisine",
        "structure_ailleurs",
        "departement",
        "departement_ailleurs",
        "region",
        "national",
    },
    "referent": set(),  # seulement avec son partenaire (ci-dessous)
    "conseiller": set(),
    "sans_habilitation": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_tableaux_de_bord_et_exports(monde, activite, role):
    client = client_de(monde["comptes"][role])
    for nom, parametres in portees(monde).items():
        attendu = 200 if nom in VOIT_LA_PORTEE[role] else 404
        page = client.get(reverse("statistiques:tableau_de_bord"), parametres)
        assert page.status_code == attendu, nom
        export = client.get(
            reverse("statistiques:tableau_de_bord"), {**parametres, "export": "csv", "tableau": "partenaire"}
        )
        assert export.status_code == attendu, nom


def test_referent_ne_voit_que_son_partenaire(monde, activite):
    client = client_de(monde["comptes"]["referent"])
    cantal = monde["structure"].departement
    caf = activite["chez_soi"].partenaire
    autre = Partenaire.objects.exclude(pk=caf.pk).first()
    url = reverse("statistiques:tableau_de_bord")
    assert (
        client.get(url, {"niveau": "departement", "id": cantal.pk, "partenaire": caf.pk}).status_code == 200
    )
    assert (
        client.get(url, {"niveau": "departement", "id": cantal.pk, "partenaire": autre.pk}).status_code == 404
    )
    charente = monde["structure_ailleurs"].departement_id
    assert client.get(url, {"niveau": "departement", "id": charente, "partenaire": caf.pk}).status_code == 404


# — Accès (issue 6) : le menu et les tuiles de l'espace ne mènent qu'à des pages ouvertes au rôle —

OUVERTES = {
    "agenda:jour": {"agent", "responsable", "national"},
    "rappels:file": {"agent", "responsable", "animateur", "prefecture", "national", "referent"},
    "activite:appel": {"agent", "responsable"},
    "statistiques:orientations": {"national", "animateur", "prefecture", "referent"},
    "formations:catalogue": {"agent", "responsable", "animateur", "prefecture", "national"},
    "formations:gestion": {"animateur", "national"},
    # Pilotage du réseau (issue 8).
    "couverture:index": {"animateur", "prefecture", "national"},
    "label:index": {"agent", "responsable", "animateur", "prefecture", "national"},
    "droits:accueil": {"agent", "responsable", "national"},
    "orientations:boite": {"agent", "responsable", "conseiller"},
    "reseau:accueil": {
        "agent",
        "responsable",
        "animateur",
        "prefecture",
        "national",
        "referent",
        "conseiller",
    },
    "statistiques:pratiques": {"agent", "responsable", "animateur", "prefecture", "national"},
}


@pytest.mark.parametrize("page", OUVERTES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_de_l_acces(monde, role, page):
    reponse = client_de(monde["comptes"][role]).get(reverse(page))
    if role in OUVERTES[page]:
        assert reponse.status_code == 200
    else:
        assert reponse.status_code in REFUS


@pytest.mark.parametrize("role", ROLES)
def test_liens_de_l_espace_tous_ouverts(monde, role):
    import re

    client = client_de(monde["comptes"][role])
    page = client.get(reverse("comptes:espace")).content.decode()
    liens = set(re.findall(r'href="(/[^"#?]*)', page)) - {"/static/"}
    liens = {lien for lien in liens if not lien.startswith(("/static/", "/deconnexion", "/oidc/"))}
    for page_de_l_acces, ouverte_a in OUVERTES.items():
        assert (reverse(page_de_l_acces) in liens) == (role in ouverte_a), page_de_l_acces
    # Une tuile peut mener à une page d'aiguillage (ex. /animation/ → le département de l'animateur).
    fermes = {lien: client.get(lien, follow=True).status_code for lien in sorted(liens)}
    assert {lien: code for lien, code in fermes.items() if code != 200} == {}
