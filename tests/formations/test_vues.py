"""Pages de la formation : catalogue (filtres, places, états vides), fiche d'une session et « m'inscrire »,
mes inscriptions et annulation, approbations (htmx et sans JS), inscription d'un groupe ; requêtes bornées."""

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.formations import actions
from franceservices.formations.models import Categorie, Inscription, Statut
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def monde():
    s = f.structure("16")
    socle = f.module(titre="Accueil de l'usager", categorie=Categorie.SOCLE)
    partenaire = f.module(titre="Prestations familiales", categorie=Categorie.MODULE_PARTENAIRE)
    return {
        "structure": s,
        "agent": f.agent(s),
        "responsable": f.responsable(s),
        "animateur": f.animateur(s.departement),
        "socle": socle,
        "partenaire": partenaire,
        "session": f.session(socle, capacite=2),
        "session_16": f.session(partenaire, departement=s.departement, capacite=1),
    }


def test_catalogue_modules_sessions_et_places(client, monde):
    f.connecter(client, monde["responsable"])
    actions.inscrire(par=monde["responsable"], session=monde["session"], agent=monde["agent"])
    inactif = f.module(titre="Ancien module", actif=False)
    f.session(inactif)
    ailleurs = f.session(monde["socle"], departement=f.structure("24").departement)
    contenu = client.get(reverse("formations:catalogue")).content.decode()
    assert "Accueil de l&#x27;usager" in contenu and "Prestations familiales" in contenu
    assert "Ancien module" not in contenu
    assert f'data-session="{monde["session"].pk}"' in contenu
    assert f'data-session="{ailleurs.pk}"' not in contenu  # session réservée au 24
    assert 'data-places="1"' in contenu  # 2 places, 1 confirmée


def test_catalogue_filtres_et_vide(client, monde):
    f.connecter(client, monde["agent"])
    contenu = client.get(reverse("formations:catalogue"), {"categorie": "module_partenaire"}).content.decode()
    assert "Prestations familiales" in contenu and "Accueil de l&#x27;usager" not in contenu
    contenu = client.get(reverse("formations:catalogue"), {"q": "zzzintrouvable"}).content.decode()
    assert "data-vide" in contenu and "Aucun module ne correspond" in contenu
    # Valeur invalide : pas d'erreur serveur, le filtre est ignoré.
    assert client.get(reverse("formations:catalogue"), {"categorie": "nimporte"}).status_code == 200


