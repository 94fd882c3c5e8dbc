"""Pages du label : matrice rôle × périmètre (hors périmètre → 404), saisies invalides, critères, export."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.label.conformite import resumes
from franceservices.label.models import Constat, Critere, Dossier, Etat, ModificationCritere, ReglageCycle
from franceservices.partenaires.models import Partenaire
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    ici, voisine, ailleurs = f.structure("16", 0), f.structure("16", 1), f.structure("15", 0)
    Structure.objects.filter(pk__in=[ici.pk, voisine.pk, ailleurs.pk]).update(
        date_labellisation=date(2023, 5, 2)
    )
    return {
        "ici": ici,
        "voisine": voisine,
        "ailleurs": ailleurs,
        "comptes": {
            "agent": personne(Role.AGENT, structure=ici),
            "responsable": personne(Role.RESPONSABLE, structure=ici),
            "animateur": personne(Role.ANIMATEUR, departement=ici.departement),
            "animateur_ailleurs": personne(Role.ANIMATEUR, departement=ailleurs.departement),
            "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=ici.departement),
            "national": personne(Role.EQUIPE_NATIONALE),
            "referent": personne(
                Role.REFERENT_PARTENAIRE,
                partenaire=Partenaire.objects.order_by("pk").first(),
                departement=ici.departement,
            ),
            "sans_role": personne(),
        },
    }


# Cibles : index, departement (16), departement_ailleurs (15), structure_ici, structure_voisine, structure_ailleurs,
# constat_ici (formulaire), criteres, export (16).
MATRICE = {
    "agent": {
        "index": 200,
        "departement": 404,
        "structure_ici": 200,
        "structure_voisine": 404,
        "structure_ailleurs": 404,
        "constat_ici": 403,
        "criteres": 403,
        "export": 404,
    },
    "responsable": {
        "index": 200,
        "structure_ici": 200,
        "structure_voisine": 404,
        "departement": 404,
        "constat_ici": 403,
    },
    "animateur": {
        "index": 200,
        "departement": 200,
        "departement_ailleurs": 404,
        "structure_ici": 200,
        "structure_voisine": 200,
        "structure_ailleurs": 404,
        "constat_ici": 403,
        "criteres": 200,
        "export": 200,
    },
    "animateur_ailleurs": {
        "departement": 404,
        "structure_ici": 404,
        "structure_voisine": 404,
        "export": 404,
        "constat_ici": 404,
    },
    "prefecture": {
        "index": 200,
        "departement": 200,
        "departement_ailleurs": 404,
        "structure_ici": 200,
        "structure_ailleurs": 404,
        "constat_ici": 200,
        "criteres": 200,
        "export": 200,
    },
    "national": {
        "index": 200,
        "departement": 200,
        "departement_ailleurs": 200,
        "structure_ailleurs": 200,
        "constat_ici": 200,
        "criteres": 200,
        "export": 200,
    },
    "referent": {"index": 403, "departement": 404, "structure_ici": 404, "criteres": 403, "export": 404},
    "sans_role": {"index": 403, "departement": 404, "structure_ici": 404, "criteres": 403},
}


def _url(monde, cible):
    return {
        "index": reverse("label:index"),
        "departement": reverse("label:departement", args=[monde["ici"].departement.code]),
        "departement_ailleurs": reverse("label:departement", args=[monde["ailleurs"].departement.code]),
        "structure_ici": reverse("label:structure", args=[monde["ici"].pk]),
        "structure_voisine": reverse("label:structure", args=[monde["voisine"].pk]),
        "structure_ailleurs": reverse("label:structure", args=[monde["ailleurs"].pk]),
        "constat_ici": reverse("label:constat", args=[monde["ici"].pk]),
        "criteres": reverse("label:criteres"),
        "export": reverse("label:export_departement", args=[monde["ici"].departement.code]),
    }[cible]


CAS = [(compte, cible, code) for compte, cibles in MATRICE.items() for cible, code in cibles.items()]


@pytest.mark.parametrize(("compte", "cible", "code"), CAS, ids=[f"{a}-{b}" for a, b, _ in CAS])
def test_matrice(client, monde, compte, cible, code):
    f.connecter(client, monde["comptes"][compte])
    assert client.get(_url(monde, cible)).status_code == code


def test_identifiants_inconnus_et_anonyme(client, monde):
    assert client.get(reverse("label:index")).status_code == 302
    f.connecter(client, monde["comptes"]["national"])
    assert client.get(reverse("label:structure", args=[10**9])).status_code == 404
    assert client.get(reverse("label:departement", args=["ZZZZ"])).status_code == 404
    assert client.get("/label/departement/1%27--/").status_code == 404
    assert client.get(reverse("label:critere", args=[10**9])).status_code == 404


def test_animateur_d_un_autre_departement_ne_peut_rien_ecrire(client, monde):
    f.connecter(client, monde["comptes"]["animateur_ailleurs"])
    ici = monde["ici"]
    r = client.post(
        reverse("label:transition", args=[ici.pk]), {"vers": Etat.AUDIT, "date_effet": "2025-01-01"}
    )
    assert r.status_code == 404
    r = client.post(reverse("label:constat", args=[ici.pk]), {})
    assert r.status_code == 404
    assert not Dossier.objects.filter(structure=ici).exists()


def test_index_national_par_departement_filtrable(client, monde):
    f.connecter(client, monde["comptes"]["national"])
    html = client.get(
        reverse("label:index"), {"region": monde["ici"].departement.region.code}
    ).content.decode()
    assert 'data-departement="16"' in html and 'data-departement="15"' not in html
    html = client.get(reverse("label:index"), {"region": "999"}).content.decode()
    assert "data-vide" in html


def test_page_structure_explications(client, monde):
    f.connecter(client, monde["comptes"]["agent"])
    html = client.get(reverse("label:structure", args=[monde["ici"].pk])).content.decode()
    assert "il en faut 2" in html
    assert "Pas encore constaté à l&#x27;audit" in html
    assert "Labellisée (registre)" in html
    assert 'data-formulaire="etape"' not in html  # l'agent voit, ne décide pas
    assert 'data-action="constat"' not in html


def test_porteur_depose_prefecture_instruit(client, monde):
    ici = monde["ici"]
    Structure.objects.filter(pk=ici.pk).update(date_labellisation=None)
    f.connecter(client, monde["comptes"]["responsable"])
    html = client.get(reverse("label:structure", args=[ici.pk])).content.decode()
    assert 'data-formulaire="etape"' in html
    r = client.post(
        reverse("label:transition", args=[ici.pk]),
        {"vers": Etat.CANDIDATURE, "date_effet": timezone.localdate().isoformat(), "commentaire": ""},
    )
    assert r.status_code == 302
    # Le porteur ne peut pas instruire : le choix n'est pas proposé.
    r = client.post(
        reverse("label:transition", args=[ici.pk]),
        {"vers": Etat.INSTRUCTION, "date_effet": timezone.localdate().isoformat()},
    )
    assert r.status_code == 403
    f.connecter(client, monde["comptes"]["prefecture"])
    r = client.post(
        reverse("label:transition", args=[ici.pk]),
        {"vers": Etat.INSTRUCTION, "date_effet": timezone.localdate().isoformat()},
    )
    assert r.status_code == 302
    assert Dossier.objects.get(structure=ici).etat == Etat.INSTRUCTION


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"vers": "", "date_effet": "2025-01-01"}, "Choisissez l&#x27;étape."),
        ({"vers": "inconnu", "date_effet": "2025-01-01"}, "pas possible depuis l&#x27;état actuel"),
        ({"vers": Etat.CANDIDATURE, "date_effet": "2025-01-01"}, "pas possible depuis l&#x27;état actuel"),
        (
            {"vers": Etat.SUSPENDUE, "date_effet": "2025-01-01", "commentaire": " "},
            "commentaire est obligatoire",
        ),
        ({"vers": Etat.AUDIT, "date_effet": "demain"}, "Date invalide"),
        ({"vers": Etat.AUDIT, "date_effet": "2999-01-01"}, "dans le futur"),
    ],
)
def test_transition_invalide(client, monde, donnees, message):
    f.connecter(client, monde["comptes"]["prefecture"])
    r = client.post(reverse("label:transition", args=[monde["ici"].pk]), donnees)
    assert r.status_code == 200
    html = r.content.decode()
    assert "data-erreurs" in html and message in html
    assert not Dossier.objects.filter(structure=monde["ici"]).exists()


def test_constat_saisi_par_la_prefecture(client, monde):
    f.connecter(client, monde["comptes"]["prefecture"])
    critere = Critere.objects.get(code="bureau-confidentiel")
    url = reverse("label:constat", args=[monde["ici"].pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"critere": critere.pk, "conforme": "non", "date": timezone.localdate().isoformat()})
    assert r.status_code == 200 and "Décrivez ce qui n&#x27;est pas conforme." in r.content.decode()
    r = client.post(
        url, {"critere": Critere.objects.get(code="ouverture").pk, "conforme": "oui", "date": "2025-01-01"}
    )
    assert "pas constaté à l&#x27;audit" in r.content.decode()
    r = client.post(
        url,
        {
            "critere": critere.pk,
            "conforme": "oui",
            "date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        },
    )
    assert "dans le futur" in r.content.decode()
    assert Constat.objects.count() == 0
    r = client.post(
        url, {"critere": critere.pk, "conforme": "non", "date": "2025-01-01", "commentaire": "Porte vitrée"}
    )
    assert r.status_code == 302
    constat = Constat.objects.get()
    assert (constat.conforme, constat.auteur) == (False, monde["comptes"]["prefecture"])
    assert "Porte vitrée" in client.get(reverse("label:structure", args=[monde["ici"].pk])).content.decode()


def test_critere_modifie_par_le_national_avec_historique(client, monde):
    national = monde["comptes"]["national"]
    f.connecter(client, national)
    critere = Critere.objects.get(code="ouverture")
    url = reverse("label:critere", args=[critere.pk])
    base = {"libelle": critere.libelle, "description": "", "ordre": 10, "formats": ["fixe"]}
    r = client.post(url, {**base, "p_heures_min": "200", "p_jours_min": "0"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "au plus 168" in html and "au moins 1" in html
    r = client.post(url, {**base, "p_heures_min": "abc", "p_jours_min": "5"})
    assert "un nombre est attendu" in r.content.decode()
    r = client.post(url, {**base, "libelle": "", "p_heures_min": "20", "p_jours_min": "4"})
    assert "Donnez un libellé" in r.content.decode()
    critere.refresh_from_db()
    assert critere.parametres == {"heures_min": 24, "jours_min": 5}
    r = client.post(url, {**base, "p_heures_min": "20.5", "p_jours_min": "4"})
    assert r.status_code == 302
    critere.refresh_from_db()
    assert critere.parametres == {"heures_min": 20.5, "jours_min": 4}
    assert critere.formats == ["fixe"]
    modif = ModificationCritere.objects.get(critere=critere)
    assert modif.auteur == national
    assert modif.changements["parametres"] == [
        {"heures_min": 24, "jours_min": 5},
        {"heures_min": 20.5, "jours_min": 4},
    ]
    assert "20.5" in client.get(url).content.decode()


def test_critere_lecture_seule_pour_les_pilotes(client, monde):
    f.connecter(client, monde["comptes"]["animateur"])
    critere = Critere.objects.get(code="ouverture")
    html = client.get(reverse("label:critere", args=[critere.pk])).content.decode()
    assert 'data-formulaire="critere"' not in html
    assert client.post(reverse("label:critere", args=[critere.pk]), {"libelle": "x"}).status_code == 403
    assert client.post(reverse("label:critere_basculer", args=[critere.pk])).status_code == 403
    assert client.get(reverse("label:critere_nouveau")).status_code == 403
    assert client.post(reverse("label:criteres"), {"duree_mois": 1, "preavis_jours": 1}).status_code == 403
    critere.refresh_from_db()
    assert critere.actif and critere.libelle != "x"


def test_desactiver_plutot_que_supprimer(client, monde):
    f.connecter(client, monde["comptes"]["national"])
    critere = Critere.objects.get(code="neutralite")
    avant = resumes([monde["ici"].pk])[monde["ici"].pk].applicables
    assert client.post(reverse("label:critere_basculer", args=[critere.pk])).status_code == 302
    critere.refresh_from_db()
    assert not critere.actif
    assert resumes([monde["ici"].pk])[monde["ici"].pk].applicables == avant - 1


def test_nouveau_critere(client, monde):
    f.connecter(client, monde["comptes"]["national"])
    url = reverse("label:critere_nouveau")
    r = client.post(url, {"code": "Accueil Tel", "libelle": "Accueil", "mode": "constate", "ordre": 1})
    assert "lettres minuscules" in r.content.decode()
    r = client.post(url, {"code": "neutralite", "libelle": "Double", "mode": "constate", "ordre": 1})
    assert "Un critère porte déjà ce code." in r.content.decode()
    r = client.post(url, {"code": "calc", "libelle": "Calculé", "mode": "calcule", "ordre": 1})
    assert "Choisissez la règle" in r.content.decode()
    r = client.post(
        url, {"code": "calc", "libelle": "Calculé", "mode": "constate", "regle": "equipe", "ordre": 1}
    )
    assert "n&#x27;a pas de règle" in r.content.decode()
    r = client.post(
        url,
        {"code": "equipe-3", "libelle": "Trois personnes", "mode": "calcule", "regle": "equipe", "ordre": 1},
    )
    critere = Critere.objects.get(code="equipe-3")
    assert r.status_code == 302 and r["Location"] == reverse("label:critere", args=[critere.pk])
    assert critere.parametres == {"agents_min": 2, "responsables_min": 1}


def test_reglage_du_cycle(client, monde):
    f.connecter(client, monde["comptes"]["national"])
    r = client.post(reverse("label:criteres"), {"duree_mois": "0", "preavis_jours": "abc"})
    html = r.content.decode()
    assert "Au moins 1 mois." in html and "nombre entier de jours" in html
    assert (
        client.post(reverse("label:criteres"), {"duree_mois": "48", "preavis_jours": "60"}).status_code == 302
    )
    assert ReglageCycle.courant().duree_mois == 48
    assert resumes([monde["ici"].pk])[monde["ici"].pk].prochaine_echeance == date(2027, 5, 2)


def test_departement_filtre_pagination_et_export(client, monde):
    f.connecter(client, monde["comptes"]["animateur"])
    code = monde["ici"].departement.code
    html = client.get(reverse("label:departement", args=[code]), {"filtre": "conformes"}).content.decode()
    assert "data-vide" in html  # aucune n'a d'équipe habilitée : aucune conforme
    html = client.get(
        reverse("label:departement", args=[code]), {"filtre": "echeance", "page": "abc"}
    ).content.decode()
    assert f'data-structure="{monde["ici"].pk}"' in html
    r = client.get(reverse("label:export_departement", args=[code]))
    contenu = b"".join(r.streaming_content).decode()
    assert r["Content-Type"].startswith("text/csv")
    lignes = contenu.strip().splitlines()
    assert lignes[0].lstrip("\ufeff").startswith("id_fs;France services;")
    assert len(lignes) == 1 + Structure.objects.filter(departement__code=code).count()


def test_resumes_en_requetes_fixes(django_assert_max_num_queries):
    ids = list(Structure.objects.filter(departement__code__in=["16", "59"]).values_list("pk", flat=True))
    with django_assert_max_num_queries(12):
        petits = resumes(ids[:2])
    with django_assert_max_num_queries(12):
        grands = resumes(ids)
    assert len(petits) == 2 and len(grands) == len(ids) > 50
    assert set(grands[ids[0]].__dict__) >= {
        "etat",
        "conformes",
        "applicables",
        "non_conformes",
        "prochaine_echeance",
    }


def test_index_animateur_son_departement_seulement(client, monde):
    f.connecter(client, monde["comptes"]["animateur"])
    html = client.get(reverse("label:index")).content.decode()
    assert 'data-departement="16"' in html and 'data-departement="15"' not in html
    assert "animateur départemental" in html  # la phrase du périmètre
