"""Règles de calcul de la conformité : chaque règle, ses bords, les formats non concernés, les constats."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.label.conformite import Statut, calculer, structures_pour_calcul
from franceservices.label.models import Constat, Critere, Mode
from franceservices.label.regles import Regle, valider_parametres
from franceservices.partenaires.models import Partenaire, Pilote, Presence
from franceservices.structures.models import Anomalie, Format, Structure
from tests.comptes.factories import personne
from tests.formations_dossiers import fabriques as ff

from . import fabriques as f

pytestmark = pytest.mark.django_db

SIX_HEURES = "09:00 - 12:00 / 13:00 - 16:00"  # 6 h


def _verdict(s, code):
    [c] = calculer(structures_pour_calcul(Structure.objects.filter(pk=s.pk))).values()
    return next(v for v in c.verdicts if v.critere.code == code)


def test_liste_de_depart_chargee():
    codes = set(Critere.objects.values_list("code", flat=True))
    assert {
        "ouverture",
        "agents-formes",
        "equipe",
        "partenaires",
        "bureau-confidentiel",
        "neutralite",
    } <= codes
    assert all("à compléter par l'équipe nationale" in c.origine for c in Critere.objects.all())
    assert Critere.objects.get(code="ouverture").parametres == {"heures_min": 24, "jours_min": 5}


def test_ouverture_24_heures_pile_sur_5_jours_conforme():
    s = f.horaires(
        f.structure(),
        dict.fromkeys(("lundi", "mardi", "mercredi", "jeudi", "vendredi"), "09:00 - 12:00 / 13:00 - 14:48"),
    )
    v = _verdict(s, "ouverture")
    assert v.statut == Statut.CONFORME, v.explication
    assert v.explication.startswith("24 h sur 5 jours")


def test_ouverture_insuffisante_explication_chiffree():
    jours = dict.fromkeys(("lundi", "mardi", "mercredi"), SIX_HEURES)
    jours["jeudi"] = "09:00 - 13:00"
    s = f.horaires(f.structure(), jours)
    v = _verdict(s, "ouverture")
    assert v.statut == Statut.NON_CONFORME
    assert v.explication == "22 h sur 4 jours par semaine, il faut 24 h sur 5 jours"


def test_ouverture_seuil_modifie_se_voit_immediatement():
    jours = dict.fromkeys(("lundi", "mardi", "mercredi"), SIX_HEURES)
    jours["jeudi"] = "09:00 - 13:00"
    s = f.horaires(f.structure(), jours)
    f.regler("ouverture", heures_min=20, jours_min=4)
    assert _verdict(s, "ouverture").statut == Statut.CONFORME


def test_ouverture_sans_objet_pour_un_bus():
    s = f.horaires(f.structure(format=Format.BUS), {"lundi": "09:00 - 12:00"})
    v = _verdict(s, "ouverture")
    assert v.statut == Statut.SANS_OBJET
    assert "Bus" in v.explication
    critere = f.critere("ouverture")
    critere.formats = []
    critere.save()
    assert _verdict(s, "ouverture").statut == Statut.NON_CONFORME


def test_agents_formes_et_equipe():
    s = f.structure()
    requis = [ff.module(), ff.module()]
    a1, a2 = ff.agent(s), ff.agent(s)
    for m in requis:
        ff.reussite(a1, m)
    v = _verdict(s, "agents-formes")
    assert (v.statut, v.explication) == (Statut.NON_CONFORME, "1 agent formé, il en faut 2")
    for m in requis:
        ff.reussite(a2, m)
    assert _verdict(s, "agents-formes").statut == Statut.CONFORME
    # Équipe : deux agents, pas de responsable.
    v = _verdict(s, "equipe")
    assert v.statut == Statut.NON_CONFORME
    assert "il faut au moins 1 responsable" in v.explication
    personne(Role.RESPONSABLE, structure=s)
    assert _verdict(s, "equipe").statut == Statut.CONFORME


def test_partenaires_socle_inactif_et_pilote():
    s = f.structure()
    assert _verdict(s, "partenaires").statut == Statut.CONFORME
    socle = Partenaire.objects.filter(presence=Presence.SOCLE).order_by("pk").first()
    socle.actif = False
    socle.save()
    v = _verdict(s, "partenaires")
    assert v.statut == Statut.NON_CONFORME
    assert socle.nom_court in v.explication
    socle.actif = True
    socle.save()
    nationaux = Partenaire.objects.filter(presence__in=[Presence.SOCLE, Presence.AJOUTE], actif=True).count()
    f.regler("partenaires", partenaires_min=nationaux + 1)
    assert _verdict(s, "partenaires").statut == Statut.NON_CONFORME
    pilote = Partenaire.objects.filter(presence=Presence.PILOTE).first() or Partenaire.objects.create(
        code="pilote-test", nom_court="Pilote", nom_complet="Pilote de test", presence=Presence.PILOTE
    )
    p = Pilote.objects.create(partenaire=pilote, nom="Essai", debut=timezone.localdate() - timedelta(days=1))
    p.structures.add(s)
    assert _verdict(s, "partenaires").statut == Statut.CONFORME


def test_horaires_publies():
    s = f.horaires(f.structure(), {})
    assert _verdict(s, "horaires-publies").explication == "aucun horaire publié sur la fiche"
    s = f.horaires(s, {"lundi": SIX_HEURES, "mardi": "non communiqué"})
    v = _verdict(s, "horaires-publies")
    assert v.statut == Statut.NON_CONFORME and "mardi" in v.explication
    s = f.horaires(s, {"lundi": SIX_HEURES})
    assert _verdict(s, "horaires-publies").statut == Statut.CONFORME


def test_donnees_a_jour_anciennete_et_anomalies():
    s = f.structure()
    Anomalie.objects.filter(structure=s).delete()
    assert _verdict(s, "donnees-a-jour").statut == Statut.CONFORME
    Structure.objects.filter(pk=s.pk).update(modifie_le=timezone.now() - timedelta(days=500))
    v = _verdict(s, "donnees-a-jour")
    assert v.statut == Statut.NON_CONFORME and "plus de 12 mois" in v.explication
    f.regler("donnees-a-jour", mois_max=24)
    assert _verdict(s, "donnees-a-jour").statut == Statut.CONFORME
    Anomalie.objects.create(structure=s, champ="telephone", anomalie="numéro invalide")
    v = _verdict(s, "donnees-a-jour")
    assert v.statut == Statut.NON_CONFORME and "1 anomalie à corriger (telephone)" in v.explication
    f.regler("donnees-a-jour", anomalies_max=1)
    assert _verdict(s, "donnees-a-jour").statut == Statut.CONFORME


def test_constate_a_verifier_puis_dernier_constat():
    s = f.structure()
    assert _verdict(s, "bureau-confidentiel").statut == Statut.A_VERIFIER
    critere = f.critere("bureau-confidentiel")
    Constat.objects.create(
        structure=s, critere=critere, conforme=False, commentaire="porte vitrée", date=date(2025, 1, 10)
    )
    Constat.objects.create(structure=s, critere=critere, conforme=True, date=date(2025, 6, 1))
    # Saisi plus tard mais daté d'avant : le plus récent par date fait foi.
    Constat.objects.create(
        structure=s, critere=critere, conforme=False, commentaire="ancien", date=date(2024, 1, 1)
    )
    v = _verdict(s, "bureau-confidentiel")
    assert (v.statut, v.explication) == (Statut.CONFORME, "constaté le 01/06/2025")


def test_critere_desactive_ne_compte_plus():
    s = f.structure()
    f.seuls("ouverture", "neutralite")
    [c] = calculer([s]).values()
    assert [v.critere.code for v in c.verdicts] == ["ouverture", "neutralite"]
    assert c.applicables == 2


@pytest.mark.parametrize(
    ("regle", "parametres", "message"),
    [
        (Regle.HORAIRES_OUVERTURE, {"heures_min": 24}, "valeur manquante"),
        (Regle.HORAIRES_OUVERTURE, {"heures_min": -1, "jours_min": 5}, "entre 0.5 et 168"),
        (Regle.HORAIRES_OUVERTURE, {"heures_min": 24, "jours_min": 8}, "entre 1 et 7"),
        (Regle.HORAIRES_OUVERTURE, {"heures_min": 24, "jours_min": 4.5}, "nombre entier"),
        (Regle.HORAIRES_OUVERTURE, {"heures_min": "24", "jours_min": 5}, "nombre"),
        (Regle.AGENTS_FORMES, {"agents_min": 2, "autre": 1}, "Paramètre inconnu"),
        (Regle.AGENTS_FORMES, {"agents_min": True}, "nombre entier"),
    ],
)
def test_parametres_invalides(regle, parametres, message):
    with pytest.raises(ValidationError) as e:
        valider_parametres(regle, parametres)
    assert message in " ".join(e.value.message_dict["parametres"])


def test_modele_critere_valide():
    c = Critere(code="x", libelle="X", mode=Mode.CALCULE, regle="", parametres={})
    with pytest.raises(ValidationError):
        c.full_clean()
    c = Critere(code="y", libelle="Y", mode=Mode.CONSTATE, regle=Regle.EQUIPE)
    with pytest.raises(ValidationError):
        c.full_clean()
    c = Critere(code="z", libelle="Z", mode=Mode.CONSTATE, formats=["soucoupe"])
    with pytest.raises(ValidationError):
        c.full_clean()
