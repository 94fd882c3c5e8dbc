"""Page des chiffres des escalades : périmètre de chaque rôle, période invalide, synthétiques, export CSV
journalisé."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.escalades.models import Escalade, MotifRejet, Statut
from franceservices.escalades.synthetique import nouvelle_escalade
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne
from tests.core.conftest import connecter

pytestmark = pytest.mark.django_db

URL = reverse("statistiques:escalades")


def mois_precedent():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def monde():
    """Deux partenaires × deux départements (Cantal, Charente) ; une escalade réelle dans chaque case (close
    le mois dernier en 3 jours ouvrés dans le délai), plus une synthétique dans le Cantal."""
    mois = mois_precedent()
    cantal, charente = Departement.objects.get(code="15"), Departement.objects.get(code="16")
    s15 = Structure.objects.filter(departement=cantal).order_by("pk").first()
    s16 = Structure.objects.filter(departement=charente).order_by("pk").first()
    p1, p2 = Partenaire.objects.order_by("pk")[:2]
    ouverte = timezone.make_aware(datetime.combine(mois.replace(day=3), time(10)))
    for s in (s15, s16):
        for p in (p1, p2):
            nouvelle_escalade(
                structure=s,
                partenaire=p,
                ouverte_le=ouverte,
                statut=Statut.RESOLUE,
                close_le=ouverte + timedelta(days=4),
                jours_ouvres_reponse=3,
                dans_les_temps=True,
            )
    nouvelle_escalade(
        structure=s15,
        partenaire=p1,
        ouverte_le=ouverte,
        statut=Statut.REJETEE,
        motif_rejet=MotifRejet.DOUBLON,
        close_le=ouverte + timedelta(days=1),
        jours_ouvres_reponse=1,
        dans_les_temps=True,
        synthetique=True,
    )
    lieu = LieuMediation.objects.create(identifiant="esc-stat", nom="Lieu du Cantal", departement=cantal)
    return {
        "mois": mois,
        "cantal": cantal,
        "charente": charente,
        "s15": s15,
        "p1": p1,
        "p2": p2,
        "lieu": lieu,
    }


def lignes(reponse, tableau):
    """Clés des lignes d'un tableau de la page."""
    import re

    html = reponse.content.decode()
    bloc = html.split(f'data-tableau="{tableau}"', 1)[1].split("</table>", 1)[0]
    return sorted(re.findall(r'data-ligne="([^"]+)"', bloc))


def page(client, utilisateur, **params):
    connecter(client, utilisateur)
    mois = params.pop("mois")
    return client.get(URL, {"du": f"{mois:%Y-%m}", "au": f"{mois:%Y-%m}", **params})


PERIMETRES = {
    # rôle → (habilitation, partenaires vus, départements vus, ouvertes au total)
    "national": (lambda m: personne(Role.EQUIPE_NATIONALE), ["p1", "p2"], ["cantal", "charente"], 4),
    "animateur": (lambda m: personne(Role.ANIMATEUR, departement=m["cantal"]), ["p1", "p2"], ["cantal"], 2),
    "prefecture": (
        lambda m: personne(Role.COORDINATEUR_PREFECTURE, departement=m["charente"]),
        ["p1", "p2"],
        ["charente"],
        2,
    ),
    "referent": (
        lambda m: personne(Role.REFERENT_PARTENAIRE, partenaire=m["p1"], departement=m["cantal"]),
        ["p1"],
        ["cantal"],
        1,
    ),
    "referent_national": (
        lambda m: personne(Role.REFERENT_PARTENAIRE, partenaire=m["p2"], departement=None),
        ["p2"],
        ["cantal", "charente"],
        2,
    ),
    "responsable": (lambda m: personne(Role.RESPONSABLE, structure=m["s15"]), ["p1", "p2"], ["cantal"], 2),
    "agent": (lambda m: personne(Role.AGENT, structure=m["s15"]), ["p1", "p2"], ["cantal"], 2),
}


