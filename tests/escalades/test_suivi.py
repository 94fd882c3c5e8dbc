"""Suivi automatique : relance J+N des référents, signalement du dépassement au contact national, en jours
ouvrés (fériés exclus), idempotent, sans toucher aux escalades en attente, closes ou synthétiques."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.escalades.models import Cote, Engagement, Message, Notification, Statut, TypeNotification
from franceservices.escalades.suivi import suivre
from franceservices.escalades.synthetique import nouvelle_escalade
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

NATIONAL = "contact.national@partenaire.example"
REFERENT = "referent.15@partenaire.example"
AGENT = "agent.15@structure.example"


def le(jour: date):
    return timezone.make_aware(datetime.combine(jour, time(10)))


@pytest.fixture
def contexte():
    structure = Structure.objects.filter(departement__code="15").order_by("pk").first()
    partenaire = Partenaire.objects.order_by("pk").first()
    Engagement.objects.update_or_create(
        partenaire=partenaire,
        defaults={"delai_jours_ouvres": 10, "relance_jours_ouvres": 5, "contact_national": NATIONAL},
    )
    personne(
        Role.REFERENT_PARTENAIRE, partenaire=partenaire, departement=structure.departement, email=REFERENT
    )
    agent = personne(Role.AGENT, structure=structure, email=AGENT)

    def ouvrir(jour: date, **champs):
        return nouvelle_escalade(
            structure=structure, partenaire=partenaire, ouverte_le=le(jour), ouverte_par=agent, **champs
        )

    return ouvrir


def notifications(escalade, type_):
    return list(
        Notification.objects.filter(escalade=escalade, type=type_).values_list("destinataires", flat=True)
    )


def systeme(escalade):
    return list(Message.objects.filter(escalade=escalade, cote=Cote.SYSTEME).values_list("texte", flat=True))


def test_relance_puis_depassement_une_seule_fois(contexte):
    # Lundi 5 octobre 2026 ; pas de férié avant le 19 : relance le lundi 12 (J+5 ouvrés), échéance le 19.
    escalade = contexte(date(2026, 10, 5))
    assert escalade.echeance == date(2026, 10, 19)

    assert suivre(le=date(2026, 10, 9)).relancees == []
    bilan = suivre(le=date(2026, 10, 12))
    assert (bilan.relancees, bilan.signalees) == ([escalade.reference], [])
    escalade.refresh_from_db()
    assert timezone.localdate(escalade.relancee_le) == date(2026, 10, 12)
    assert notifications(escalade, TypeNotification.RELANCE) == [[REFERENT]]
    assert len(systeme(escalade)) == 1 and "Relance automatique" in systeme(escalade)[0]

    # Rejouée (même jour, jours suivants, par la commande) : rien de plus.
    assert suivre(le=date(2026, 10, 12)).relancees == []
    call_command("suivre_escalades", "--date", "2026-10-13", verbosity=0)
    assert suivre(le=date(2026, 10, 19)).signalees == []  # échéance du jour : pas encore en retard
    assert len(notifications(escalade, TypeNotification.RELANCE)) == 1

    bilan = suivre(le=date(2026, 10, 20))
    assert (bilan.relancees, bilan.signalees) == ([], [escalade.reference])
    assert notifications(escalade, TypeNotification.DEPASSEMENT) == [sorted([AGENT, NATIONAL, REFERENT])]
    assert "Délai dépassé" in systeme(escalade)[-1] and "contact national" in systeme(escalade)[-1]
    call_command("suivre_escalades", "--date", "2026-10-21", verbosity=0)
    call_command("suivre_escalades", verbosity=0)
    assert len(notifications(escalade, TypeNotification.DEPASSEMENT)) == 1
    assert len(systeme(escalade)) == 2
    escalade.refresh_from_db()
    assert timezone.localdate(escalade.depassement_signale_le) == date(2026, 10, 20)


def test_jours_feries_exclus(contexte):
    # Vendredi 6 novembre 2026 ; le mercredi 11 novembre est férié : J+5 ouvrés = lundi 16 (et non 13).
    escalade = contexte(date(2026, 11, 6))
    assert suivre(le=date(2026, 11, 13)).relancees == []
    assert suivre(le=date(2026, 11, 16)).relancees == [escalade.reference]


def test_en_attente_close_synthetique_ou_repondue(contexte):
    jour = date(2026, 9, 1)
    attente = contexte(
        jour,
        statut=Statut.ATTENTE_USAGER,
        attente_depuis=le(date(2026, 9, 2)),
        premiere_reponse_le=le(date(2026, 9, 2)),
    )
    attente_structure = contexte(jour, statut=Statut.ATTENTE_STRUCTURE)
    close = contexte(jour, statut=Statut.RESOLUE, close_le=le(date(2026, 9, 3)))
    synthetique = contexte(jour, synthetique=True)
    repondue = contexte(jour, statut=Statut.PRISE_EN_CHARGE, premiere_reponse_le=le(date(2026, 9, 2)))

    bilan = suivre(le=date(2026, 10, 1))
    assert bilan.relancees == []  # répondue : pas de relance…
    assert bilan.signalees == [repondue.reference]  # … mais son retard est signalé
    for escalade in (attente, attente_structure, close, synthetique):
        escalade.refresh_from_db()
        assert escalade.relancee_le is None and escalade.depassement_signale_le is None
        assert not Notification.objects.filter(escalade=escalade).exists()


def test_en_retard_sans_avoir_ete_relancee_seul_le_depassement(contexte):
    escalade = contexte(date(2026, 9, 1))
    bilan = suivre(le=date(2026, 10, 1))
    assert (bilan.relancees, bilan.signalees) == ([], [escalade.reference])
    assert suivre(le=date(2026, 10, 2)).relancees == []


def test_dry_run_et_dates_invalides(contexte, capsys):
    escalade = contexte(date(2026, 10, 5))
    call_command("suivre_escalades", "--dry-run", "--date", "2026-10-12")
    sortie = capsys.readouterr().out
    assert "1 relance(s)" in sortie and escalade.reference in sortie
    escalade.refresh_from_db()
    assert escalade.relancee_le is None
    assert not Notification.objects.exists() and not Message.objects.exists()
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("suivre_escalades", "--date", "12/10/2026")
    with pytest.raises(CommandError, match="futur"):
        call_command("suivre_escalades", "--date", "2999-01-01")


def test_partenaire_sans_engagement_ni_contact(contexte):
    escalade = contexte(date(2026, 10, 5))
    Engagement.objects.filter(partenaire=escalade.partenaire).delete()
    assert suivre(le=date(2026, 10, 12)).relancees == [escalade.reference]  # relance par défaut : 5 j
    assert suivre(le=date(2026, 10, 20)).signalees == [escalade.reference]
    assert notifications(escalade, TypeNotification.DEPASSEMENT) == [sorted([AGENT, REFERENT])]
    assert "Aucun contact national" in systeme(escalade)[-1]


def test_tache_de_suivi(contexte):
    from franceservices.escalades.taches import suivre_escalades_tache

    escalade = contexte(timezone.localdate() - timedelta(days=60))
    bilan = suivre_escalades_tache.call()
    assert bilan["signalees"] == [escalade.reference] and bilan["relancees"] == []
    assert suivre_escalades_tache.call()["signalees"] == []
