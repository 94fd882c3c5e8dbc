"""Attestation et feuille d'émargement : PDF valides, accessibles (PDF/UA-1 : arbre de structure, langue,
titre), texte réel contenant le nom de l'agent et le code de vérification."""

import pytest

from franceservices.formations import reussite
from franceservices.formations.attestations import adresse_verification, attestation_pdf
from franceservices.formations.emargement import emargement_pdf
from franceservices.formations.models import Statut
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def reussie():
    formateur = f.nommer(personne(), "Paul", "Formateur")
    session = f.session(
        formateur=formateur, module_=f.module(titre="Accueil des publics fragiles", duree_heures=3.5)
    )
    agent = f.agent(prenom="Éloïse", nom="Quenouillard")
    i = f.inscrire(session, agent)
    reussite.noter_reussite(par=formateur, inscription=i)
    i.refresh_from_db()
    return i


def test_attestation_pdf_texte_reel(reussie, settings):
    settings.SITE_URL = "https://fs.example.gouv.fr"
    pdf = attestation_pdf(reussie, non_compresse=True)
    assert pdf.startswith(b"%PDF")
    texte = f.texte_pdf(pdf)
    assert "Éloïse Quenouillard" in texte
    assert reussie.code_attestation in texte
    assert "Accueil des publics fragiles" in texte
    assert "CNFPT" in texte and "3,5 heures" in texte
    adresse = f"https://fs.example.gouv.fr/attestations/{reussie.code_attestation}/"
    assert adresse_verification(reussie.code_attestation) == adresse
    assert adresse.encode() in pdf  # lien cliquable (annotation /URI)


def test_attestation_pdf_ua(reussie):
    pdf = attestation_pdf(reussie, non_compresse=True)
    assert b"/StructTreeRoot" in pdf
    assert b"/Lang (fr)" in pdf
    assert b"pdfuaid" in pdf  # déclaration PDF/UA dans les métadonnées XMP
    assert b"/DisplayDocTitle true" in pdf
    assert b"/S /H1" in pdf and b"/S /H2" in pdf


def test_attestation_compressee_par_defaut(reussie):
    pdf = attestation_pdf(reussie)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) < len(attestation_pdf(reussie, non_compresse=True))


def test_pas_d_attestation_sans_reussite():
    i = f.inscrire(f.session(), f.agent())
    with pytest.raises(ValueError):
        attestation_pdf(i)


def test_emargement_inscrits_confirmes_seulement(django_assert_max_num_queries):
    formateur = f.nommer(personne(), "Paul", "Formateur")
    session = f.session(formateur=formateur)
    f.inscrire(session, f.agent(prenom="Zoé", nom="Abadie"))
    f.inscrire(session, f.agent(prenom="Marc", nom="Berthelot"))
    f.inscrire(session, f.agent(prenom="Ninon", nom="Attentiste"), statut=Statut.ATTENTE)
    f.inscrire(session, f.agent(prenom="Rémi", nom="Annulé"), statut=Statut.ANNULEE)
    with django_assert_max_num_queries(4):
        pdf = emargement_pdf(session, non_compresse=True)
    texte = f.texte_pdf(pdf)
    assert pdf.startswith(b"%PDF") and b"/StructTreeRoot" in pdf and b"/Lang (fr)" in pdf
    assert "Zoé Abadie" in texte and "Marc Berthelot" in texte
    assert texte.index("Zoé Abadie") < texte.index("Marc Berthelot")  # ordre alphabétique des noms
    assert "Attentiste" not in texte and "Annulé" not in texte
    assert "Inscrits confirmés (2)" in texte and "Paul Formateur" in texte and "Signature" in texte