def test_catalogue_requetes_bornees(client, monde, django_assert_max_num_queries):
    for n in range(5):
        f.session(f.module(titre=f"Module {n}"), capacite=3)
    f.connecter(client, monde["agent"])
    client.get(reverse("formations:catalogue"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("formations:catalogue")).status_code == 200


def test_m_inscrire_puis_approbation_htmx(client, monde):
    f.connecter(client, monde["agent"])
    url = reverse("formations:session", args=[monde["session"].pk])
    assert 'data-action="inscrire"' in client.get(url).content.decode()
    reponse = client.post(reverse("formations:inscrire", args=[monde["session"].pk]), follow=True)
    assert "Demande envoyée" in reponse.content.decode()
    inscription = Inscription.objects.get(agent=monde["agent"])
    assert inscription.statut == Statut.DEMANDEE
    # Deuxième clic : message clair, pas de doublon.
    reponse = client.post(reverse("formations:inscrire", args=[monde["session"].pk]), follow=True)
    assert "déjà inscrit" in reponse.content.decode()
    assert Inscription.objects.filter(agent=monde["agent"]).count() == 1

    f.connecter(client, monde["responsable"])
    page = client.get(reverse("formations:approbations")).content.decode()
    assert f'data-demande="{inscription.pk}"' in page
    reponse = client.post(reverse("formations:approuver", args=[inscription.pk]), **HTMX)
    assert reponse.status_code == 200 and "data-fait" in reponse.content.decode()
    assert "confirmée" in reponse.content.decode()
    inscription.refresh_from_db()
    assert inscription.statut == Statut.CONFIRMEE and inscription.decidee_par == monde["responsable"]
    # Déjà traitée : l'erreur est dans la ligne.
    reponse = client.post(reverse("formations:approuver", args=[inscription.pk]), **HTMX)
    assert "data-erreur" in reponse.content.decode() and "déjà été traitée" in reponse.content.decode()


def test_refus_motif_obligatoire_puis_refus(client, monde):
    demande = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    f.connecter(client, monde["responsable"])
    url = reverse("formations:refuser", args=[demande.pk])
    reponse = client.post(url, {f"refus-{demande.pk}-motif": "  "}, **HTMX)
    assert "Indiquez le motif" in reponse.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Statut.DEMANDEE
    reponse = client.post(url, {f"refus-{demande.pk}-motif": "Pas cette semaine"}, follow=True)
    assert "refusée" in reponse.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Statut.REFUSEE and demande.motif == "Pas cette semaine"
    f.connecter(client, monde["agent"])
    assert "Motif : Pas cette semaine" in client.get(reverse("formations:mes_inscriptions")).content.decode()


def test_approbations_reservees(client, monde):
    f.connecter(client, monde["agent"])
    assert client.get(reverse("formations:approbations")).status_code == 403
    demande = actions.inscrire(par=monde["agent"], session=monde["session"], agent=monde["agent"])
    assert client.post(reverse("formations:approuver", args=[demande.pk])).status_code == 403
    f.connecter(client, monde["animateur"])
    contenu = client.get(reverse("formations:approbations")).content.decode()
    assert f'data-demande="{demande.pk}"' in contenu
    f.connecter(client, f.responsable(f.structure("16", 1)))
    contenu = client.get(reverse("formations:approbations")).content.decode()
    assert "data-vide" in contenu
    assert client.post(reverse("formations:approuver", args=[demande.pk])).status_code == 404


def test_mes_inscriptions_et_annulation_promeut(client, monde):
    s = monde["structure"]
    autre = f.agent(s)
    mienne = actions.inscrire(par=monde["responsable"], session=monde["session_16"], agent=monde["agent"])
    attente = actions.inscrire(par=monde["responsable"], session=monde["session_16"], agent=autre)
    assert (mienne.statut, attente.statut) == (Statut.CONFIRMEE, Statut.ATTENTE)
    f.connecter(client, monde["agent"])
    contenu = client.get(reverse("formations:mes_inscriptions")).content.decode()
    assert f'data-inscription="{mienne.pk}"' in contenu
    assert f'data-inscription="{attente.pk}"' not in contenu
    reponse = client.post(reverse("formations:annuler", args=[mienne.pk]), follow=True)
    assert "premier de la liste d&#x27;attente" in reponse.content.decode()
    attente.refresh_from_db()
    assert attente.statut == Statut.CONFIRMEE
    # L'inscription d'un collègue : hors de mon périmètre.
    assert client.post(reverse("formations:annuler", args=[attente.pk])).status_code == 404


def test_mes_inscriptions_vide(client, monde):
    f.connecter(client, monde["agent"])
    assert "data-vide" in client.get(reverse("formations:mes_inscriptions")).content.decode()


def test_groupe_par_animateur(client, monde):
    s = monde["structure"]
    a1, a2 = monde["agent"], f.agent(s)
    f.connecter(client, monde["animateur"])
    url = reverse("formations:groupe", args=[monde["session_16"].pk])
    contenu = client.get(url).content.decode()
    assert a1.email in contenu and a2.email in contenu
    reponse = client.post(url, {"agents": [a1.pk, a2.pk]})
    contenu = reponse.content.decode()
    assert "data-bilan" in contenu and "Inscrits : 1" in contenu and "En liste d'attente : 1" in contenu
    assert "complète" in contenu  # places recomptées après l'inscription
    assert Inscription.objects.filter(session=monde["session_16"]).count() == 2
    # Un agent hors périmètre : refusé par le formulaire.
    loin = f.agent(f.structure("24"))
    reponse = client.post(url, {"agents": [loin.pk]})
    assert "pas dans votre périmètre" in reponse.content.decode()
    assert not Inscription.objects.filter(agent=loin).exists()
    reponse = client.post(url, {})
    assert "Cochez au moins un agent" in reponse.content.decode()


def test_groupe_refuse_a_l_agent(client, monde):
    f.connecter(client, monde["agent"])
    assert client.get(reverse("formations:groupe", args=[monde["session"].pk])).status_code == 403


def test_sans_habilitation(client, monde):
    f.connecter(client, personne())
    assert client.get(reverse("formations:catalogue")).status_code == 403
    assert client.get(reverse("formations:session", args=[monde["session"].pk])).status_code == 404


def test_national_voit_tout(client, monde):
    f.connecter(client, personne(Role.EQUIPE_NATIONALE))
    ailleurs = f.session(monde["socle"], departement=f.structure("24").departement)
    assert client.get(reverse("formations:session", args=[ailleurs.pk])).status_code == 200


def test_administration(client, monde):
    admin = personne(Role.EQUIPE_NATIONALE)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    f.connecter(client, admin)
    actions.inscrire(par=monde["responsable"], session=monde["session"], agent=monde["agent"])
    for nom in ("module", "session", "inscription"):
        assert client.get(reverse(f"admin:formations_{nom}_changelist")).status_code == 200
    assert client.get(reverse("admin:formations_inscription_add")).status_code == 403


def test_pages_sans_n_plus_1(client, monde, django_assert_max_num_queries):
    s = monde["structure"]
    sessions = [f.session(f.module(titre=f"Module {n}"), capacite=3) for n in range(4)]
    for session in sessions:
        for _ in range(2):
            a = f.agent(s)
            actions.inscrire(par=a, session=session, agent=a)
        actions.inscrire(par=monde["responsable"], session=session, agent=monde["agent"])
    pages = {
        monde["responsable"]: [
            reverse("formations:approbations"),
            reverse("formations:session", args=[sessions[0].pk]),
        ],
        monde["agent"]: [reverse("formations:mes_inscriptions"), reverse("formations:catalogue")],
    }
    for qui, urls in pages.items():
        f.connecter(client, qui)
        for url in urls:
            client.get(url)
            with django_assert_max_num_queries(12):
                reponse = client.get(url)
            assert reponse.status_code == 200
    f.connecter(client, monde["responsable"])
    assert client.get(reverse("formations:approbations")).content.decode().count("data-demande=") == 8


def test_fiche_session_inscrits_du_perimetre(client, monde):
    s = monde["structure"]
    collegue = f.agent(s)
    voisin = f.agent(f.structure("16", 1))
    mien = actions.inscrire(par=monde["responsable"], session=monde["session"], agent=collegue)
    autre = actions.inscrire(par=voisin, session=monde["session"], agent=voisin)
    f.connecter(client, monde["responsable"])
    contenu = client.get(reverse("formations:session", args=[monde["session"].pk])).content.decode()
    assert f'data-inscription="{mien.pk}"' in contenu and f'data-inscription="{autre.pk}"' not in contenu
    reponse = client.post(reverse("formations:annuler", args=[mien.pk]), follow=True)
    assert "Inscription annulée" in reponse.content.decode()
    mien.refresh_from_db()
    assert mien.statut == Statut.ANNULEE
    # L'agent voit sa fiche sans la liste des inscrits.
    f.connecter(client, monde["agent"])
    contenu = client.get(reverse("formations:session", args=[monde["session"].pk])).content.decode()
    assert "Inscriptions de mon périmètre" not in contenu


def test_catalogue_pagination_et_filtre_sessions(client, monde):
    for n in range(25):
        f.module(titre=f"Module sans session {n:02d}", categorie=Categorie.CONTINUE)
    f.connecter(client, monde["agent"])
    premiere = client.get(reverse("formations:catalogue")).content.decode()
    assert "27 modules" in premiere and "page 1 sur 2" in premiere
    seconde = client.get(reverse("formations:catalogue"), {"page": 2}).content.decode()
    assert "page 2 sur 2" in seconde
    assert client.get(reverse("formations:catalogue"), {"page": "abc"}).status_code == 200
    avec = client.get(reverse("formations:catalogue"), {"places": "on"}).content.decode()
    assert "2 modules correspondant aux filtres" in avec and "Module sans session" not in avec
