"""Destinataires d'une diffusion par périmètre (national, région, département) et par rôle ; cohérence avec
ce que chacun voit (`visible_par`) ; une seule requête."""

from datetime import timedelta

import pytest
from django.utils import timezone

from franceservices.comptes.models import Habilitation, Role
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.reseau.diffusion import destinataires
from franceservices.reseau.models import EvenementReseau, Publication
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def gens():
    s16, s24, s15 = f.structure("16"), f.structure("24"), f.structure("15")
    assert s16.departement.region_id == s24.departement.region_id != s15.departement.region_id
    partenaire = Partenaire.objects.order_by("pk").first()
    revoquee = f.agent(s16)
    Habilitation.objects.filter(utilisateur=revoquee).update(revoquee_le=timezone.now())
    finie = f.agent(s16)
    Habilitation.objects.filter(utilisateur=finie).update(
        debut=timezone.localdate() - timedelta(days=30), fin=timezone.localdate() - timedelta(days=1)
    )
    inactif = f.agent(s16)
    inactif.is_active = False
    inactif.save()
    lieu = LieuMediation.objects.create(identifiant="m-reseau", nom="Lieu", departement=s16.departement)
    return {
        "agent16": f.agent(s16),
        "responsable16": f.responsable(s16),
        "agent24": f.agent(s24),
        "agent15": f.agent(s15),
        "animateur16": f.animateur(s16.departement),
        "animateur15": f.animateur(s15.departement),
        "prefecture16": personne(Role.COORDINATEUR_PREFECTURE, departement=s16.departement),
        "referent16": personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=s16.departement),
        "referent_national": personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire),
        "conseiller16": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu),
        "national": personne(Role.EQUIPE_NATIONALE),
        "revoquee": revoquee,
        "finie": finie,
        "inactif": inactif,
        "_d16": s16.departement,
    }


def _noms(gens, qs):
    pks = set(qs.values_list("pk", flat=True))
    return {nom for nom, p in gens.items() if not nom.startswith("_") and p.pk in pks}


TOUS_ROLES = {
    "pour_agents": True,
    "pour_responsables": True,
    "pour_animateurs": True,
    "pour_prefectures": True,
    "pour_referents": True,
    "pour_conseillers": True,
}


def test_departement_agents_et_responsables(gens):
    e = f.evenement(departement=gens["_d16"])
    assert _noms(gens, destinataires(e)) == {"agent16", "responsable16"}


def test_departement_tous_roles(gens):
    e = f.evenement(departement=gens["_d16"], **TOUS_ROLES)
    assert _noms(gens, destinataires(e)) == {
        "agent16",
        "responsable16",
        "animateur16",
        "prefecture16",
        "referent16",
        "conseiller16",
    }


def test_departement_animateurs_seulement(gens):
    e = f.evenement(
        departement=gens["_d16"], pour_agents=False, pour_responsables=False, pour_animateurs=True
    )
    assert _noms(gens, destinataires(e)) == {"animateur16"}


def test_region_par_ses_departements(gens):
    e = f.evenement(region=gens["_d16"].region)
    assert _noms(gens, destinataires(e)) == {"agent16", "responsable16", "agent24"}


def test_national(gens):
    e = f.evenement(pour_referents=True, pour_animateurs=True)
    assert _noms(gens, destinataires(e)) == {
        "agent16",
        "responsable16",
        "agent24",
        "agent15",
        "animateur16",
        "animateur15",
        "referent16",
        "referent_national",
    }


def test_une_seule_requete(gens, django_assert_num_queries):
    e = f.evenement(region=gens["_d16"].region, **TOUS_ROLES)
    with django_assert_num_queries(1):
        assert len(list(destinataires(e))) == 7  # les 6 du 16 et l'agent de la Dordogne


@pytest.mark.parametrize("modele", ["evenement", "publication"])
@pytest.mark.parametrize(
    "diffusion",
    [
        {},
        {"pour_animateurs": True, "pour_referents": True},
        {"region": True},
        {"departement": True, **TOUS_ROLES},
        {"departement": True, "pour_agents": False, "pour_responsables": False, "pour_conseillers": True},
    ],
)
def test_visible_par_coherent_avec_les_destinataires(gens, modele, diffusion):
    """Chaque personne voit la diffusion si et seulement si elle en est destinataire (ou la gère)."""
    champs = dict(diffusion)
    if champs.pop("region", False):
        champs["region"] = gens["_d16"].region
    if champs.pop("departement", False):
        champs["departement"] = gens["_d16"]
    objet = f.evenement(**champs) if modele == "evenement" else f.publication(**champs)
    attendus = _noms(gens, destinataires(objet))
    gestion = {"national"}
    if objet.departement_id:
        gestion |= {"animateur16", "prefecture16"}
    Modele = EvenementReseau if modele == "evenement" else Publication
    for nom, p in gens.items():
        if nom.startswith("_") or nom in {"inactif"}:
            continue
        voit = Modele.objects.visible_par(p).filter(pk=objet.pk).exists()
        assert voit == (nom in attendus | gestion), nom
