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
