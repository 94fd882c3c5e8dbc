import pytest

from franceservices.activite.models import Demarche
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire, Presence
from franceservices.rappels.models import DecisionOrientation, Orientation
from franceservices.rappels.orientation import NE_SAIT_PAS, NON, OUI, Reponses, enregistrer_decision, orienter
from franceservices.structures.models import Structure
from franceservices.territoires.models import Commune

from .fabriques import partenaire

pytestmark = pytest.mark.django_db


def commune(code_departement="16"):
    return (
        Commune.objects.filter(
            departement__code=code_departement, latitude__isnull=False, population__isnull=False
        )
        .order_by("-population")
        .first()
    )


def demarche_en_ligne():
    d = (
        Demarche.objects.filter(partenaire__presence=Presence.SOCLE)
        .select_related("partenaire")
        .order_by("pk")
        .first()
    )
    d.lien_en_ligne = "https://www.exemple.gouv.fr/demarche"
    d.save(update_fields=["lien_en_ligne"])
    return d


def orientations(propositions):
    return [p.orientation for p in propositions]


def test_en_ligne_quand_l_usager_peut_le_faire_seul():
    d = demarche_en_ligne()
    props = orienter(Reponses(demarche=d, en_ligne=OUI, aide_ordinateur=NON, commune=commune()))
    assert props[0].orientation == Orientation.EN_LIGNE
    assert props[0].lien == d.lien_en_ligne
    assert props[-1].orientation == Orientation.RAPPEL
    assert Orientation.FRANCE_SERVICES in orientations(props)


@pytest.mark.parametrize(("en_ligne", "aide"), [(NON, NON), (NE_SAIT_PAS, NON), (OUI, OUI)])
def test_pas_en_ligne_sinon(en_ligne, aide):
    d = demarche_en_ligne()
    props = orienter(Reponses(demarche=d, en_ligne=en_ligne, aide_ordinateur=aide, commune=commune()))
    assert Orientation.EN_LIGNE not in orientations(props)


def test_pas_en_ligne_sans_lien():
    d = demarche_en_ligne()
    d.lien_en_ligne = ""
    props = orienter(Reponses(demarche=d, en_ligne=OUI, aide_ordinateur=NON))
    assert orientations(props) == [Orientation.RAPPEL]


def test_france_services_proches_proposant_le_partenaire():
    c = commune()
    p = partenaire()
    props = [
        x for x in orienter(Reponses(partenaire=p, commune=c)) if x.orientation == Orientation.FRANCE_SERVICES
    ]
    assert props
    distances = [x.distance_km for x in props]
    assert distances == sorted(distances)
    for x in props:
        assert Partenaire.objects.proposes_a_structure(x.structure).filter(pk=p.pk).exists()


def test_partenaire_hors_socle_sans_pilote_pas_de_france_services():
    """Un partenaire qui n'est proposé nulle part (ni socle, ni ajouté, ni pilote) : pas d'impasse pour autant."""
    p = Partenaire.objects.create(
        code="test-absent", nom_court="Absent", nom_complet="Absent", presence="pilote"
    )
    props = orienter(Reponses(partenaire=p, commune=commune()))
    assert orientations(props) == [Orientation.RAPPEL]


def test_la_plus_proche_est_la_premiere():
    c = commune()
    props = [x for x in orienter(Reponses(commune=c)) if x.orientation == Orientation.FRANCE_SERVICES]
    from math import asin, cos, radians, sin, sqrt

    def haversine(s):
        p1, p2 = radians(c.latitude), radians(s.latitude)
        a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(s.longitude - c.longitude) / 2) ** 2
        return 2 * 6371.0088 * asin(sqrt(a))

    toutes = Structure.objects.filter(latitude__isnull=False)
    plus_proche = min(haversine(s) for s in toutes)
    assert props[0].distance_km == pytest.approx(plus_proche, abs=0.5)


def test_conseiller_numerique_si_besoin_d_aide_avec_l_ordinateur():
    c = commune()
    dans_commune = LieuMediation.objects.create(
        identifiant="t-1", nom="Médiathèque", commune=c, departement=c.departement
    )
    ailleurs = LieuMediation.objects.create(identifiant="t-2", nom="Tiers-lieu", departement=c.departement)
    props = orienter(Reponses(commune=c, aide_ordinateur=OUI))
    lieux = [x.lieu for x in props if x.orientation == Orientation.CONSEILLER_NUMERIQUE]
    assert lieux[:2] == [dans_commune, ailleurs]
    assert props[-1].orientation == Orientation.RAPPEL
    sans_aide = orienter(Reponses(commune=c, aide_ordinateur=NON))
    assert Orientation.CONSEILLER_NUMERIQUE not in orientations(sans_aide)


