"""Pages de l'équipe : liste (périmètre, filtres, pagination, requêtes bornées), fiche, actions, export CSV.

Deux départements réels : le Cantal (15, « chez soi ») et la Charente (16, « ailleurs »).
"""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Habilitation, JetonAPI, Role, Utilisateur
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import HabilitationFactory, UtilisateurFactory, personne

pytestmark = pytest.mark.django_db


def client_de(utilisateur) -> Client:
    """Client connecté ; second facteur tenu pour vérifié (exigé de l'équipe nationale)."""
    client = Client()
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return client


@pytest.fixture
def monde():
    cantal = Departement.objects.get(code="15")
    charente = Departement.objects.get(code="16")
    s1, s2 = Structure.objects.filter(departement=cantal).order_by("pk")[:2]
    ailleurs = Structure.objects.filter(departement=charente).order_by("pk").first()
    caf = Partenaire.objects.get(code="cnaf")
    lieu = LieuMediation.objects.create(identifiant="equipe-test", nom="Lieu du Cantal", departement=cantal)
    comptes = {
        "agent": personne(Role.AGENT, structure=s1, email="agent@exemple.fr"),
        "responsable": personne(Role.RESPONSABLE, structure=s1, email="responsable@exemple.fr"),
        "animateur": personne(Role.ANIMATEUR, departement=cantal, email="animateur@exemple.fr"),
        "prefecture": personne(
            Role.COORDINATEUR_PREFECTURE, departement=cantal, email="prefecture@exemple.fr"
        ),
        "national": personne(Role.EQUIPE_NATIONALE, email="national@exemple.fr"),
        "referent": personne(
            Role.REFERENT_PARTENAIRE, partenaire=caf, departement=cantal, email="caf@exemple.fr"
        ),
        "conseiller": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu, email="cnfs@exemple.fr"),
        "sans_habilitation": UtilisateurFactory(email="personne@exemple.fr"),
    }
    return {
        "cantal": cantal,
        "charente": charente,
        "s1": s1,
        "s2": s2,
        "ailleurs": ailleurs,
        "comptes": comptes,
        "collegue": personne(Role.AGENT, structure=s1, email="collegue@exemple.fr"),
        "voisin": personne(Role.AGENT, structure=s2, email="voisin@exemple.fr"),
        "etranger": personne(Role.AGENT, structure=ailleurs, email="etranger@exemple.fr"),
        "referent_ailleurs": personne(
            Role.REFERENT_PARTENAIRE, partenaire=caf, departement=charente, email="caf16@exemple.fr"
        ),
    }


# — Matrice : qui voit qui —

# Pour chaque rôle (habilité dans le Cantal) : voit-il le collègue de s1, le voisin de s2, l'agent de
# Charente, le référent CAF de Charente ?
VISIBILITE = {
    "agent": (True, False, False, False),
    "responsable": (True, False, False, False),
    "animateur": (True, True, False, False),
    "prefecture": (True, True, False, False),
    "national": (True, True, True, True),
    "referent": (False, False, False, False),  # seulement les référents du même partenaire et département
    "conseiller": (False, False, False, False),
    "sans_habilitation": (False, False, False, False),
}
CIBLES = ("collegue", "voisin", "etranger", "referent_ailleurs")


@pytest.mark.parametrize("role", VISIBILITE)
def test_matrice_liste_fiche_export(monde, role):
    utilisateur = monde["comptes"][role]
    client = client_de(utilisateur)
    liste = client.get(reverse("comptes:equipe"))
    assert liste.status_code == 200
    export = client.get(reverse("comptes:equipe_export"))
    assert export.status_code == 200
    contenu_export = b"".join(export.streaming_content).decode("utf-8-sig")
    for cible, visible in zip(CIBLES, VISIBILITE[role], strict=True):
        autre = monde[cible]
        assert (autre.email in liste.content.decode()) is visible, (role, cible)
        assert (autre.email in contenu_export) is visible, (role, cible)
        fiche = client.get(reverse("comptes:personne", args=[autre.pk]))
        assert fiche.status_code == (200 if visible else 404), (role, cible)
    # Chacun voit sa propre fiche.
    assert client.get(reverse("comptes:personne", args=[utilisateur.pk])).status_code == 200


