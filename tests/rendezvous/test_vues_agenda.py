"""Pages de l'agenda (jour, semaine), actions en ligne (venue, absence, annulation), conversion en demandes,
prise de rendez-vous par un agent ; journal d'accès aux données personnelles ; nombre de requêtes."""

import html as html_
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.activite.models import Canal, Demande, Demarche
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.rendezvous.models import RendezVous, Statut
from tests.comptes.factories import personne
from tests.escalades.fabriques import connecter

from .agenda_outils import NOM, a, jour_local, rdv
from .fabriques import semaine_type, structure_du, type_rdv

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html_.unescape(reponse.content.decode())


@pytest.fixture
def structure():
    s = structure_du("16")
    semaine_type(s)
    return s


@pytest.fixture
def agent(client, structure):
    return connecter(client, personne(Role.AGENT, structure=structure))


def _acces(structure):
    return EvenementAudit.objects.filter(
        evenement=Evenement.ACCES_DONNEES_PERSONNELLES, cible_id=str(structure.pk)
    ).count()


def test_agenda_du_jour_affiche_les_rendez_vous_et_journalise_l_acces(client, structure, agent):
    type_ = type_rdv(structure)
    r = rdv(structure, type_, timezone.now() + timedelta(minutes=30))
    jour = r.debut.astimezone(structure.fuseau).date()
    reponse = client.get(reverse("agenda:jour"), {"structure": structure.pk, "jour": jour.isoformat()})
    assert reponse.status_code == 200
    html = texte(reponse)
    assert f'data-rdv="{r.pk}"' in html and NOM in html and "01 99 00 00 01" in html
    assert 'data-action="venue"' in html
    assert _acces(structure) == 1
    client.get(reverse("agenda:jour"), {"structure": structure.pk, "jour": jour.isoformat()})
    assert _acces(structure) == 2  # une fois par consultation


def test_agenda_vide_sans_journal(client, structure, agent):
    reponse = client.get(reverse("agenda:jour"), {"structure": structure.pk, "jour": "2026-01-05"})
    assert reponse.status_code == 200 and "data-vide" in texte(reponse)
    assert _acces(structure) == 0


def test_date_invalide_et_structure_invalide(client, structure, agent):
    reponse = client.get(reverse("agenda:jour"), {"structure": structure.pk, "jour": "31/02"})
    assert reponse.status_code == 200 and "non reconnue" in texte(reponse)
    assert client.get(reverse("agenda:jour"), {"structure": "abc"}).status_code == 404
    assert client.get(reverse("agenda:jour"), {"structure": "99999999999"}).status_code == 404


def test_structure_par_defaut_et_choix_quand_plusieurs(client, structure):
    autre = structure_du("15")
    utilisateur = personne(Role.AGENT, structure=structure)
    from franceservices.comptes.models import Habilitation

    Habilitation.objects.create(utilisateur=utilisateur, role=Role.AGENT, structure=autre)
    connecter(client, utilisateur)
    html = texte(client.get(reverse("agenda:jour")))
    assert "data-choix-structure" in html and autre.nom in html
    assert client.get(reverse("agenda:jour"), {"structure": autre.pk}).status_code == 200


def test_semaine_groupe_par_jour_heure_locale(client, structure, agent):
    type_ = type_rdv(structure)
    lundi = timezone.localdate(timezone=structure.fuseau) + timedelta(days=7)
    lundi -= timedelta(days=lundi.weekday())
    r1 = rdv(structure, type_, a(lundi, 9))
    r2 = rdv(structure, type_, a(lundi, 23, 30, plus=1))  # 22 h 30 UTC
    reponse = client.get(reverse("agenda:semaine"), {"structure": structure.pk, "jour": lundi.isoformat()})
    html = texte(reponse)
    assert reponse.status_code == 200
    mardi = (lundi + timedelta(days=1)).isoformat()
    section = html[html.index(f'data-jour="{mardi}"') :]
    assert f'data-rdv="{r2.pk}"' in section and "23:30" in section
    assert (
        f'data-rdv="{r1.pk}"'
        in html[html.index(f'data-jour="{lundi.isoformat()}"') : html.index(f'data-jour="{mardi}"')]
    )