@pytest.mark.parametrize(
    "reponses",
    [
        Reponses(),
        Reponses(sujet="social_sante"),
        Reponses(en_ligne=OUI, aide_ordinateur=OUI),
        Reponses(aide_ordinateur=OUI),
    ],
)
def test_jamais_d_impasse(reponses):
    props = orienter(reponses)
    assert props and props[-1].orientation == Orientation.RAPPEL


def test_reponse_inconnue_refusee():
    with pytest.raises(ValueError):
        Reponses(en_ligne="peut-etre")
    with pytest.raises(ValueError):
        Reponses(aide_ordinateur="")
    with pytest.raises(ValueError):
        Reponses(sujet="<script>")


def test_decision_anonyme():
    c = commune()
    d = demarche_en_ligne()
    reponses = Reponses(sujet=d.theme, demarche=d, en_ligne=OUI, aide_ordinateur=NON, commune=c)
    decision = enregistrer_decision(reponses=reponses, orientation=Orientation.EN_LIGNE)
    decision.refresh_from_db()
    assert decision.partenaire == d.partenaire
    assert decision.departement_id == c.departement_id and decision.code_insee == c.code_insee
    assert decision.reponses == {
        "sujet": d.theme,
        "partenaire": d.partenaire.code,
        "demarche": d.pk,
        "en_ligne": OUI,
        "aide_ordinateur": NON,
    }
    # Aucune donnée personnelle : le modèle n'a ni nom, ni téléphone, ni adresse, ni IP, ni lien vers un compte.
    champs = {f.name for f in DecisionOrientation._meta.get_fields()}
    assert champs == {"id", "le", "reponses", "orientation", "partenaire", "departement", "code_insee"}
    with pytest.raises(ValueError):
        enregistrer_decision(reponses=reponses, orientation="ailleurs")


def test_partenaire_pilote_seulement_dans_son_perimetre():
    """Un partenaire en pilote sur une seule France services du département : elle seule est proposée, et
    l'orientation suit `proposes_a_structure` (calcul indépendant)."""
    from datetime import timedelta

    from django.utils import timezone

    from franceservices.partenaires.models import Pilote

    c = commune()
    p = Partenaire.objects.create(
        code="test-pilote", nom_court="Pilote", nom_complet="Pilote", presence="pilote"
    )
    proches = [
        x.structure for x in orienter(Reponses(commune=c)) if x.orientation == Orientation.FRANCE_SERVICES
    ]
    cible = proches[1]
    pilote = Pilote.objects.create(partenaire=p, nom="Essai", debut=timezone.localdate() - timedelta(days=1))
    pilote.structures.add(cible)
    props = [
        x for x in orienter(Reponses(partenaire=p, commune=c)) if x.orientation == Orientation.FRANCE_SERVICES
    ]
    assert [x.structure for x in props][:1] == [cible]
    for x in props:
        assert Partenaire.objects.proposes_a_structure(x.structure).filter(pk=p.pk).exists()
    # Pilote terminé : plus aucune France services, mais le rappel reste.
    pilote.debut = pilote.debut - timedelta(days=10)
    pilote.fin = timezone.localdate() - timedelta(days=1)
    pilote.save()
    assert orientations(orienter(Reponses(partenaire=p, commune=c))) == [Orientation.RAPPEL]


def test_pilote_departemental():

    from django.utils import timezone

    from franceservices.partenaires.models import Pilote

    c = commune()
    p = Partenaire.objects.create(
        code="test-pilote-d", nom_court="PiloteD", nom_complet="PiloteD", presence="pilote"
    )
    pilote = Pilote.objects.create(partenaire=p, nom="Essai", debut=timezone.localdate())
    pilote.departements.add(c.departement)
    props = [
        x for x in orienter(Reponses(partenaire=p, commune=c)) if x.orientation == Orientation.FRANCE_SERVICES
    ]
    assert props
    assert all(x.structure.departement_id == c.departement_id for x in props)
    for x in props:
        assert Partenaire.objects.proposes_a_structure(x.structure).filter(pk=p.pk).exists()


