"""Fabriques des tests des dossiers de formation : modules, sessions, inscriptions et réussites écrites
directement en base (les actions d'inscription et de réussite sont testées ailleurs)."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.formations.models import Categorie, Inscription, Module, Presence, Session, Statut
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

_numeros = count(1)


def structure(code="16", rang=0) -> Structure:
    return Structure.objects.filter(departement__code=code).select_related("departement").order_by("pk")[rang]


def module(*, categorie=Categorie.SOCLE, compte_pour_label=True, actif=True, organisme="CNFPT", titre=None):
    n = next(_numeros)
    return Module.objects.create(
        code=f"module-test-{n}",
        titre=titre or f"Module de test {n}",
        categorie=categorie,
        organisme=organisme,
        duree_heures=7,
        compte_pour_label=compte_pour_label,
        actif=actif,
    )


def session(mod, *, passee=True, departement=None) -> Session:
    debut = timezone.now() + (timedelta(days=-10) if passee else timedelta(days=10))
    return Session.objects.create(
        module=mod, debut=debut, fin=debut + timedelta(hours=7), capacite=20, departement=departement
    )


def inscription(agent, mod, *, statut=Statut.CONFIRMEE, presence="", reussie=False, passee=True, sess=None):
    sess = sess or session(mod, passee=passee)
    return Inscription.objects.create(
        session=sess,
        agent=agent,
        statut=statut,
        demandee_le=sess.debut - timedelta(days=20),
        presence=presence,
        reussie_le=sess.fin if reussie else None,
    )


def reussite(agent, mod, **kw):
    return inscription(agent, mod, presence=Presence.PRESENT, reussie=True, **kw)


def agent(struct, *, depuis_jours=0, role=Role.AGENT, email=None, **noms):
    """Un agent habilité sur `struct` depuis `depuis_jours` jours (`first_name`, `last_name` facultatifs)."""
    u = personne(
        role, email=email, structure=struct, debut=timezone.localdate() - timedelta(days=depuis_jours)
    )
    if noms:
        for champ, valeur in noms.items():
            setattr(u, champ, valeur)
        u.save(update_fields=list(noms))
    return u


def connecter(client, utilisateur):
    from tests.escalades.fabriques import connecter as _connecter

    return _connecter(client, utilisateur)