def test_agenda_semaine_nombre_de_requetes_borne(client, structure, agent, django_assert_max_num_queries):
    type_ = type_rdv(structure)
    lundi = timezone.localdate(timezone=structure.fuseau) + timedelta(days=14)
    lundi -= timedelta(days=lundi.weekday())

    def compter():
        with django_assert_max_num_queries(12) as requetes:
            reponse = client.get(
                reverse("agenda:semaine"), {"structure": structure.pk, "jour": lundi.isoformat()}
            )
        assert reponse.status_code == 200
        return len(requetes.captured_queries)

    rdv(structure, type_, a(lundi, 9))
    peu = compter()
    for jour in range(5):
        for heure in (9, 10, 11, 14, 15, 16):
            rdv(structure, type_, a(lundi, heure, 30, plus=jour))
    assert compter() == peu  # pas de N+1


def _post(client, nom, r, htmx=False):
    entetes = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse(f"agenda:{nom}", args=[r.pk]), {"vue": "jour"}, **entetes)


def test_venue_sans_js_puis_htmx_refuse_une_seconde_fois(client, structure, agent):
    r = rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=10))
    reponse = _post(client, "venue", r)
    assert reponse.status_code == 302 and "jour=" in reponse["Location"]
    r.refresh_from_db()
    assert r.statut == Statut.HONORE and r.arrive_le and r.statut_note_par == agent
    reponse = _post(client, "venue", r, htmx=True)
    html = texte(reponse)
    assert reponse.status_code == 200 and html.strip().startswith("<tr") and "déjà notée" in html
    assert 'data-action="demandes"' in html
    assert EvenementAudit.objects.filter(evenement=Evenement.RDV_STATUT, cible_id=str(r.pk)).count() == 1


def test_absence_seulement_une_fois_l_heure_passee(client, structure, agent):
    futur = rdv(structure, type_rdv(structure), timezone.now() + timedelta(hours=1))
    reponse = _post(client, "absence", futur, htmx=True)
    assert "une fois l'heure passée" in texte(reponse)
    futur.refresh_from_db()
    assert futur.statut == Statut.PREVU
    passe = rdv(structure, futur.type, timezone.now() - timedelta(hours=1))
    _post(client, "absence", passe)
    passe.refresh_from_db()
    assert passe.statut == Statut.ABSENT


def test_honorer_un_annule_refuse(client, structure, agent):
    r = rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=5), statut=Statut.ANNULE)
    reponse = _post(client, "venue", r)
    assert reponse.status_code == 302
    r.refresh_from_db()
    assert r.statut == Statut.ANNULE
    suite = texte(client.get(reponse["Location"]))
    assert "a été annulé" in suite


def test_annuler_pour_l_usager_avec_motif(
    client, structure, agent, sms_en_memoire, django_capture_on_commit_callbacks
):
    r = rdv(structure, type_rdv(structure), timezone.now() + timedelta(days=1))
    url = reverse("agenda:annuler", args=[r.pk])
    assert client.get(url).status_code == 200
    vide = client.post(url, {"motif": ""})
    assert vide.status_code == 200 and "Indiquez le motif" in texte(vide)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {"motif": "L'usager a appelé : empêchement"})
    assert reponse.status_code == 302
    r.refresh_from_db()
    assert r.statut == Statut.ANNULE and r.annule_le
    motif = EvenementAudit.objects.get(evenement=Evenement.RDV_MODIFIE, details__action="motif_annulation")
    assert motif.details["motif"] == "L'usager a appelé : empêchement" and NOM not in str(motif.details)


def _demarche():
    return (
        Demarche.objects.filter(actif=True, partenaire__actif=True)
        .select_related("partenaire")
        .order_by("pk")[0]
    )


def _formulaire_conversion(client, r):
    reponse = client.get(reverse("agenda:demandes", args=[r.pk]))
    assert reponse.status_code == 200
    form = reponse.context["demandes"]
    ligne = form.forms[0].initial
    return reponse, {
        "demandes-TOTAL_FORMS": "1",
        "demandes-INITIAL_FORMS": "0",
        "demandes-MIN_NUM_FORMS": "1",
        "demandes-MAX_NUM_FORMS": "20",
        "demandes-0-cle_client": str(ligne["cle_client"]),
        "demandes-0-demarche_catalogue": str(ligne.get("demarche_catalogue", "")),
        "demandes-0-niveau": "accompagnement",
        "demandes-0-issue": "finalisee",
        "demandes-0-duree": str(ligne["duree"]),
        "canal": reponse.context["visite"].initial["canal"],
        "date_heure": reponse.context["visite"].initial["date_heure"],
    }