# — Prochain créneau libre et liens (issue 6) —


def _france_services(props):
    return [x for x in props if x.orientation == Orientation.FRANCE_SERVICES]


def type_rdv(structure, duree=30, libelle="Accompagnement", **champs):
    from franceservices.rendezvous.models import TypeRendezVous

    return TypeRendezVous.objects.create(structure=structure, libelle=libelle, duree=duree, **champs)


def _lundi_8h():
    from tests.rendezvous.fabriques import a_paris

    return a_paris(2026, 12, 7, 8)  # lundi 7 décembre 2026, 8 h (Paris), jour ouvré


def test_prochain_creneau_et_lien_de_reservation():
    from franceservices.rappels.orientation import lien_reservation
    from tests.rendezvous.fabriques import semaine_type

    c = commune()
    p = Partenaire.objects.get(code="cnaf")
    proches = _france_services(orienter(Reponses(partenaire=p, commune=c), maintenant=_lundi_8h()))
    cible = proches[0].structure
    semaine_type(cible)
    type_rdv(cible, duree=30, partenaire=p, libelle="Rendez-vous CAF")
    type_rdv(cible, duree=20, partenaire=None, libelle="Sans partenaire")  # pas pour un besoin CAF
    type_rdv(cible, duree=15, partenaire=p, libelle="Inactif", actif=False)
    props = _france_services(orienter(Reponses(partenaire=p, commune=c), maintenant=_lundi_8h()))
    premiere = props[0]
    assert premiere.structure == cible
    assert premiere.type_rendez_vous.libelle == "Rendez-vous CAF"
    assert premiere.prochain_creneau.isoformat() == "2026-12-07T09:00:00+01:00"
    assert premiere.lien == f"/rendez-vous/france-services/{cible.pk}/?partenaire=cnaf"
    assert premiere.lien == lien_reservation(cible, p)
    # Les autres, sans type de rendez-vous pour ce besoin : « sans rendez-vous », lien vers leur fiche.
    for x in props[1:]:
        assert x.sans_rendez_vous and x.prochain_creneau is None
        assert x.lien == x.structure.get_absolute_url()


def test_prochain_creneau_sans_partenaire_connu_et_plus_tot_des_types():
    from tests.rendezvous.fabriques import a_paris, semaine_type

    c = commune()
    cible = _france_services(orienter(Reponses(commune=c), maintenant=_lundi_8h()))[0].structure
    semaine_type(cible)
    type_rdv(cible, duree=30, partenaire=Partenaire.objects.get(code="cnaf"), libelle="CAF")
    general = type_rdv(cible, duree=45, libelle="Accompagnement")
    from franceservices.rendezvous.models import RendezVous

    RendezVous.objects.create(
        structure=cible,
        type=general,
        debut=a_paris(2026, 12, 7, 9),
        fin=a_paris(2026, 12, 7, 12),
        nom="Occupé",
        telephone="+33612345678",
    )
    props = _france_services(orienter(Reponses(commune=c), maintenant=_lundi_8h()))
    assert props[0].type_rendez_vous == general  # pas le type CAF : aucun partenaire connu
    assert props[0].lien == f"/rendez-vous/france-services/{cible.pk}/"
    assert props[0].prochain_creneau.isoformat() == "2026-12-07T14:00:00+01:00"  # matin occupé


def test_prochain_creneau_d_une_france_services_itinerante_suit_ses_arrets():
    from datetime import time

    from franceservices.rappels.orientation import prochain_creneau
    from franceservices.rendezvous.models import Arret
    from tests.rendezvous.fabriques import semaine_type

    c = commune()
    bus = _france_services(orienter(Reponses(commune=c), maintenant=_lundi_8h()))[0].structure
    semaine_type(bus)  # horaires du siège : lundi 9 h ; le bus, lui, n'est qu'à ses arrêts
    t = type_rdv(bus)
    Arret.objects.create(
        structure=bus,
        libelle="Place de l'église",
        commune=c,
        jour_semaine=3,
        heure_debut=time(14),
        heure_fin=time(16),
    )
    Arret.objects.create(
        structure=bus, libelle="Marché", commune=c, jour_semaine=2, heure_debut=time(10), heure_fin=time(12)
    )
    debut, type_ = prochain_creneau(bus, [t], maintenant=_lundi_8h())
    assert type_ == t and debut.isoformat() == "2026-12-09T10:00:00+01:00"  # mercredi, au marché


