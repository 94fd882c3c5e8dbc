import pytest
from django.core.exceptions import ValidationError

from franceservices.comptes.models import Role
from franceservices.core.telephone import normaliser_telephone
from franceservices.rendezvous import actions
from franceservices.rendezvous.models import RendezVous, Statut
from tests.comptes.factories import personne

from .fabriques import a_paris, semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db

AVANT = a_paris(2026, 11, 1, 8)


@pytest.fixture
def structure():
    s = structure_du("16")
    semaine_type(s)
    return s


def reserver(structure, type_, debut, **champs):
    valeurs = {"nom": "Camille Martin", "telephone": "06 12 34 56 78", "courriel": "", "maintenant": AVANT}
    return actions.reserver(structure=structure, type_=type_, debut=debut, **(valeurs | champs))


def test_reserver_puis_le_creneau_n_est_plus_libre(structure):
    type_ = type_rdv(structure)
    rdv = reserver(structure, type_, a_paris(2026, 11, 2, 9, 30))
    assert rdv.fin == a_paris(2026, 11, 2, 10) and rdv.statut == Statut.PREVU
    assert rdv.telephone == "+33612345678"
    with pytest.raises(ValidationError, match="vient d'être pris"):
        reserver(structure, type_, a_paris(2026, 11, 2, 9, 30), nom="Autre")
    with pytest.raises(ValidationError, match="vient d'être pris"):
        reserver(structure, type_rdv(structure, duree=60), a_paris(2026, 11, 2, 9), nom="Chevauche")
    assert RendezVous.objects.filter(structure=structure).count() == 1


@pytest.mark.parametrize(
    ("debut", "message"),
    [
        (a_paris(2026, 10, 30, 9), "passé"),
        (a_paris(2026, 11, 2, 9, 10), "pas proposé"),  # hors grille
        (a_paris(2026, 11, 2, 11, 45), "pas proposé"),  # déborde de la plage
        (a_paris(2026, 11, 2, 12, 30), "pas proposé"),  # pause de midi
        (a_paris(2026, 11, 11, 9), "pas proposé"),  # férié
    ],
)
def test_creneaux_refuses(structure, debut, message):
    with pytest.raises(ValidationError, match=message):
        reserver(structure, type_rdv(structure), debut)
    assert not RendezVous.objects.filter(structure=structure).exists()


def test_creneau_d_une_autre_structure_ou_type_inactif(structure):
    autre = structure_du("15")
    with pytest.raises(ValidationError, match="pas proposé par cette France services"):
        reserver(structure, type_rdv(autre), a_paris(2026, 11, 2, 9))
    with pytest.raises(ValidationError, match="pas proposé par cette France services"):
        reserver(structure, type_rdv(structure, actif=False), a_paris(2026, 11, 2, 9))


def test_contact_obligatoire_et_valide(structure):
    type_ = type_rdv(structure)
    with pytest.raises(ValidationError) as erreur:
        reserver(structure, type_, a_paris(2026, 11, 2, 9), nom="", telephone="", courriel="")
    assert set(erreur.value.message_dict) == {"nom", "telephone"}
    with pytest.raises(ValidationError) as erreur:
        reserver(structure, type_, a_paris(2026, 11, 2, 9), telephone="12345", courriel="pas-un-courriel")
    assert set(erreur.value.message_dict) == {"telephone", "courriel"}
    rdv = reserver(structure, type_, a_paris(2026, 11, 2, 9), telephone="", courriel="camille@exemple.fr")
    assert rdv.courriel == "camille@exemple.fr" and rdv.telephone == ""