def test_conversion_en_demandes_pre_remplie_et_une_seule_fois(client, structure, agent):
    demarche = _demarche()
    type_ = type_rdv(structure, duree=30, partenaire=demarche.partenaire, demarche=demarche)
    r = rdv(structure, type_, timezone.now() - timedelta(minutes=40))
    _post(client, "venue", r)
    reponse, donnees = _formulaire_conversion(client, r)
    assert donnees["demandes-0-demarche_catalogue"] == str(demarche.pk)
    assert donnees["canal"] == Canal.ACCUEIL_PHYSIQUE and donnees["demandes-0-duree"] == "30"
    # une seconde demande, sans démarche : partenaire + thème
    donnees |= {
        "demandes-TOTAL_FORMS": "2",
        "demandes-1-cle_client": "8d7c1f3e-1111-4a4a-9b9b-123456789abc",
        "demandes-1-partenaire": str(demarche.partenaire_id),
        "demandes-1-theme": demarche.theme,
        "demandes-1-niveau": "information",
        "demandes-1-issue": "finalisee",
        "demandes-1-duree": "15",
    }
    reponse = client.post(reverse("agenda:demandes", args=[r.pk]), donnees)
    assert reponse.status_code == 302, texte(reponse)[:3000]
    r.refresh_from_db()
    demandes = Demande.objects.filter(structure=structure, agent=agent).order_by("pk")
    assert demandes.count() == 2 and r.demande == demandes[0]
    assert demandes[0].demarche == demarche and demandes[0].canal == Canal.ACCUEIL_PHYSIQUE
    # une seconde conversion est refusée
    reponse = client.get(reverse("agenda:demandes", args=[r.pk]))
    assert reponse.status_code == 302
    reponse = client.post(
        reverse("agenda:demandes", args=[r.pk]),
        donnees | {"demandes-0-cle_client": "8d7c1f3e-2222-4a4a-9b9b-123456789abc"},
    )
    assert reponse.status_code == 302 and Demande.objects.filter(structure=structure).count() == 2


def test_conversion_d_un_rendez_vous_non_honore_refusee(client, structure, agent):
    r = rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=40))
    reponse = client.get(reverse("agenda:demandes", args=[r.pk]))
    assert reponse.status_code == 302
    assert "notez d'abord sa venue" in texte(client.get(reponse["Location"]))


def test_conversion_formulaire_invalide(client, structure, agent):
    r = rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=40))
    _post(client, "venue", r)
    _, donnees = _formulaire_conversion(client, r)
    donnees["demandes-0-demarche_catalogue"] = ""
    reponse = client.post(reverse("agenda:demandes", args=[r.pk]), donnees)
    assert reponse.status_code == 200 and "data-erreurs" in texte(reponse)
    r.refresh_from_db()
    assert r.demande is None


def test_ajouter_une_ligne_sans_js(client, structure, agent):
    r = rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=40))
    _post(client, "venue", r)
    _, donnees = _formulaire_conversion(client, r)
    reponse = client.post(reverse("agenda:demandes", args=[r.pk]), donnees | {"ajouter": "1"})
    assert reponse.status_code == 200 and len(reponse.context["demandes"].forms) == 2


def test_canal_selon_la_modalite(structure):
    from franceservices.rendezvous.agenda import canal_du

    assert canal_du(rdv(structure, type_rdv(structure, modalite="telephone"))) == Canal.TELEPHONE
    assert canal_du(rdv(structure, type_rdv(structure, modalite="visio"))) == Canal.VISIO