def test_prochain_creneau_cherche_au_dela_de_la_premiere_semaine():
    from datetime import date

    from franceservices.rappels.orientation import prochain_creneau
    from franceservices.rendezvous.models import Fermeture
    from tests.rendezvous.fabriques import semaine_type

    c = commune()
    cible = _france_services(orienter(Reponses(commune=c), maintenant=_lundi_8h()))[0].structure
    semaine_type(cible)
    t = type_rdv(cible)
    Fermeture.objects.create(structure=cible, du=_lundi_8h().date(), au=_lundi_8h().date().replace(day=16))
    debut, type_ = prochain_creneau(cible, [t], maintenant=_lundi_8h())
    assert type_ == t and debut.isoformat() == "2026-12-17T09:00:00+01:00"
    # Fermée sur toute la fenêtre (1 + 3 semaines) : pas de créneau, sans erreur.
    Fermeture.objects.create(structure=cible, du=date(2026, 12, 17), au=date(2027, 1, 31))
    assert prochain_creneau(cible, [t], maintenant=_lundi_8h()) == (None, None)


def test_lien_de_rappel_porte_partenaire_et_commune():
    c = commune()
    p = Partenaire.objects.get(code="cnaf")
    rappel = orienter(Reponses(partenaire=p, commune=c))[-1]
    assert rappel.orientation == Orientation.RAPPEL
    assert rappel.lien == f"/rappels/demander/?partenaire=cnaf&commune={c.code_insee}"
    assert orienter(Reponses())[-1].lien == "/rappels/demander/"


def test_jamais_vide_commune_sans_coordonnees():
    c = Commune.objects.filter(latitude__isnull=True, commune_parente__isnull=True).first()
    if c is None:  # le référentiel n'en a pas : on en retire une
        c = commune()
        c.latitude = c.longitude = None
    props = orienter(Reponses(commune=c, partenaire=Partenaire.objects.get(code="cnaf")))
    assert orientations(props) == [Orientation.RAPPEL]
    assert props[0].lien.endswith(f"commune={c.code_insee}")


def test_commune_deleguee_prend_la_position_de_sa_parente():
    deleguee = (
        Commune.objects.filter(latitude__isnull=True, commune_parente__latitude__isnull=False)
        .select_related("commune_parente")
        .first()
    )
    if deleguee is None:
        pytest.skip("Aucune commune déléguée sans position dans le référentiel")
    props = _france_services(orienter(Reponses(commune=deleguee)))
    assert props
    parente = _france_services(orienter(Reponses(commune=deleguee.commune_parente)))
    assert [x.structure for x in props] == [x.structure for x in parente]


def test_requetes_bornees(django_assert_max_num_queries):
    """3 France services avec chacune un type de rendez-vous : lecture bornée, quel que soit le registre."""
    from tests.rendezvous.fabriques import semaine_type

    c = commune()
    p = Partenaire.objects.get(code="cnaf")
    for x in _france_services(orienter(Reponses(partenaire=p, commune=c))):
        semaine_type(x.structure)
        type_rdv(x.structure, partenaire=p)
    orienter(Reponses(partenaire=p, commune=c))  # index de proximité chaud
    with django_assert_max_num_queries(22):
        props = orienter(Reponses(partenaire=p, commune=c), maintenant=_lundi_8h())
    assert all(x.prochain_creneau for x in _france_services(props))


def test_decision_du_parcours_et_choix():
    from datetime import timedelta

    from django.utils import timezone

    from franceservices.rappels.orientation import choisir_orientation, decision_du_parcours

    reponses = Reponses(commune=commune())
    avant = timezone.now() - timedelta(seconds=1)
    d = enregistrer_decision(reponses=reponses, orientation=Orientation.FRANCE_SERVICES, parcours="abc")
    assert decision_du_parcours("abc", avant) == d
    assert decision_du_parcours("autre", avant) is None
    assert decision_du_parcours("", avant) is None
    assert choisir_orientation(decision_id=d.pk, orientation=Orientation.RAPPEL) == d
    d.refresh_from_db()
    assert d.orientation == Orientation.RAPPEL and DecisionOrientation.objects.count() == 1
    assert choisir_orientation(decision_id=d.pk + 1000, orientation=Orientation.RAPPEL) is None
    with pytest.raises(ValueError):
        choisir_orientation(decision_id=d.pk, orientation="ailleurs")
