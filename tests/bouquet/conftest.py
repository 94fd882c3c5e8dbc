import pytest

from franceservices.bouquet.recherche import invalider_vocabulaire
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from .fabriques import fiche, partenaire


@pytest.fixture(autouse=True)
def vocabulaire_neuf():
    """Le vocabulaire de correction est gardé par processus : chaque test repart des fiches de sa base."""
    invalider_vocabulaire()
    yield
    invalider_vocabulaire()


@pytest.fixture
def national(db):
    return personne(Role.EQUIPE_NATIONALE)


@pytest.fixture
def structure(db):
    return Structure.objects.filter(departement__code="16").order_by("id_fs").first()


@pytest.fixture
def agent(structure):
    return personne(Role.AGENT, structure=structure)


@pytest.fixture
def referent_cnaf(db):
    return personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire("cnaf"), departement=None)


@pytest.fixture
def referent_ants(db):
    return personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire("ants"), departement=None)


@pytest.fixture
def base(national):
    """Quelques fiches réalistes (publiées) et un brouillon."""
    return {
        "cni": fiche(
            national,
            "ants",
            titre="Carte d'identité ou passeport perdu ou volé",
            resume="Refaire une carte d'identité après une perte ou un vol.",
            contenu="Pré-demande en ligne, puis rendez-vous en mairie équipée.\n\nTimbre fiscal en cas de perte.",
            mots_cles="cni, papiers, perte, perdue, vol",
        ),
        "grise": fiche(
            national,
            "ants",
            titre="Carte grise : changement d'adresse",
            resume="Déclarer un déménagement pour son certificat d'immatriculation.",
            contenu="Démarche en ligne sur le site de l'ANTS. Une pièce d'identité peut être demandée.",
            mots_cles="véhicule, voiture",
        ),
        "surendettement": fiche(
            national,
            "cnaf",
            titre="Surendettement : déposer un dossier",
            resume="Une personne qui ne peut plus payer ses dettes dépose un dossier.",
            contenu="Commission de surendettement. Justificatifs de ressources et de charges.",
            mots_cles="dettes, crédits",
        ),
        "compte": fiche(
            national,
            "cnaf",
            titre="Droit au compte",
            resume="Obtenir l'ouverture d'un compte bancaire après un refus.",
            contenu="La Banque de France désigne une banque. Lettre de refus de la banque.",
            mots_cles="banque, compte bancaire, refus",
        ),
        "brouillon": fiche(
            national,
            "cnaf",
            titre="Prime d'activité (brouillon)",
            resume="En cours de rédaction.",
            contenu="Texte provisoire sur la prime d'activité.",
            statut="brouillon",
        ),
    }