def test_prendre_un_rendez_vous_pour_un_usager(client, structure, agent, django_capture_on_commit_callbacks):
    type_ = type_rdv(structure)
    url = reverse("agenda:nouveau")
    reponse = client.get(url, {"structure": structure.pk, "type": type_.pk})
    assert reponse.status_code == 200
    jours = reponse.context["jours"]
    assert jours, "des créneaux libres sur 7 jours"
    creneau = jours[-1]["creneaux"][0]["valeur"]
    donnees = {
        "structure": structure.pk,
        "type": type_.pk,
        "debut": creneau,
        "nom": "Usager au guichet",
        "telephone": "06 99",
    }
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200 and "pas valide" in texte(reponse)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, donnees | {"telephone": "01 99 00 00 02"})
    assert reponse.status_code == 302
    cree = RendezVous.objects.get(nom="Usager au guichet")
    assert cree.telephone == "+33199000002" and cree.debut == datetime.fromisoformat(creneau)
    # le même créneau une seconde fois : refusé avec un message
    reponse = client.post(url, donnees | {"telephone": "01 99 00 00 03", "nom": "Autre"})
    assert reponse.status_code == 200 and "vient d'être pris" in texte(reponse)


def test_prendre_rendez_vous_sans_type(client, structure, agent):
    reponse = client.get(reverse("agenda:nouveau"), {"structure": structure.pk})
    assert reponse.status_code == 200 and "Aucun type de rendez-vous" in texte(reponse)


def test_equipe_nationale_choisit_la_france_services(client, structure):
    type_ = type_rdv(structure)
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(reverse("agenda:jour"))
    assert reponse.status_code == 200 and "data-choix-structure" in texte(reponse)
    assert f'value="{structure.pk}"' in texte(reponse)
    r = rdv(structure, type_, timezone.now() - timedelta(minutes=5))
    reponse = client.get(reverse("agenda:semaine"), {"structure": structure.pk, "jour": jour_local(r)})
    assert reponse.status_code == 200 and f'data-rdv="{r.pk}"' in texte(reponse)
    assert 'data-action="venue"' not in texte(reponse)  # lecture seule


def test_actions_protegees_par_csrf(structure):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    connecter(client, personne(Role.AGENT, structure=structure))
    r = rdv(structure, type_rdv(structure), timezone.now() - timedelta(minutes=5))
    assert client.post(reverse("agenda:venue", args=[r.pk])).status_code == 403
    r.refresh_from_db()
    assert r.statut == Statut.PREVU


@pytest.mark.parametrize("jour", ["0001-01-01", "9999-12-31"])
def test_dates_extremes_sans_erreur(client, structure, agent, jour):
    for vue in ("agenda:jour", "agenda:semaine"):
        reponse = client.get(reverse(vue), {"structure": structure.pk, "jour": jour})
        assert reponse.status_code == 200 and "hors de l'agenda" in texte(reponse)
    type_ = type_rdv(structure)
    reponse = client.get(
        reverse("agenda:nouveau"), {"structure": structure.pk, "type": type_.pk, "jour": jour}
    )
    assert reponse.status_code == 200


def test_prendre_un_rendez_vous_a_un_arret_itinerant(client, structure, agent):
    from franceservices.rendezvous.models import Arret
    from franceservices.territoires.models import Commune

    commune = Commune.objects.filter(departement=structure.departement).order_by("code_insee")[0]
    arret = Arret.objects.create(
        structure=structure,
        libelle="Place du marché",
        commune=commune,
        jour_semaine=2,
        heure_debut="14:00",
        heure_fin="16:00",
    )
    type_ = type_rdv(structure)
    reponse = client.get(
        reverse("agenda:nouveau"), {"structure": structure.pk, "type": type_.pk, "arret": arret.pk}
    )
    jours = reponse.context["jours"]
    assert jours and all(j["jour"].weekday() == 2 for j in jours)
    creneau = jours[0]["creneaux"][0]
    assert creneau["debut"].astimezone(structure.fuseau).hour == 14
    reponse = client.post(
        reverse("agenda:nouveau"),
        {
            "structure": structure.pk,
            "type": type_.pk,
            "arret": arret.pk,
            "debut": creneau["valeur"],
            "nom": "Usager du bus",
            "telephone": "01 99 00 00 09",
        },
    )
    assert reponse.status_code == 302
    cree = RendezVous.objects.get(nom="Usager du bus")
    assert cree.arret == arret
    html = texte(client.get(reverse("agenda:jour"), {"structure": structure.pk, "jour": jour_local(cree)}))
    assert "arrêt Place du marché" in html and commune.nom in html
    reponse = client.get(
        reverse("agenda:nouveau"), {"structure": structure.pk, "type": type_.pk, "arret": 999999}
    )
    assert reponse.status_code == 200 and "Arrêt inconnu" in texte(reponse)
