"""Pages des rappels : demande publique (préremplissage, validations, débit, confirmation), saisie par un
agent ou une plateforme de partenaire, file (filtres, tri, pagination, requêtes), fiche (audit, attribution,
tentatives, clôture avec la demande d'activité)."""

from datetime import timedelta
from html import unescape

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from franceservices.activite.models import Canal, Demande, Theme
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rappels import actions
from franceservices.rappels.models import DemandeRappel, Origine, Resultat, Statut
from franceservices.territoires.models import Commune
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .fabriques import partenaire, rappel, structure

pytestmark = pytest.mark.django_db

PUBLIC, NOUVEAU, FILE = (
    reverse("rappels:demander_public"),
    reverse("rappels:nouveau"),
    reverse("rappels:file"),
)


def _public(**autres):
    donnees = {
        "besoin": "Renouveler ma carte grise",
        "commune": "16015",
        "telephone": "06 12 34 56 78",
        "moments": ["matin"],
        "consentement": "on",
    }
    donnees.update(autres)
    return {k: v for k, v in donnees.items() if v is not None}


# — Demande publique —


def test_formulaire_public_sans_connexion_et_prerempli(client):
    p = partenaire()
    reponse = client.get(PUBLIC, {"partenaire": p.code, "commune": "16015"})
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert f'<option value="{p.code}" selected>' in contenu
    assert "Angoulême (16015)" in contenu
    assert "effacés 30 jours" in contenu  # RAPPELS_CONSERVATION_JOURS par défaut
    # Valeurs inconnues : ignorées, le formulaire reste utilisable.
    reponse = client.get(PUBLIC, {"partenaire": "inconnu<script>", "commune": "99999"})
    assert reponse.status_code == 200 and "inconnu" not in reponse.content.decode()


def test_demande_publique_acheminee_a_la_france_services_la_plus_proche(client, settings):
    settings.RAPPELS_DELAI_HEURES = 24
    avant = timezone.now()
    reponse = client.post(
        PUBLIC,
        _public(
            partenaire=partenaire().code,
            jour="2",
            heure_debut="14:00",
            heure_fin="16:30",
            courriel="camille@exemple.fr",
        ),
    )
    assert reponse.status_code == 302
    r = DemandeRappel.objects.latest("pk")
    angouleme = Commune.objects.par_code("16015")
    assert r.departement_id == angouleme.departement_id
    assert r.structure is not None and r.structure.departement_id == angouleme.departement_id
    assert r.telephone == "+33612345678" and r.courriel == "camille@exemple.fr"
    assert r.creneaux == ["matin", {"jour": 2, "debut": "14:00", "fin": "16:30"}]
    assert r.origine == Origine.FORMULAIRE_PUBLIC and r.partenaire == partenaire()
    assert avant + timedelta(hours=24) <= r.echeance <= timezone.now() + timedelta(hours=24)
    assert EvenementAudit.objects.filter(evenement=Evenement.RAPPEL_DEMANDE, cible_id=str(r.pk)).exists()
    confirmation = client.get(reponse["Location"])
    contenu = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Vous serez rappelé avant le" in contenu and escape(r.structure.nom) in contenu
    assert "06 12" not in contenu  # le numéro n'est pas réaffiché


def test_confirmation_jeton_invalide_404(client):
    assert client.get(reverse("rappels:confirmation"), {"j": "faux"}).status_code == 404
    r = rappel(structure=structure())
    jeton = signing.dumps(r.pk, salt="autre")
    assert client.get(reverse("rappels:confirmation"), {"j": jeton}).status_code == 404


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("telephone", "08 92 00 00 00", "Les numéros en 08"),
        ("telephone", "06 12 34", "n'est pas valide"),
        ("telephone", "+44 20 7946 0958", "Seuls les numéros de France"),
        ("telephone", "", "Indiquez un numéro de téléphone"),
        ("commune", "Zzzzyx", "Aucune commune ne correspond"),
        ("commune", "", "Indiquez votre commune"),
        ("besoin", "   ", "Décrivez en quelques mots"),
        ("besoin", "x" * 301, "300 caractères au plus"),
        ("consentement", None, "Cochez la case de consentement"),
        ("heure_fin", "09:00", "Pour un créneau précis"),
        ("courriel", "pas-une-adresse", "Adresse électronique invalide"),
        ("partenaire", "inconnu", "Organisme inconnu"),
    ],
)
def test_demande_publique_refusee_sans_perte(client, champ, valeur, message):
    avant = DemandeRappel.objects.count()
    reponse = client.post(PUBLIC, _public(**{champ: valeur}))
    contenu = unescape(reponse.content.decode())
    assert reponse.status_code == 200
    assert message in contenu
    assert "Votre demande n'a pas été envoyée" in contenu
    if champ != "besoin":
        assert "Renouveler ma carte grise" in contenu  # saisie conservée
    assert DemandeRappel.objects.count() == avant


