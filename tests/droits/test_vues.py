"""Pages de l'estimation : accès, validations claires, simulateur arrêté (503 sans casser le reste),
estimation affichée sans rien enregistrer, enregistrement anonymisé avec l'accord de l'usager (+ audit)."""

import pytest
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.droits.models import EstimationAnonyme
from franceservices.structures.models import Structure
from tests.comptes.factories import personne
from tests.core.conftest import connecter

from .outils import port_libre

pytestmark = pytest.mark.django_db
URL = reverse("droits:accueil")
VALIDE = {
    "age": "30",
    "salaire_brut": "1801,80",
    "en_couple": "non",
    "ages_enfants": "",
    "logement": "locataire_vide",
    "loyer": "450",
    "zone": "zone_3",
}


@pytest.fixture
def agent(client):
    structure = Structure.objects.order_by("id_fs").first()
    return connecter(client, personne(Role.AGENT, structure=structure))


@pytest.fixture
def simulateur_arrete(settings):
    settings.SIMULATEUR_URL = f"http://127.0.0.1:{port_libre()}"
    settings.SIMULATEUR_DELAI = 2


def test_anonyme_renvoye_a_la_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 302 and "connexion" in reponse["Location"]


@pytest.mark.parametrize(
    "role,attendu",
    [
        (Role.AGENT, 200),
        (Role.RESPONSABLE, 200),
        (Role.EQUIPE_NATIONALE, 200),
        (Role.ANIMATEUR, 403),
        (None, 403),
    ],
)
def test_acces_par_role(client, role, attendu):
    structure = Structure.objects.order_by("id_fs").first()
    if role in (Role.AGENT, Role.RESPONSABLE):
        utilisateur = personne(role, structure=structure)
    elif role == Role.ANIMATEUR:
        utilisateur = personne(role, departement=structure.departement)
    else:
        utilisateur = personne(role)
    connecter(client, utilisateur)
    reponse = client.get(URL)
    assert reponse.status_code == attendu
    if attendu == 200:
        assert "Salaire brut mensuel" in reponse.content.decode()


def test_questionnaire_sans_javascript_obligatoire(client, agent):
    contenu = client.get(URL).content.decode()
    assert '<form method="post"' in contenu and "data-questionnaire" in contenu
    assert "Rien n'est enregistré" in contenu


@pytest.mark.parametrize(
    "champs,champ,message",
    [
        ({"salaire_brut": "-100"}, "salaire_brut", "ne peut pas être négatif"),
        ({"age": "150"}, "age", "Âge impossible"),
        ({"age": "10"}, "age", "Âge impossible"),
        ({"age": ""}, "age", "Indiquez l'âge"),
        ({"logement": "proprietaire", "loyer": "700"}, "loyer", "n'est demandé que pour un logement loué"),
        ({"loyer": ""}, "loyer", "Indiquez le loyer"),
        ({"loyer": "-5"}, "loyer", "ne peut pas être négatif"),
        ({"age_conjoint": "40"}, "age_conjoint", "alors que l'usager vit seul"),
        ({"en_couple": "oui"}, "age_conjoint", "Indiquez l'âge du conjoint"),
        ({"ages_enfants": "3, deux"}, "ages_enfants", "« deux » n'est pas un âge"),
        ({"ages_enfants": "3, 40"}, "ages_enfants", "Âge impossible pour un enfant"),
        ({"consentement": "on"}, "departement", "Indiquez le département"),
    ],
)
def test_entrees_invalides_messages_clairs(client, agent, simulateur_arrete, champs, champ, message):
    reponse = client.post(URL, {**VALIDE, **champs})
    assert reponse.status_code == 200
    erreurs = reponse.context["form"].errors
    assert champ in erreurs and message in " ".join(erreurs[champ])
    assert "data-erreurs" in reponse.content.decode()
    assert not EstimationAnonyme.objects.exists()


def test_simulateur_arrete_page_claire_et_reste_du_site(client, agent, simulateur_arrete):
    reponse = client.post(URL, VALIDE)
    assert reponse.status_code == 503
    contenu = reponse.content.decode()
    assert "Le simulateur ne répond pas" in contenu and "mes-aides.gouv.fr" in contenu
    assert 'value="1801,80"' in contenu or 'value="1801.80"' in contenu  # la saisie est conservée
    assert client.get(reverse("activite:saisie")).status_code == 200  # le reste du guichet fonctionne
    assert client.get(URL).status_code == 200


def test_estimation_affichee_rien_enregistre(client, agent, simulateur):
    audit_avant = EvenementAudit.objects.count()
    reponse = client.post(URL, VALIDE)
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "Estimation, pas une décision" in contenu
    assert 'data-aide="ppa"' in contenu and 'data-aide="rsa"' not in contenu
    aides = {a.aide.variable: a for a in reponse.context["aides"]}
    assert aides["ppa"].mensuel > 0 and aides["ppa"].annuel == pytest.approx(
        aides["ppa"].mensuel * 12, abs=0.1
    )
    assert aides["ppa"].partenaire.code.lower() == "cnaf"
    assert aides["ppa"].demarche is not None and aides["ppa"].lien_en_ligne.startswith("https://")
    assert "Rien n'a été enregistré" in contenu
    assert not EstimationAnonyme.objects.exists()
    assert EvenementAudit.objects.count() == audit_avant


def test_enregistrement_anonymise_avec_accord(client, agent, simulateur):
    structure = Structure.objects.order_by("id_fs").first()
    donnees = {
        **VALIDE,
        "salaire_brut": "1000",
        "ages_enfants": "4, 9",
        "loyer": "600",
        "departement": structure.departement.code,
        "consentement": "on",
    }
    reponse = client.post(URL, donnees)
    assert reponse.status_code == 200 and "data-enregistree" in reponse.content.decode()
    trace = EstimationAnonyme.objects.get()
    assert trace.departement == structure.departement and trace.nb_enfants == 2 and not trace.en_couple
    assert trace.tranche_age == "25-34" and trace.tranche_revenus == "1000-1999"
    assert trace.montants["asf"] % 10 == 0 and trace.total_mensuel % 10 == 0
    champs = {f.name for f in EstimationAnonyme._meta.get_fields()}
    assert not champs & {"nom", "prenom", "email", "agent", "structure", "utilisateur"}
    evenement = EvenementAudit.objects.get(evenement=Evenement.ESTIMATION_DROITS)
    assert evenement.acteur == agent and evenement.cible_id == str(trace.pk)
