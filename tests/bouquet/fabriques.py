"""Fiches de test, écrites par `actions.enregistrer_fiche` (version, texte de recherche, audit)."""

from datetime import timedelta

from django.utils import timezone

from franceservices.bouquet import actions
from franceservices.bouquet.models import Fiche, Statut
from franceservices.comptes.middleware import CLE_SESSION
from franceservices.partenaires.models import Partenaire


def partenaire(code: str) -> Partenaire:
    return Partenaire.objects.get(code=code)


def fiche(
    par,
    code="cnaf",
    *,
    titre="Une fiche",
    resume="Résumé.",
    contenu="Contenu.",
    mots_cles="",
    statut=Statut.PUBLIEE,
    revoir_dans=365,
    demarches=None,
) -> Fiche:
    f = Fiche(
        partenaire=partenaire(code),
        titre=titre,
        resume=resume,
        contenu=contenu,
        mots_cles=mots_cles,
        statut=statut,
        responsable=par,
        revoir_le=timezone.localdate() + timedelta(days=revoir_dans),
    )
    return actions.enregistrer_fiche(par=par, fiche=f, demarches=demarches)


def connecter(client, utilisateur):
    """Client connecté ; second facteur tenu pour vérifié (exigé de l'équipe nationale)."""
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True
    session.save()
    return client