@pytest.mark.parametrize("role", VISIBILITE)
def test_matrice_actions_hors_perimetre_404(monde, role):
    """Désactiver, réactiver, retirer l'habilitation de quelqu'un d'ailleurs : 404 (rien n'est révélé)."""
    client = client_de(monde["comptes"][role])
    etranger = monde["etranger"]
    habilitation = etranger.habilitations.get()
    attendu = 404 if role != "national" else None
    for url in (
        reverse("comptes:desactiver", args=[etranger.pk]),
        reverse("comptes:reactiver", args=[etranger.pk]),
        reverse("comptes:retirer_habilitation", args=[habilitation.pk]),
    ):
        for methode in (client.get, client.post):
            reponse = methode(url)
            if attendu:
                assert reponse.status_code == attendu, (role, url)
    etranger.refresh_from_db()
    habilitation.refresh_from_db()
    if role != "national":
        assert etranger.is_active and habilitation.revoquee_le is None


# Qui peut retirer l'habilitation du collègue (agent de s1) et désactiver son compte.
GESTION = {
    "agent": False,
    "responsable": True,
    "animateur": True,
    "prefecture": False,
    "national": True,
}


@pytest.mark.parametrize("role", GESTION)
def test_matrice_gestion_collegue(monde, role):
    client = client_de(monde["comptes"][role])
    collegue = monde["collegue"]
    habilitation = collegue.habilitations.get()
    fiche = client.get(reverse("comptes:personne", args=[collegue.pk])).content.decode()
    assert ("Désactiver le compte" in fiche) is GESTION[role]
    assert (reverse("comptes:retirer_habilitation", args=[habilitation.pk]) in fiche) is GESTION[role]

    attendu = 302 if GESTION[role] else 403
    reponse = client.post(reverse("comptes:retirer_habilitation", args=[habilitation.pk]))
    assert reponse.status_code == attendu
    habilitation.refresh_from_db()
    assert (habilitation.revoquee_le is not None) is GESTION[role]
    if GESTION[role]:
        assert habilitation.revoquee_par == monde["comptes"][role]


def test_personne_avec_habilitation_hors_perimetre_non_desactivable(monde):
    """Le responsable de s1 ne peut pas désactiver un agent qui travaille aussi en Charente."""
    collegue = monde["collegue"]
    HabilitationFactory(utilisateur=collegue, role=Role.AGENT, structure=monde["ailleurs"])
    client = client_de(monde["comptes"]["responsable"])
    fiche = client.get(reverse("comptes:personne", args=[collegue.pk])).content.decode()
    assert "Désactiver le compte" not in fiche
    assert "1 autre habilitation hors de votre périmètre" in fiche
    assert monde["ailleurs"].nom not in fiche
    assert client.post(reverse("comptes:desactiver", args=[collegue.pk])).status_code == 403
    collegue.refresh_from_db()
    assert collegue.is_active
    # L'animateur de Charente ne le peut pas non plus ; l'équipe nationale, si.
    assert (
        client_de(monde["comptes"]["national"])
        .post(reverse("comptes:desactiver", args=[collegue.pk]))
        .status_code
        == 302
    )


def test_jamais_soi_meme(monde):
    responsable = monde["comptes"]["responsable"]
    client = client_de(responsable)
    assert (
        "Désactiver le compte"
        not in client.get(reverse("comptes:personne", args=[responsable.pk])).content.decode()
    )
    assert client.post(reverse("comptes:desactiver", args=[responsable.pk])).status_code == 403
    national = monde["comptes"]["national"]
    assert client_de(national).post(reverse("comptes:desactiver", args=[national.pk])).status_code == 403


# — Liste —


def test_phrase_de_perimetre(monde):
    contenu = client_de(monde["comptes"]["animateur"]).get(reverse("comptes:equipe")).content.decode()
    visibles = Utilisateur.objects.visible_par(monde["comptes"]["animateur"]).count()
    assert (
        f"{visibles} personnes habilitées sur votre périmètre, parce que vous êtes animateur départemental (Cantal (15))."
        in contenu
    )
    national = client_de(monde["comptes"]["national"]).get(reverse("comptes:equipe")).content.decode()
    assert (
        "sur tout le réseau France services, parce que vous êtes équipe nationale (anct) (France entière)"
        in national
    )