@pytest.mark.parametrize("role", PERIMETRES)
def test_perimetre_par_role(client, monde, role):
    fabrique, partenaires, departements, total = PERIMETRES[role]
    reponse = page(client, fabrique(monde), mois=monde["mois"])
    assert reponse.status_code == 200
    assert lignes(reponse, "partenaires") == sorted(str(monde[p].pk) for p in partenaires)
    assert lignes(reponse, "departements") == sorted(str(monde[d].pk) for d in departements)
    c = reponse.context["c"]
    assert c.total.ouvertes == total and c.total.closes == total
    assert c.total.mediane == 3 and c.total.part_dans_les_temps == 100.0
    assert c.total.nombre_rejets == 0  # le rejet synthétique est exclu


@pytest.mark.parametrize("qui", ["conseiller", "sans_role"])
def test_sans_perimetre_404(client, monde, qui):
    utilisateur = (
        personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=monde["lieu"])
        if qui == "conseiller"
        else personne()
    )
    assert page(client, utilisateur, mois=monde["mois"]).status_code == 404


def test_anonyme_redirige_vers_la_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("comptes:connexion"))


def test_synthetiques_sur_demande(client, monde):
    reponse = page(client, personne(Role.EQUIPE_NATIONALE), mois=monde["mois"], synthetiques="oui")
    c = reponse.context["c"]
    assert c.avec_synthetiques and c.total.ouvertes == 5 and c.total.nombre_rejets == 1
    assert "synthétiques comprises" in reponse.content.decode()


@pytest.mark.parametrize(
    ("du", "au", "message"),
    [
        ("2026-13", "2026-10", "mois de début"),
        ("2026-10", "2026-01", "Le mois de début doit précéder le mois de fin"),
        ("2026-01", "2999-01", "ne peut pas être après le mois en cours"),
    ],
)
def test_periode_invalide_message_clair(client, monde, du, au, message):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(URL, {"du": du, "au": au})
    assert reponse.status_code == 200
    texte = reponse.content.decode()
    assert "Période invalide" in texte and message in texte.replace("&#x27;", "'")
    assert "Les douze derniers mois sont affichés." in texte
    periode = reponse.context["c"].periode
    assert periode.nombre_de_mois == 12 and periode.au == timezone.localdate().replace(day=1)


def test_periode_vide(client, monde):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    reponse = client.get(URL, {"du": "2019-01", "au": "2019-02"})
    assert "Aucune escalade sur cette période" in reponse.content.decode()


def test_export_csv_journalise(client, monde):
    utilisateur = personne(Role.ANIMATEUR, departement=monde["cantal"])
    reponse = page(client, utilisateur, mois=monde["mois"], export="csv", tableau="partenaires")
    assert reponse.status_code == 200
    contenu = b"".join(reponse.streaming_content).decode("utf-8-sig")
    rangees = list(csv.reader(io.StringIO(contenu), delimiter=";"))
    assert rangees[0][0] == "Partenaire" and "Délai médian (jours ouvrés)" in rangees[0]
    assert sorted(r[0] for r in rangees[1:-1]) == sorted([monde["p1"].nom_court, monde["p2"].nom_court])
    assert rangees[-1][:3] == ["Total", "2", "2"]
    evenement = EvenementAudit.objects.get(evenement=Evenement.EXPORT, acteur=utilisateur)
    assert evenement.details["export"] == "escalades" and evenement.details["lignes"] == 3

    inconnu = client.get(URL, {"export": "csv", "tableau": "usagers"})
    assert inconnu.status_code == 404


def test_nombre_de_requetes_independant_du_volume(client, monde, django_assert_max_num_queries):
    connecter(client, personne(Role.EQUIPE_NATIONALE))
    mois = monde["mois"]
    client.get(URL, {"du": f"{mois:%Y-%m}", "au": f"{mois:%Y-%m}"})
    with django_assert_max_num_queries(14) as requetes:
        client.get(URL, {"du": f"{mois:%Y-%m}", "au": f"{mois:%Y-%m}"})
    avant = len(requetes.captured_queries)
    for _ in range(20):
        nouvelle_escalade(
            structure=monde["s15"],
            partenaire=monde["p2"],
            ouverte_le=timezone.make_aware(datetime.combine(mois.replace(day=9), time(9))),
        )
    with django_assert_max_num_queries(avant):
        client.get(URL, {"du": f"{mois:%Y-%m}", "au": f"{mois:%Y-%m}"})
    assert Escalade.objects.count() == 25
