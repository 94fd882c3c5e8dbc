"""Pièces jointes : liste blanche par le contenu, extension cohérente, taille, nombre ; téléchargement
contrôlé (périmètre, en-têtes, audit), jamais d'accès croisé."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.escalades import fichiers
from tests.comptes.factories import personne

from . import fabriques as f


@pytest.mark.parametrize(
    ("nom", "contenu", "type_"),
    [
        ("avis.pdf", f.PDF, fichiers.PDF),
        ("photo.PNG", f.PNG, fichiers.PNG),
        ("scan.jpg", f.JPEG, fichiers.JPEG),
        ("scan.jpeg", f.JPEG, fichiers.JPEG),
        ("courrier.docx", f.docx(), fichiers.DOCX),
    ],
)
def test_types_acceptes(nom, contenu, type_):
    piece = fichiers.valider_piece(f.fichier(nom, contenu))
    assert piece.type_mime == type_
    assert piece.taille == len(contenu)
    assert len(piece.empreinte) == 64


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("facture.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "n'est pas d'un type accepté"),
        ("image.png", b"<html><script>alert(1)</script></html>", "n'est pas d'un type accepté"),
        ("piece.pdf", f.PNG, "est en réalité un fichier image PNG"),
        ("courrier.docx", b"PK\x03\x04" + b"\x00" * 40, "n'est pas d'un type accepté"),
        ("sans_extension", f.PDF, "extension ne correspond pas"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_fichiers_deguises_ou_invalides_refuses(nom, contenu, message):
    with pytest.raises(ValidationError, match=message):
        fichiers.valider_piece(f.fichier(nom, contenu))


def test_taille_maximale(settings):
    settings.ESCALADES_PIECE_TAILLE_MAX = 1024
    with pytest.raises(ValidationError, match="taille maximale"):
        fichiers.valider_piece(f.fichier("gros.pdf", f.PDF + b"0" * 2000))


def test_nombre_maximal_par_envoi():
    with pytest.raises(ValidationError, match="au plus par envoi"):
        fichiers.valider_pieces([f.fichier(f"p{i}.pdf") for i in range(fichiers.PIECES_MAX + 1)])


def test_toutes_les_erreurs_d_un_envoi_sont_donnees():
    with pytest.raises(ValidationError) as erreur:
        fichiers.valider_pieces([f.fichier("a.pdf", b"nope"), f.fichier("b.png", f.PDF)])
    assert len(erreur.value.messages) == 2


@pytest.mark.parametrize(
    ("brut", "propre"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\Avis d'impôt.PDF", "Avis d'impôt.pdf"),
        ("a\x00b<script>.pdf", "ab_script_.pdf"),
        ("." * 5, "piece"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_nom_nettoye(brut, propre):
    assert fichiers.nom_nettoye(brut) == propre


@pytest.mark.django_db
def test_telechargement_controle_et_audite(client):
    structure, partenaire = f.structure("16"), f.partenaire()
    agent = f.agent(structure)
    escalade = f.escalade(
        agent=agent, structure=structure, partenaire=partenaire, pieces=[f.fichier("avis.pdf")]
    )
    piece = escalade.pieces.get()
    assert piece.fichier.name.startswith("escalades/")
    assert "avis" not in piece.fichier.name  # nom de stockage aléatoire

    client.force_login(agent)
    reponse = client.get(reverse("escalades:piece", args=[piece.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Content-Disposition"].startswith("attachment")
    assert b"".join(reponse.streaming_content) == f.PDF
    assert EvenementAudit.objects.filter(evenement=Evenement.PIECE_TELECHARGEE, acteur=agent).count() == 1

    referent_ailleurs = f.referent(partenaire, f.structure("24").departement)
    autre_agent = f.agent(f.structure("16", 1))
    animateur = personne(Role.ANIMATEUR, departement=structure.departement)
    for intrus in (
        referent_ailleurs,
        autre_agent,
        animateur,
        f.referent(f.partenaire(1), structure.departement),
    ):
        client.force_login(intrus)
        assert client.get(reverse("escalades:piece", args=[piece.pk])).status_code == 404
    assert EvenementAudit.objects.filter(evenement=Evenement.PIECE_TELECHARGEE).count() == 1
    client.logout()
    assert client.get(reverse("escalades:piece", args=[piece.pk])).status_code == 302  # connexion requise
