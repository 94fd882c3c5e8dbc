"""Pages de la vie du réseau : accueil (prochains événements, pastille des non lues), listes (filtres,
pagination, pages vides), fiche (inscription, complet), organisation (création qui invite, annulation,
présence, compte rendu avec documents refusés ou acceptés, export CSV), actualités (non lues d'abord,
lecture marquée, statistiques de lecture, publication, retrait). Nombre de requêtes borné."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.reseau import actions
from franceservices.reseau.models import Document, Envoi, EvenementReseau, Lecture, Participation, Publication
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n%%EOF\n"


@pytest.fixture
def stockage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@pytest.fixture
def monde():
    s = f.structure("16")
    return {"structure": s, "d": s.departement, "agent": f.agent(s), "animateur": f.animateur(s.departement)}


def _texte(reponse):
    return reponse.content.decode()


def test_accueil_pastille_et_prochains(client, monde):
    d = monde["d"]
    e = f.evenement(departement=d, titre="Réunion des agents de Charente")
    f.evenement(departement=f.departement("24"), titre="Réunion de Dordogne")
    lue, non_lue = f.publication(departement=d, titre="Déjà lue"), f.publication(titre="Nationale non lue")
    f.publication(departement=d, titre="Retirée", retiree_le=timezone.now())
    Lecture.objects.create(publication=lue, personne=monde["agent"])
    f.connecter(client, monde["agent"])
    html = _texte(client.get(reverse("reseau:accueil")))
    assert f'data-evenement="{e.pk}"' in html and "Réunion de Dordogne" not in html
    assert 'data-pastille>1<span class="fr-sr-only"> non lue</span>' in html
    assert f'data-publication="{non_lue.pk}"' in html and "Déjà lue" not in html and "Retirée" not in html


def test_accueil_requetes_bornees(client, monde, django_assert_max_num_queries):
    for i in range(6):
        f.evenement(departement=monde["d"], titre=f"Événement {i}")
        f.publication(departement=monde["d"], titre=f"Publication {i}")
    f.connecter(client, monde["agent"])
    client.get(reverse("reseau:accueil"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reseau:accueil")).status_code == 200


def test_liste_filtres_et_pagination(client, monde):
    d = monde["d"]
    for i in range(22):
        f.evenement(departement=d, titre=f"Réunion {i:02d}", dans_jours=i + 1)
    webinaire = f.evenement(
        departement=d, titre="Webinaire CAF", type="webinaire", lien="https://visio.exemple.fr/a", lieu=""
    )
    passe = f.evenement(departement=d, titre="Réunion passée", dans_jours=-10)
    annule = f.evenement(
        departement=d, titre="Réunion annulée", annule_le=timezone.now(), motif_annulation="X"
    )
    actions.inscrire(par=monde["agent"], evenement=webinaire)
    f.connecter(client, monde["agent"])
    url = reverse("reseau:evenements")
    page1 = _texte(client.get(url))
    assert "Événements : 23, page 1 sur 2" in page1 and "Réunion passée" not in page1
    assert "Réunion 21" in _texte(client.get(url, {"page": 2}))
    assert "Réunion passée" in _texte(client.get(url, {"periode": "passes"}))
    assert f'data-evenement="{annule.pk}"' in _texte(client.get(url, {"periode": "annules"}))
    seul = _texte(client.get(url, {"type": "webinaire"}))
    assert "Événements : 1" in seul and "Webinaire CAF" in seul
    mes = _texte(client.get(url, {"mes": "1"}))
    assert "Événements : 1" in mes and "Inscrit" in mes
    vide = client.get(url, {"type": "autre"})
    assert "data-vide" in _texte(vide) and "pour ces filtres" in _texte(vide)
    # Paramètres absurdes : la page par défaut, jamais d'erreur.
    assert client.get(url, {"periode": "x", "type": "<b>", "page": "abc"}).status_code == 200
    assert passe.pk


def test_fiche_inscription_puis_complet(client, monde):
    e = f.evenement(departement=monde["d"], capacite=1, lien="https://visio.exemple.fr/salle")
    autre = f.agent(monde["structure"])
    f.connecter(client, monde["agent"])
    html = _texte(client.get(reverse("reseau:evenement", args=[e.pk])))
    assert (
        'data-action="inscrire"' in html and "visio.exemple.fr/salle" not in html
    )  # lien réservé aux inscrits
    reponse = client.post(reverse("reseau:inscrire", args=[e.pk]), follow=True)
    html = _texte(reponse)
    assert "Vous êtes inscrit(e)" in html and "data-lien" in html and "data-complet" in html
    f.connecter(client, autre)
    html = _texte(client.get(reverse("reseau:evenement", args=[e.pk])))
    assert 'data-mon-statut="complet"' in html and 'data-action="inscrire"' not in html
    html = _texte(client.post(reverse("reseau:inscrire", args=[e.pk]), follow=True))  # formulaire périmé
    assert "Complet : les 1 places sont prises" in html
    assert Participation.objects.inscrites().filter(evenement=e).count() == 1
    f.connecter(client, monde["agent"])
    html = _texte(client.post(reverse("reseau:desinscrire", args=[e.pk]), follow=True))
    assert "votre place est libérée" in html


def test_creation_invite_et_journalise(client, monde, django_capture_on_commit_callbacks):
    f.agent(monde["structure"])
    debut = timezone.localtime() + timedelta(days=5)
    f.connecter(client, monde["animateur"])
    assert "Choisissez un département" not in _texte(client.get(reverse("reseau:nouvel_evenement")))
    with django_capture_on_commit_callbacks():
        reponse = client.post(
            reverse("reseau:nouvel_evenement"),
            {
                "type": "reunion",
                "titre": "Réunion de réseau de décembre",
                "debut": debut.strftime("%Y-%m-%dT14:00"),
                "fin": debut.strftime("%Y-%m-%dT16:30"),
                "lieu": "Préfecture, salle 2",
                "commune_texte": "16015",
                "capacite": "30",
                "portee": "departement",
                "departement": str(monde["d"].pk),
                "public": ["agent", "responsable"],
            },
            follow=True,
        )
    e = EvenementReseau.objects.get(titre="Réunion de réseau de décembre")
    assert "2 personnes invitées par courriel" in _texte(reponse)
    assert e.organisateur == monde["animateur"] and e.commune.code_insee == "16015"
    assert e.debut_local.strftime("%H:%M") == "14:00"
    assert Envoi.objects.filter(evenement=e).count() == 2
    assert EvenementAudit.objects.filter(evenement=Evenement.RESEAU_EVENEMENT, cible_id=str(e.pk)).exists()


def test_creation_invalide_message_clair(client, monde):
    f.connecter(client, monde["animateur"])
    reponse = client.post(
        reverse("reseau:nouvel_evenement"),
        {
            "type": "reunion",
            "titre": "",
            "debut": "2031-01-01T10:00",
            "fin": "2031-01-01T09:00",
            "portee": "departement",
            "departement": str(monde["d"].pk),
            "public": ["agent"],
        },
    )
    html = _texte(reponse)
    assert reponse.status_code == 200 and "Ce n'est pas enregistré" in html
    assert "La fin doit être après le début." in html and "Indiquez le titre" in html
    assert "Indiquez un lieu ou un lien de connexion." in html


def test_annulation_par_la_page(client, monde):
    e = f.evenement(departement=monde["d"])
    actions.inscrire(par=monde["agent"], evenement=e)
    f.connecter(client, monde["animateur"])
    url = reverse("reseau:annuler_evenement", args=[e.pk])
    assert "Cochez la case" in _texte(client.post(url, {"motif": "Grève"}))
    html = _texte(client.post(url, {"motif": "Grève", "confirmation": "on"}, follow=True))
    assert "1 inscrit prévenu par courriel" in html and "data-annule" in html
    assert client.get(reverse("reseau:modifier_evenement", args=[e.pk])).status_code == 302


def test_presences_compte_rendu_export(client, monde, stockage):
    e = f.evenement(departement=monde["d"])
    p = actions.inscrire(par=monde["agent"], evenement=e)
    monde["agent"].first_name = "=CMD()"
    monde["agent"].save()
    e.debut, e.fin = timezone.now() - timedelta(hours=2), timezone.now() - timedelta(hours=1)
    e.save()
    f.connecter(client, monde["animateur"])
    assert f'data-participation="{p.pk}"' in _texte(client.get(reverse("reseau:presences", args=[e.pk])))
    assert "illisible" in _texte(client.post(reverse("reseau:presences", args=[e.pk]), {"presents": ["x"]}))
    html = _texte(client.post(reverse("reseau:presences", args=[e.pk]), {"presents": [p.pk]}, follow=True))
    assert "1 présent sur 1" in html
    url = reverse("reseau:compte_rendu", args=[e.pk])
    refuse = client.post(
        url, {"texte": "Relevé", "documents": [SimpleUploadedFile("virus.pdf", b"MZ\x90rien")]}
    )
    assert refuse.status_code == 200 and "type accepté" in _texte(refuse)
    assert not Document.objects.exists()
    ok = client.post(
        url, {"texte": "Relevé des décisions", "documents": [SimpleUploadedFile("cr.pdf", PDF)]}, follow=True
    )
    assert "1 document joint" in _texte(ok) and "Relevé des décisions" in _texte(ok)
    doc = Document.objects.get()
    f.connecter(client, monde["agent"])
    telechargement = client.get(reverse("reseau:document", args=[doc.pk]))
    assert (
        telechargement["Content-Type"] == "application/pdf"
        and b"".join(telechargement.streaming_content) == PDF
    )
    assert telechargement["X-Content-Type-Options"] == "nosniff"
    f.connecter(client, monde["animateur"])
    csv = b"".join(client.get(reverse("reseau:export_participants", args=[e.pk])).streaming_content).decode()
    assert "Présence" in csv and "'=CMD()" in csv and "présent" in csv


def test_actualites_non_lues_d_abord_et_lecture(client, monde):
    d = monde["d"]
    ancienne = f.publication(departement=d, titre="Ancienne", publiee_le=timezone.now() - timedelta(days=3))
    recente = f.publication(departement=d, titre="Récente")
    Lecture.objects.create(publication=recente, personne=monde["agent"])
    f.connecter(client, monde["agent"])
    html = _texte(client.get(reverse("reseau:actualites")))
    assert html.index("Ancienne") < html.index("Récente")
    assert f'data-publication="{ancienne.pk}" data-lue="non"' in html
    client.get(reverse("reseau:actualite", args=[ancienne.pk]))
    client.get(reverse("reseau:actualite", args=[ancienne.pk]))
    assert Lecture.objects.filter(publication=ancienne, personne=monde["agent"]).count() == 1
    html = _texte(client.get(reverse("reseau:actualites")))
    assert f'data-publication="{ancienne.pk}" data-lue="oui"' in html
    assert "Lu par" not in _texte(client.get(reverse("reseau:actualite", args=[ancienne.pk])))


def test_statistiques_de_lecture_pour_l_auteur(client, monde):
    d = monde["d"]
    autres = [f.agent(monde["structure"]) for _ in range(2)]
    ailleurs = f.agent(f.structure("24"))
    p = f.publication(departement=d, auteur=monde["animateur"])
    for qui in (monde["agent"], autres[0], ailleurs):  # une lecture hors destinataires ne compte pas
        Lecture.objects.create(publication=p, personne=qui)
    f.connecter(client, monde["animateur"])
    html = _texte(client.get(reverse("reseau:actualite", args=[p.pk])))
    assert 'data-statistiques="2/3"' in html and "Lue par 2 sur 3 destinataires" in html
    assert "1 lecture" not in _texte(client.get(reverse("reseau:actualites"), {"vue": "gerees"}))


def test_publier_avec_fichier_puis_retirer(client, monde, stockage):
    f.connecter(client, personne(Role.EQUIPE_NATIONALE))
    reponse = client.post(
        reverse("reseau:nouvelle_actualite"),
        {
            "type": "ressource",
            "titre": "Guide de l'accueil",
            "texte": "Le guide.",
            "portee": "region",
            "region": str(monde["d"].region_id),
            "public": ["agent"],
            "documents": [SimpleUploadedFile("guide.pdf", PDF)],
        },
        follow=True,
    )
    p = Publication.objects.get(titre="Guide de l'accueil")
    assert "Publication en ligne" in _texte(reponse) and p.documents.count() == 1
    assert p.region_id == monde["d"].region_id and p.departement_id is None
    html = _texte(client.post(reverse("reseau:retirer_actualite", args=[p.pk]), follow=True))
    assert "Publication retirée" in html and "data-retiree" in html
    f.connecter(client, monde["agent"])
    assert client.get(reverse("reseau:actualite", args=[p.pk])).status_code == 404
    assert client.get(reverse("reseau:document", args=[p.documents.get().pk])).status_code == 404


def test_animateur_ne_publie_que_pour_son_departement(client, monde):
    f.connecter(client, monde["animateur"])
    reponse = client.post(
        reverse("reseau:nouvelle_actualite"),
        {"type": "actualite", "titre": "T", "texte": "X", "portee": "national", "public": ["agent"]},
    )
    assert reponse.status_code == 200 and "Choix inconnu" in _texte(reponse)
    assert not Publication.objects.exists()


def test_refus_pour_qui_n_organise_pas(client, monde):
    f.connecter(client, monde["agent"])
    for nom in ("reseau:nouvel_evenement", "reseau:nouvelle_actualite"):
        reponse = client.get(reverse(nom))
        assert reponse.status_code == 403 and "réservé" in _texte(reponse)


def test_modification_heure_locale_et_audit(client, monde):
    reunion = f.departement("974")
    animateur = f.animateur(reunion)
    e = f.evenement(departement=reunion, titre="Réunion à La Réunion")
    e.debut = e.debut.replace(hour=5, minute=0, second=0, microsecond=0)  # UTC : 9 h à La Réunion
    e.fin = e.debut + timedelta(hours=2)
    e.save()
    f.connecter(client, animateur)
    url = reverse("reseau:modifier_evenement", args=[e.pk])
    html = _texte(client.get(url))
    assert f'value="{e.debut_local:%Y-%m-%d}T09:00"' in html
    reponse = client.post(
        url,
        {
            "type": "reunion",
            "titre": "Réunion à La Réunion, salle changée",
            "debut": f"{e.debut_local:%Y-%m-%d}T09:00",
            "fin": f"{e.debut_local:%Y-%m-%d}T11:00",
            "lieu": "Saint-Denis, salle 4",
            "portee": "departement",
            "departement": str(reunion.pk),
            "public": ["agent", "responsable"],
        },
        follow=True,
    )
    assert "Modifications enregistrées." in _texte(reponse)
    e.refresh_from_db()
    assert e.titre.endswith("salle changée") and e.debut_local.strftime("%H:%M") == "09:00"
    audit = EvenementAudit.objects.filter(evenement=Evenement.RESEAU_EVENEMENT, cible_id=str(e.pk)).get()
    assert audit.details["action"] == "modification" and "titre" in audit.details["champs"]


def test_referent_national_organise_une_information_de_son_partenaire(client, monde):
    from franceservices.partenaires.models import Partenaire

    partenaire = Partenaire.objects.order_by("pk").first()
    referent = personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire)
    debut = timezone.localtime() + timedelta(days=5)
    f.connecter(client, referent)
    reponse = client.post(
        reverse("reseau:nouvel_evenement"),
        {
            "type": "partenaire",
            "titre": "Nouveautés de la prime (information partenaire)",
            "debut": debut.strftime("%Y-%m-%dT10:00"),
            "fin": debut.strftime("%Y-%m-%dT11:00"),
            "lien": "https://webinaire.exemple.fr/prime",
            "portee": "national",
            "partenaire": str(partenaire.pk),
            "public": ["agent"],
        },
        follow=True,
    )
    assert reponse.status_code == 200 and "Événement créé." in _texte(reponse)
    e = EvenementReseau.objects.get(titre__startswith="Nouveautés de la prime")
    assert e.partenaire == partenaire and e.portee == "national"
    f.connecter(client, monde["agent"])  # un agent de Charente est invité (national)
    assert client.get(reverse("reseau:evenement", args=[e.pk])).status_code == 200


def test_pastille_du_menu(monde):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    gabarit = Template("{% load reseau %}{% non_lues_reseau u as n %}[{{ n }}]")
    lue = f.publication(departement=monde["d"])
    f.publication(departement=monde["d"])
    f.publication(departement=f.departement("24"))
    Lecture.objects.create(publication=lue, personne=monde["agent"])
    assert gabarit.render(Context({"u": monde["agent"]})) == "[1]"
    assert gabarit.render(Context({"u": AnonymousUser()})) == "[0]"
    assert gabarit.render(Context({"u": personne()})) == "[0]"