def test_lien_inviter_selon_role(monde):
    assert (
        "Inviter une personne"
        in client_de(monde["comptes"]["responsable"]).get(reverse("comptes:equipe")).content.decode()
    )
    assert (
        "Inviter une personne"
        not in client_de(monde["comptes"]["agent"]).get(reverse("comptes:equipe")).content.decode()
    )


def test_etat_vide(monde):
    reponse = client_de(monde["comptes"]["animateur"]).get(reverse("comptes:equipe"), {"q": "zzzzinconnu"})
    assert "Aucune personne ne correspond à ces filtres" in reponse.content.decode()


def test_filtres(monde):
    client = client_de(monde["comptes"]["animateur"])

    def emails(**filtres):
        reponse = client.get(reverse("comptes:equipe"), filtres)
        assert reponse.status_code == 200
        return {p.email for p in reponse.context["page"]}

    assert emails(role=Role.RESPONSABLE) == {"responsable@exemple.fr"}
    assert emails(structure=monde["s2"].pk) == {"voisin@exemple.fr"}
    assert emails(q="VOISIN@EXEMPLE") == {"voisin@exemple.fr"}  # « Voisin » est aussi un nom de Faker
    # Un nom qu'aucun nom tiré au hasard par Faker ne contient (« Dupont » en est un : test instable).
    monde["voisin"].last_name = "Zabulonne-Étienne"
    monde["voisin"].save()
    assert emails(q="zabulonne") == {"voisin@exemple.fr"}
    monde["collegue"].is_active = False
    monde["collegue"].save()
    assert emails(statut="desactives") == {"collegue@exemple.fr"}
    assert "collegue@exemple.fr" not in emails(statut="actifs")
    # Une France services hors périmètre n'est pas un choix possible : filtre ignoré, erreur affichée.
    reponse = client.get(reverse("comptes:equipe"), {"structure": monde["ailleurs"].pk})
    assert "etranger@exemple.fr" not in reponse.content.decode()
    assert "fr-select-group--error" in reponse.content.decode()


def test_filtre_departement_national(monde):
    client = client_de(monde["comptes"]["national"])
    reponse = client.get(reverse("comptes:equipe"), {"departement": monde["charente"].pk})
    assert {p.email for p in reponse.context["page"]} == {"etranger@exemple.fr", "caf16@exemple.fr"}


def test_tri_et_pagination(monde):
    for i in range(55):
        u = personne(Role.AGENT, structure=monde["s1"], email=f"page{i:02d}@exemple.fr")
        u.last_name = f"Zz{i:02d}"
        u.save()
    client = client_de(monde["comptes"]["responsable"])
    page1 = client.get(reverse("comptes:equipe"))
    noms = [p.last_name for p in page1.context["page"]]
    assert len(noms) == 50
    assert noms == sorted(noms, key=str.lower) or noms == sorted(noms)
    page2 = client.get(reverse("comptes:equipe"), {"page": 2})
    assert "ZZ54" in page2.content.decode()
    assert "page 2 sur 2" in page2.content.decode()


@pytest.mark.parametrize("nombre", [5, 60])
def test_liste_requetes_bornees(monde, nombre, django_assert_max_num_queries):
    for i in range(nombre):
        u = personne(Role.AGENT, structure=monde["s1"], email=f"masse{i}@exemple.fr")
        HabilitationFactory(utilisateur=u, role=Role.AGENT, structure=monde["s2"])
    client = client_de(monde["comptes"]["animateur"])
    with django_assert_max_num_queries(9):
        reponse = client.get(reverse("comptes:equipe"))
    assert reponse.status_code == 200
    # Les habilitations en cours sont affichées.
    assert reponse.content.decode().count(f"Agent France services — {monde['s2'].nom}") >= min(nombre, 40)


@pytest.mark.parametrize("nombre", [5, 60])
def test_export_requetes_bornees(monde, nombre, django_assert_max_num_queries):
    for i in range(nombre):
        personne(Role.AGENT, structure=monde["s1"], email=f"masse{i}@exemple.fr")
    client = client_de(monde["comptes"]["animateur"])
    with django_assert_max_num_queries(10):
        reponse = client.get(reverse("comptes:equipe_export"))
        contenu = b"".join(reponse.streaming_content)
    assert contenu.count(b"masse") == nombre