def test_creneau_heures_inversees(client):
    reponse = client.post(PUBLIC, _public(jour="1", heure_debut="12:00", heure_fin="09:00"))
    assert reponse.status_code == 200 and "heure de début avant l'heure de fin" in unescape(
        reponse.content.decode()
    )


@pytest.mark.parametrize("numero", ["0590 12 34 56", "0694 12 34 56", "+687 12 34 56", "0262 12 34 56"])
def test_numeros_outre_mer_acceptes(client, numero):
    assert client.post(PUBLIC, _public(telephone=numero)).status_code == 302


def test_demande_publique_limitee_en_debit(client, settings):
    settings.LIMITES_DEBIT = {**settings.LIMITES_DEBIT, "rappel": 2}
    from django.core.cache import cache

    cache.clear()
    assert client.post(PUBLIC, _public()).status_code == 302
    assert client.post(PUBLIC, _public()).status_code == 302
    reponse = client.post(PUBLIC, _public(besoin="Troisième demande"))
    assert reponse.status_code == 429
    assert "Troisième demande" in reponse.content.decode()  # rien perdu
    cache.clear()


def test_commune_sans_france_services_proche_file_du_departement(client, monkeypatch):
    from franceservices.structures import proximite

    monkeypatch.setattr(proximite, "structures_proches", lambda *a, **k: [])
    assert client.post(PUBLIC, _public()).status_code == 302
    r = DemandeRappel.objects.latest("pk")
    assert r.structure is None and r.departement.code == "16"


# — Saisie par un agent ou une plateforme de partenaire —


def _saisie(**autres):
    donnees = {"besoin": "Question sur une allocation", "telephone": "0612345678", "consentement": "on"}
    donnees.update(autres)
    return {k: v for k, v in donnees.items() if v is not None}


def test_saisie_par_un_agent(client):
    s = structure()
    agent = connecter(client, personne(Role.AGENT, structure=s))
    assert client.get(NOUVEAU).status_code == 200
    reponse = client.post(NOUVEAU, _saisie(moments=["apres_midi"]))
    assert reponse.status_code == 302
    r = DemandeRappel.objects.latest("pk")
    assert (r.structure, r.origine, r.creneaux) == (s, Origine.AGENT, ["apres_midi"])
    assert EvenementAudit.objects.filter(
        evenement=Evenement.RAPPEL_DEMANDE, acteur=agent, cible_id=str(r.pk)
    ).exists()


def test_saisie_par_la_plateforme_d_un_partenaire(client):
    s = structure("16")
    p = partenaire()
    connecter(client, personne(Role.REFERENT_PARTENAIRE, partenaire=p, departement=s.departement))
    contenu = client.get(NOUVEAU).content.decode()
    assert "Plateforme téléphonique" in unescape(contenu)
    reponse = client.post(NOUVEAU, _saisie(partenaire=p.code, departement=s.departement_id))
    assert reponse.status_code == 302
    r = DemandeRappel.objects.latest("pk")
    assert (r.structure, r.departement, r.partenaire, r.origine) == (
        None,
        s.departement,
        p,
        Origine.PLATEFORME_PARTENAIRE,
    )


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"departement": "autre"}, "Ce département n'est pas dans votre périmètre"),
        ({"partenaire": "autre"}, "Organisme inconnu"),
        ({"consentement": None}, "Sans l'accord de l'usager"),
    ],
)
def test_saisie_plateforme_hors_perimetre_refusee(client, donnees, message):
    s, ailleurs = structure("16"), structure("24")
    p, autre = partenaire(), partenaire(1)
    connecter(client, personne(Role.REFERENT_PARTENAIRE, partenaire=p, departement=s.departement))
    valeurs = {"departement": ailleurs.departement_id, "partenaire": autre.code}
    base = _saisie(partenaire=p.code, departement=s.departement_id)
    base.update({k: valeurs.get(k, v) if v == "autre" else v for k, v in donnees.items()})
    base = {k: v for k, v in base.items() if v is not None}
    avant = DemandeRappel.objects.count()
    reponse = client.post(NOUVEAU, base)
    assert reponse.status_code == 200
    assert message in unescape(reponse.content.decode())
    assert DemandeRappel.objects.count() == avant