@pytest.mark.parametrize(
    ("saisi", "attendu"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("01.23.45.67.89", "+33123456789"),
        ("+33 (0)6 12 34 56 78".replace("(0)", ""), "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("0590 12 34 56", "+590590123456"),
        ("0690 12 34 56", "+590690123456"),
        ("0696 12 34 56", "+596696123456"),
        ("0694 12 34 56", "+594694123456"),
        ("0692 12 34 56", "+262692123456"),
        ("0639 12 34 56", "+262639123456"),
        ("+262 692 12 34 56", "+262692123456"),
        ("+687 12 34 56", "+687123456"),
        ("+689 87 12 34 56", "+68987123456"),
        ("+508 41 23 45", "+508412345"),
    ],
)
def test_telephones_valides(saisi, attendu):
    assert normaliser_telephone(saisi) == attendu


@pytest.mark.parametrize(
    "saisi",
    [
        "",
        "12345",
        "00 12 34 56 78",
        "06 12 34 56",
        "06 12 34 56 78 9",
        "+44 20 7946 0958",
        "06-12-ab-56-78",
    ],
)
def test_telephones_invalides(saisi):
    """Messages détaillés : tests/rappels/test_telephone.py (même validation, `core.telephone`)."""
    with pytest.raises(ValidationError, match=r"[Nn]uméro"):
        normaliser_telephone(saisi)


def test_annuler_avec_le_jeton_puis_le_creneau_se_libere(structure):
    type_ = type_rdv(structure)
    rdv = reserver(structure, type_, a_paris(2026, 11, 2, 9))
    annule = actions.annuler(rendez_vous=rdv, jeton=rdv.jeton, maintenant=AVANT)
    assert annule.statut == Statut.ANNULE and annule.annule_le == AVANT
    assert reserver(structure, type_, a_paris(2026, 11, 2, 9), nom="Suivant").pk != rdv.pk


def test_jeton_falsifie_ou_d_un_autre_rendez_vous(structure):
    type_ = type_rdv(structure)
    rdv = reserver(structure, type_, a_paris(2026, 11, 2, 9))
    autre = reserver(structure, type_, a_paris(2026, 11, 2, 9, 30), nom="Autre")
    falsifie = rdv.jeton[:-1] + ("A" if rdv.jeton[-1] != "A" else "B")
    for jeton in (falsifie, autre.jeton, "", f"{rdv.pk}:faux", str(rdv.pk)):
        with pytest.raises(ValidationError, match="lien d'annulation n'est pas valide"):
            actions.annuler(rendez_vous=rdv, jeton=jeton)
    rdv.refresh_from_db()
    assert rdv.statut == Statut.PREVU


def test_rendez_vous_honore_ne_s_annule_plus(structure):
    rdv = reserver(structure, type_rdv(structure), a_paris(2026, 11, 2, 9))
    RendezVous.objects.filter(pk=rdv.pk).update(statut=Statut.HONORE)
    with pytest.raises(ValidationError, match="déjà eu lieu"):
        actions.annuler(rendez_vous=rdv, jeton=rdv.jeton)


def test_contraintes_en_base(structure):
    from django.db import IntegrityError, transaction

    type_ = type_rdv(structure)
    for champs in (
        {"debut": a_paris(2026, 11, 2, 10), "fin": a_paris(2026, 11, 2, 9), "courriel": "a@exemple.fr"},
        {"debut": a_paris(2026, 11, 2, 9), "fin": a_paris(2026, 11, 2, 10)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            RendezVous.objects.create(structure=structure, type=type_, nom="X", **champs)


def test_visible_par(structure):
    rdv = reserver(structure, type_rdv(structure), a_paris(2026, 11, 2, 9))
    autre_structure = structure_du("15")
    semaine_type(autre_structure)
    ailleurs = reserver(autre_structure, type_rdv(autre_structure), a_paris(2026, 11, 2, 9))
    visibles = {
        "agent": personne(Role.AGENT, structure=structure),
        "responsable": personne(Role.RESPONSABLE, structure=structure),
        "national": personne(Role.EQUIPE_NATIONALE),
        "animateur": personne(Role.ANIMATEUR, departement=structure.departement),
        "sans_role": personne(),
    }
    vus = {cle: set(RendezVous.objects.visible_par(u)) for cle, u in visibles.items()}
    assert vus["agent"] == vus["responsable"] == {rdv}
    assert vus["national"] >= {rdv, ailleurs}
    assert vus["animateur"] == vus["sans_role"] == set()


def test_reserver_outre_mer_en_heure_locale():
    from zoneinfo import ZoneInfo

    s = structure_du("974")
    semaine_type(s)
    neuf_heures = a_paris(2026, 11, 2).replace(tzinfo=ZoneInfo("Indian/Reunion")).replace(hour=9)
    rdv = reserver(s, type_rdv(s), neuf_heures, telephone="0692 12 34 56")
    assert rdv.telephone == "+262692123456"
    assert rdv.debut.astimezone(ZoneInfo("UTC")).hour == 5  # 9 h à La Réunion (UTC+4)
    with pytest.raises(ValidationError, match="pas proposé"):
        reserver(s, type_rdv(s), a_paris(2026, 11, 2, 9), nom="Heure de Paris")  # 12 h à La Réunion