# — Export —


def test_export_csv(monde):
    monde["collegue"].last_name = "=HYPERLINK(1)"
    monde["collegue"].last_login = timezone.now()
    monde["collegue"].save()
    client = client_de(monde["comptes"]["responsable"])
    reponse = client.get(reverse("comptes:equipe_export"), {"role": Role.AGENT})
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reponse["Content-Disposition"]
    brut = b"".join(reponse.streaming_content)
    assert brut.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(brut.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == [
        "Nom",
        "Prénom",
        "Adresse électronique",
        "Rôles",
        "Périmètres",
        "Actif",
        "Dernière connexion",
    ]
    par_email = {ligne[2]: ligne for ligne in lignes[1:]}
    assert set(par_email) == {"agent@exemple.fr", "collegue@exemple.fr"}
    ligne = par_email["collegue@exemple.fr"]
    assert ligne[0] == "'=HYPERLINK(1)"  # pas de formule dans le tableur
    assert ligne[3] == "Agent France services"
    assert ligne[4] == monde["s1"].nom
    assert ligne[5] == "oui"
    assert ligne[6]
    evenement = EvenementAudit.objects.get(evenement=Evenement.EXPORT)
    assert evenement.acteur == monde["comptes"]["responsable"]
    assert evenement.details == {"export": "equipe", "filtres": {"role": "agent"}, "lignes": 2}


# — Fiche —


def test_fiche_contenu_et_audit(monde):
    responsable = monde["comptes"]["responsable"]
    collegue = monde["collegue"]
    ancienne = HabilitationFactory(
        utilisateur=collegue,
        role=Role.AGENT,
        structure=monde["s1"],
        revoquee_le=timezone.now(),
        revoquee_par=responsable,
        accordee_par=monde["comptes"]["animateur"],
    )
    client = client_de(responsable)
    reponse = client.get(reverse("comptes:personne", args=[collegue.pk]))
    contenu = reponse.content.decode()
    assert collegue.email in contenu
    assert "jamais" in contenu  # dernière connexion
    assert "Retirée" in contenu and f"par {responsable}" in contenu
    assert f"{monde['comptes']['animateur']}, le" in contenu
    assert len(reponse.context["habilitations"]) == 2
    assert ancienne.pk in [h.pk for h in reponse.context["habilitations"]]
    acces = EvenementAudit.objects.filter(evenement=Evenement.ACCES_DONNEES_PERSONNELLES)
    assert acces.count() == 1
    assert acces.get().cible_id == str(collegue.pk) and acces.get().acteur == responsable
    # Sa propre fiche : pas un accès aux données d'autrui.
    client.get(reverse("comptes:personne", args=[responsable.pk]))
    assert acces.count() == 1


def test_fiche_invitations_de_la_personne(monde):
    from franceservices.comptes import actions

    responsable = monde["comptes"]["responsable"]
    actions.inviter(
        par=monde["comptes"]["animateur"],
        email="collegue@exemple.fr",
        role=Role.RESPONSABLE,
        structure=monde["s1"],
    )
    contenu = (
        client_de(monde["comptes"]["animateur"])
        .get(reverse("comptes:personne", args=[monde["collegue"].pk]))
        .content.decode()
    )
    assert "Responsable de structure" in contenu and "en attente" in contenu
    # Le responsable ne voit pas une invitation au rôle de responsable (il ne peut pas l'accorder).
    contenu = (
        client_de(responsable).get(reverse("comptes:personne", args=[monde["collegue"].pk])).content.decode()
    )
    assert "Aucune invitation visible" in contenu


# — Actions par les pages —


def test_desactiver_puis_reactiver(monde):
    responsable, collegue = monde["comptes"]["responsable"], monde["collegue"]
    jeton, _ = JetonAPI.generer(
        utilisateur=collegue, nom="test", portees=[], expire_le=timezone.now() + timezone.timedelta(days=3)
    )
    client = client_de(responsable)
    url = reverse("comptes:desactiver", args=[collegue.pk])
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert "Désactiver le compte de" in confirmation.content.decode()
    collegue.refresh_from_db()
    assert collegue.is_active  # GET ne change rien

    reponse = client.post(url)
    assert reponse.status_code == 302
    collegue.refresh_from_db()
    jeton.refresh_from_db()
    assert not collegue.is_active and collegue.desactive_par == responsable and collegue.desactive_le
    assert jeton.revoque_le is not None
    # Rien n'est supprimé : habilitation et journal restent.
    assert Habilitation.objects.filter(utilisateur=collegue, revoquee_le__isnull=True).count() == 1
    assert EvenementAudit.objects.filter(
        evenement=Evenement.COMPTE_DESACTIVE, cible_id=str(collegue.pk)
    ).exists()
    # Toujours visible dans la liste, marqué désactivé.
    fiche = client.get(reverse("comptes:personne", args=[collegue.pk])).content.decode()
    assert "Compte désactivé" in fiche and "Réactiver le compte" in fiche

    assert client.post(reverse("comptes:reactiver", args=[collegue.pk])).status_code == 302
    collegue.refresh_from_db()
    assert collegue.is_active and collegue.desactive_le is None
    assert EvenementAudit.objects.filter(evenement=Evenement.COMPTE_REACTIVE).exists()


def test_retirer_habilitation_page(monde):
    client = client_de(monde["comptes"]["animateur"])
    habilitation = monde["voisin"].habilitations.get()
    url = reverse("comptes:retirer_habilitation", args=[habilitation.pk])
    assert "Retirer à" in client.get(url).content.decode()
    reponse = client.post(url, follow=True)
    assert "est retirée" in reponse.content.decode()
    habilitation.refresh_from_db()
    assert habilitation.revoquee_par == monde["comptes"]["animateur"]
    # Deuxième retrait : message d'erreur, pas d'exception.
    reponse = client.post(url, follow=True)
    assert "déjà retirée" in reponse.content.decode()


def test_anonyme_redirige_vers_connexion(monde):
    for url in (
        reverse("comptes:equipe"),
        reverse("comptes:equipe_export"),
        reverse("comptes:personne", args=[monde["collegue"].pk]),
    ):
        reponse = Client().get(url)
        assert reponse.status_code == 302 and reverse("comptes:connexion") in reponse["Location"]


# — Administration —


def test_admin(monde):
    admin = UtilisateurFactory(email="admin@exemple.fr", is_staff=True, is_superuser=True)
    client = client_de(admin)
    collegue = monde["collegue"]
    jeton, valeur = JetonAPI.generer(
        utilisateur=collegue, nom="tableau", portees=[], expire_le=timezone.now() + timezone.timedelta(days=3)
    )
    assert client.get(reverse("admin:comptes_utilisateur_changelist"), {"q": "collegue"}).status_code == 200
    fiche = client.get(reverse("admin:comptes_utilisateur_change", args=[collegue.pk]))
    assert fiche.status_code == 200
    assert monde["s1"].nom in fiche.content.decode()  # habilitations en ligne
    assert client.get(reverse("admin:comptes_utilisateur_add")).status_code == 200
    cree = client.post(
        reverse("admin:comptes_utilisateur_add"),
        {
            "email": "Nouvelle@Exemple.fr",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
            "usable_password": "true",
            "habilitations-TOTAL_FORMS": "0",
            "habilitations-INITIAL_FORMS": "0",
        },
    )
    assert cree.status_code == 302, cree.context["adminform"].form.errors
    assert Utilisateur.objects.get(email="nouvelle@exemple.fr").username == "nouvelle@exemple.fr"
    page_jeton = client.get(reverse("admin:comptes_jetonapi_change", args=[jeton.pk])).content.decode()
    assert jeton.empreinte in page_jeton and valeur not in page_jeton
    for nom in ("habilitation", "invitation", "jetonapi", "dispositiftotp"):
        assert client.get(reverse(f"admin:comptes_{nom}_changelist")).status_code == 200


def test_equipe_nationale_passe_par_le_second_facteur(monde):
    client = Client()
    client.force_login(monde["comptes"]["national"])
    reponse = client.get(reverse("comptes:equipe"))
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("comptes:double_facteur"))
    assert client_de(monde["comptes"]["national"]).get(reverse("comptes:equipe")).status_code == 200