def test_saisie_agent_structure_d_une_autre_equipe_refusee(client):
    connecter(client, personne(Role.AGENT, structure=structure("16")))
    reponse = client.post(NOUVEAU, _saisie(structure=structure("16", 1).pk))
    assert reponse.status_code == 200
    assert "pas dans votre périmètre" in unescape(reponse.content.decode())


# — File —


def test_file_tri_retard_filtres_et_phrase(client, django_assert_max_num_queries):
    s = structure()
    agent = connecter(client, personne(Role.AGENT, structure=s))
    vieux = rappel(structure=s, maintenant=timezone.now() - timedelta(hours=60))
    recent = rappel(structure=s)
    a_moi = rappel(structure=s, maintenant=timezone.now() - timedelta(hours=10))
    actions.attribuer_rappel(par=agent, rappel=a_moi, a=agent)
    clos = rappel(structure=s)
    actions.clore(par=agent, rappel=clos, resultat=Statut.ABANDONNE)
    ailleurs = rappel(structure=structure("16", 1))
    with django_assert_max_num_queries(14):
        reponse = client.get(FILE)
    contenu = unescape(reponse.content.decode())
    assert reponse.status_code == 200
    assert "Vous voyez les demandes de rappel de votre périmètre" in contenu and "agent" in contenu
    ordre = [contenu.index(f'data-rappel="{r.pk}"') for r in (vieux, a_moi, recent)]
    assert ordre == sorted(ordre)  # par échéance
    assert f'data-rappel="{clos.pk}"' not in contenu and f'data-rappel="{ailleurs.pk}"' not in contenu
    assert contenu.count("data-en-retard") == 1 and "en retard de 12 h" in contenu
    filtre = unescape(client.get(FILE, {"attribution": "moi"}).content.decode())
    assert f'data-rappel="{a_moi.pk}"' in filtre and f'data-rappel="{vieux.pk}"' not in filtre
    filtre = unescape(client.get(FILE, {"attribution": "personne", "en_retard": "on"}).content.decode())
    assert f'data-rappel="{vieux.pk}"' in filtre and f'data-rappel="{recent.pk}"' not in filtre
    filtre = unescape(client.get(FILE, {"statut": "closes"}).content.decode())
    assert f'data-rappel="{clos.pk}"' in filtre and f'data-rappel="{vieux.pk}"' not in filtre
    vide = unescape(client.get(FILE, {"statut": "injoignable"}).content.decode())
    assert "data-vide" in vide and "Aucune demande ne correspond" in vide
    # Valeurs inconnues : ignorées sans erreur.
    assert client.get(FILE, {"statut": "zzz", "structure": "abc", "page": "x"}).status_code == 200


def test_file_paginee_requetes_bornees(client, django_assert_max_num_queries):
    s = structure()
    connecter(client, personne(Role.AGENT, structure=s))
    for i in range(30):
        rappel(structure=s, partenaire=partenaire(i % 3), maintenant=timezone.now() - timedelta(minutes=i))
    with django_assert_max_num_queries(14):
        page1 = client.get(FILE)
    contenu = page1.content.decode()
    assert contenu.count("data-rappel=") == 25 and "page 1 sur 2" in contenu
    assert client.get(FILE, {"page": 2}).content.decode().count("data-rappel=") == 5


def test_file_vide_et_refus_conseiller_numerique(client):
    from franceservices.mediation.models import LieuMediation

    connecter(client, personne(Role.AGENT, structure=structure("16", 2)))
    reponse = client.get(FILE)
    assert reponse.status_code == 200 and "Aucune demande ouverte" in reponse.content.decode()
    lieu = LieuMediation.objects.create(identifiant="m1", nom="Lieu", departement=structure().departement)
    connecter(client, personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu))
    for nom in ("rappels:file", "rappels:nouveau", "rappels:indicateurs"):
        assert client.get(reverse(nom)).status_code == 403


