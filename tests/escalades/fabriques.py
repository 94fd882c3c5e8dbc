"""Fabriques des tests d'escalades : vraies France services et vrais partenaires du référentiel importé."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from franceservices.comptes.models import Role
from franceservices.escalades import actions
from franceservices.escalades.models import Engagement
from franceservices.partenaires.models import Partenaire, Presence
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def partenaire(rang=0) -> Partenaire:
    """Un partenaire du socle, actif, ouvert aux escalades (engagement de 10 jours ouvrés)."""
    p = Partenaire.objects.filter(presence=Presence.SOCLE, actif=True).order_by("pk")[rang]
    Engagement.objects.update_or_create(
        partenaire=p, defaults={"escalade_ouverte": True, "delai_jours_ouvres": 10, "relance_jours_ouvres": 5}
    )
    return p


def fichier(nom="piece.pdf", contenu=PDF, type_="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(nom, contenu, content_type=type_)


def docx() -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return tampon.getvalue()


def consentement(usager="Camille Martin"):
    return {"usager": usager, "donnees_partagees": ["identite", "situation", "pieces"], "mode": "oral"}


def escalade(*, agent, structure, partenaire, avec_consentement=True, pieces=(), **champs):
    valeurs = {
        "objet": "Dossier bloqué",
        "description": "Pièces fournies au guichet, dossier toujours en attente.",
        "consentement": consentement() if avec_consentement else None,
        "usager_nom": "Quenouillard" if avec_consentement else "",  # aucun nom tiré par Faker ne le contient
        "usager_prenom": "Camille" if avec_consentement else "",
        **champs,
    }
    return actions.ouvrir_escalade(
        par=agent, structure=structure, partenaire=partenaire, pieces=pieces, **valeurs
    )


def connecter(client, utilisateur):
    """Connexion de test, second facteur tenu pour vérifié (exigé de l'équipe nationale)."""
    from franceservices.comptes.middleware import CLE_SESSION

    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return utilisateur


def agent(structure):
    return personne(Role.AGENT, structure=structure)


def referent(partenaire, departement=None):
    return personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=departement)