# — Fiche —


def test_fiche_tel_creneaux_et_acces_audite(client):
    s = structure()
    agent = connecter(client, personne(Role.AGENT, structure=s))
    r = rappel(
        structure=s,
        telephone="0590 12 34 56",
        creneaux=["matin", {"jour": 4, "debut": "14:00", "fin": "15:00"}],
    )
    reponse = client.get(reverse("rappels:detail", args=[r.pk]))
    contenu = unescape(reponse.content.decode())
    assert reponse.status_code == 200
    assert 'href="tel:+590590123456"' in contenu and "05 90 12 34 56" in contenu
    assert "Le matin" in contenu and "Le vendredi entre 14:00 et 15:00" in contenu
    assert "Question sur mon dossier" in contenu
    assert EvenementAudit.objects.filter(
        evenement=Evenement.ACCES_DONNEES_PERSONNELLES, acteur=agent, cible_id=str(r.pk)
    ).exists()


def test_parcours_attribuer_tentatives_clore_avec_demande(
    client, settings, sms_en_memoire, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    s = structure()
    responsable = personne(Role.RESPONSABLE, structure=s)
    agent = personne(Role.AGENT, structure=s)
    p = partenaire()
    r = rappel(structure=s, partenaire=p)
    detail = reverse("rappels:detail", args=[r.pk])
    connecter(client, responsable)
    # Attribuer à un collègue de la structure ; un inconnu est refusé.
    etranger = personne(Role.AGENT, structure=structure("16", 1))
    reponse = client.post(reverse("rappels:attribuer", args=[r.pk]), {"a": etranger.pk})
    assert reponse.status_code == 200 and "ne fait pas partie de vos collègues" in unescape(
        reponse.content.decode()
    )
    assert client.post(reverse("rappels:attribuer", args=[r.pk]), {"a": agent.pk}).status_code == 302
    r.refresh_from_db()
    assert r.attribuee_a == agent
    connecter(client, agent)
    assert client.post(reverse("rappels:attribuer", args=[r.pk]), {"moi": "1"}).status_code == 302
    # Deux échecs : la notification part après validation.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rappels:tentative", args=[r.pk]), {"resultat": Resultat.PAS_DE_REPONSE})
        reponse = client.post(reverse("rappels:tentative", args=[r.pk]), {"resultat": Resultat.MESSAGERIE})
    assert reponse.status_code == 302
    r.refresh_from_db()
    assert r.statut == Statut.EN_COURS and r.notification_echec_envoyee_le is not None
    assert [sms.numero for sms in sms_en_memoire] == ["+33612345678"]
    # Résultat inconnu : message, rien d'écrit.
    reponse = client.post(reverse("rappels:tentative", args=[r.pk]), {"resultat": "zzz"})
    assert reponse.status_code == 200 and r.tentatives.count() == 2
    # Clore « rappelé » avec la demande d'activité (canal téléphone, partenaire, structure).
    contenu = client.get(detail).content.decode()
    assert 'name="appel-0-cle_client"' in contenu
    cle = contenu.split('name="appel-0-cle_client" value="')[1].split('"')[0]
    donnees = {
        "resultat": Statut.RAPPELE,
        "saisir": "on",
        "structure": s.pk,
        "appel-TOTAL_FORMS": "1",
        "appel-INITIAL_FORMS": "0",
        "appel-MIN_NUM_FORMS": "1",
        "appel-MAX_NUM_FORMS": "20",
        "appel-0-cle_client": cle,
        "appel-0-partenaire": str(p.pk),
        "appel-0-theme": "",
        "appel-0-issue": "finalisee",
    }
    # Thème manquant : rien n'est enregistré, ni la clôture ni la demande.
    reponse = client.post(reverse("rappels:clore", args=[r.pk]), donnees)
    assert reponse.status_code == 200 and "Choisissez le thème" in unescape(reponse.content.decode())
    r.refresh_from_db()
    assert r.statut == Statut.EN_COURS and not Demande.objects.filter(cle_client=cle).exists()
    donnees["appel-0-theme"] = Theme.SOCIAL_SANTE
    reponse = client.post(reverse("rappels:clore", args=[r.pk]), donnees)
    assert reponse.status_code == 302
    r.refresh_from_db()
    demande = Demande.objects.get(cle_client=cle)
    assert r.statut == Statut.RAPPELE and r.demande == demande
    assert (demande.canal, demande.partenaire, demande.structure, demande.agent) == (
        Canal.TELEPHONE,
        p,
        s,
        agent,
    )
    contenu = client.get(detail).content.decode()
    assert "data-demande-liee" in contenu and "Noter la tentative" not in contenu


def test_joint_puis_demande_d_activite(client):
    s = structure()
    agent = connecter(client, personne(Role.AGENT, structure=s))
    r = rappel(structure=s)
    client.post(reverse("rappels:tentative", args=[r.pk]), {"resultat": Resultat.JOINT})
    r.refresh_from_db()
    assert r.statut == Statut.RAPPELE
    contenu = unescape(client.get(reverse("rappels:detail", args=[r.pk])).content.decode())
    assert "Enregistrer la demande d'activité" in contenu
    cle = contenu.split('name="appel-0-cle_client" value="')[1].split('"')[0]
    reponse = client.post(
        reverse("rappels:clore", args=[r.pk]),
        {
            "structure": s.pk,
            "appel-TOTAL_FORMS": "1",
            "appel-INITIAL_FORMS": "0",
            "appel-0-cle_client": cle,
            "appel-0-partenaire": str(partenaire().pk),
            "appel-0-theme": Theme.LOGEMENT,
            "appel-0-issue": "orientee",
            "appel-0-orientee_vers": "ADIL",
        },
    )
    assert reponse.status_code == 302
    r.refresh_from_db()
    assert (
        r.demande.canal == Canal.TELEPHONE and r.demande.agent == agent and r.demande.orientee_vers == "ADIL"
    )


def test_clore_injoignable_sans_demande(client):
    s = structure()
    connecter(client, personne(Role.AGENT, structure=s))
    r = rappel(structure=s)
    reponse = client.post(reverse("rappels:clore", args=[r.pk]), {"resultat": Statut.INJOIGNABLE})
    assert reponse.status_code == 302
    r.refresh_from_db()
    assert r.statut == Statut.INJOIGNABLE and r.demande is None
    # Déjà close : message, pas de 500.
    reponse = client.post(reverse("rappels:clore", args=[r.pk]), {"resultat": Statut.ABANDONNE})
    assert reponse.status_code == 200 and "déjà close" in unescape(reponse.content.decode())


def test_fiche_requetes_bornees(client, django_assert_max_num_queries):
    s = structure()
    agent = connecter(client, personne(Role.AGENT, structure=s))
    for _ in range(3):
        personne(Role.AGENT, structure=s)
    r = rappel(structure=s, partenaire=partenaire())
    for resultat in (Resultat.PAS_DE_REPONSE, Resultat.MESSAGERIE, Resultat.PAS_DE_REPONSE):
        actions.noter_tentative(par=agent, rappel=r, resultat=resultat)
    client.get(reverse("rappels:detail", args=[r.pk]))  # catalogue chargé (cache du processus)
    with django_assert_max_num_queries(16):
        reponse = client.get(reverse("rappels:detail", args=[r.pk]))
    assert reponse.status_code == 200 and reponse.content.decode().count("<li>") >= 3


def test_saisie_agent_plusieurs_structures_choix_obligatoire(client):
    from tests.comptes.factories import HabilitationFactory

    s1, s2 = structure("16"), structure("16", 1)
    agent = personne(Role.AGENT, structure=s1)
    HabilitationFactory(utilisateur=agent, role=Role.AGENT, structure=s2)
    connecter(client, agent)
    contenu = unescape(client.get(NOUVEAU).content.decode())
    assert "file du département" not in contenu
    reponse = client.post(NOUVEAU, _saisie())
    assert "Choisissez la France services" in unescape(reponse.content.decode())
    assert client.post(NOUVEAU, _saisie(structure=s2.pk)).status_code == 302
    assert DemandeRappel.objects.latest("pk").structure == s2
