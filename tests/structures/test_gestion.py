"""Gestion des fiches par leur équipe : liste du périmètre, modification (coordonnées, horaires), historique.

Sur les vraies France services du Cantal (15, « chez soi ») et de la Charente (16, « ailleurs »).
"""

from datetime import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from franceservices.comptes.middleware import CLE_SESSION
from franceservices.comptes.models import Role
from franceservices.core.models import Evenement, EvenementAudit
from franceservices.mediation.models import LieuMediation
from franceservices.partenaires.models import Partenaire
from franceservices.structures import proximite
from franceservices.structures.actions import CHAMPS_COORDONNEES, modifier_structure
from franceservices.structures.forms_gestion import HorairesForm, normaliser_telephone
from franceservices.structures.horaires import JOURS, HorairesJour, HorairesSemaine, Plage
from franceservices.structures.models import Format, ModificationStructure, Structure
from franceservices.territoires.models import Departement
from tests.comptes.factories import UtilisateurFactory, personne

pytestmark = pytest.mark.django_db

ROLES = [
    "agent",
    "responsable",
    "responsable_voisine",
    "animateur",
    "animateur_ailleurs",
    "prefecture",
    "referent",
    "national",
    "conseiller",
    "sans_habilitation",
]
GERENT = {"responsable", "animateur", "national"}
VOIENT_SEULEMENT = {"agent", "prefecture", "referent"}

# Du lundi au vendredi, 5 × 4 h 48 = 24 h ; fermé le week-end.
SEMAINE_24H = {
    j: [("09:00", "12:00"), ("13:00", "14:48")] if j not in {"samedi", "dimanche"} else [] for j in JOURS
}


@pytest.fixture
def monde():
    cantal = Departement.objects.get(code="15")
    charente = Departement.objects.get(code="16")
    s1, s2 = Structure.objects.filter(departement=cantal, format=Format.FIXE).order_by("pk")[:2]
    ailleurs = Structure.objects.filter(departement=charente).order_by("pk").first()
    lieu = LieuMediation.objects.create(identifiant="gestion", nom="Lieu du Cantal", departement=cantal)
    comptes = {
        "agent": personne(Role.AGENT, structure=s1),
        "responsable": personne(Role.RESPONSABLE, structure=s1),
        "responsable_voisine": personne(Role.RESPONSABLE, structure=s2),
        "animateur": personne(Role.ANIMATEUR, departement=cantal),
        "animateur_ailleurs": personne(Role.ANIMATEUR, departement=charente),
        "prefecture": personne(Role.COORDINATEUR_PREFECTURE, departement=cantal),
        "referent": personne(
            Role.REFERENT_PARTENAIRE, partenaire=Partenaire.objects.get(code="cnaf"), departement=cantal
        ),
        "national": personne(Role.EQUIPE_NATIONALE),
        "conseiller": personne(Role.CONSEILLER_NUMERIQUE, lieu_mediation=lieu),
        "sans_habilitation": UtilisateurFactory(),
    }
    return {"comptes": comptes, "structure": s1, "voisine": s2, "ailleurs": ailleurs, "cantal": cantal}


def client_de(utilisateur) -> Client:
    client = Client()
    client.force_login(utilisateur)
    session = client.session
    session[CLE_SESSION] = True  # second facteur vérifié (équipe nationale)
    session.save()
    return client


def formulaire(structure: Structure, horaires: dict | None = None, **coordonnees) -> dict:
    """Les données d'un envoi du formulaire : la fiche telle quelle, sauf ce qui est donné."""
    donnees = {c: getattr(structure, c) for c in CHAMPS_COORDONNEES if c != "prise_rdv"}
    if structure.prise_rdv:
        donnees["prise_rdv"] = "on"
    semaine = structure.semaine
    for jour in JOURS:
        plages = [(f"{p.debut:%H:%M}", f"{p.fin:%H:%M}", p.sur_rdv) for p in semaine.jour(jour).plages]
        if horaires is not None and jour in horaires:
            plages = horaires[jour]
        for i, (debut, fin, *rdv) in enumerate(plages):
            donnees[f"{jour}-{i}-debut"], donnees[f"{jour}-{i}-fin"] = debut, fin
            if rdv and rdv[0]:
                donnees[f"{jour}-{i}-rdv"] = "on"
        donnees[f"{jour}-note"] = semaine.jour(jour).note
    for cle, valeur in coordonnees.items():
        if valeur is None:
            donnees.pop(cle, None)
        else:
            donnees[cle] = valeur
    return donnees


def url(nom, structure):
    return reverse(f"structures:{nom}", args=[structure.pk])


def lien(structure) -> str:
    return f'href="{url("modifier", structure)}"'


# — Matrice rôle × périmètre —


@pytest.mark.parametrize("role", ROLES)
def test_liste_selon_le_role(monde, role):
    client = client_de(monde["comptes"][role])
    reponse = client.get(reverse("structures:gestion"), {"departement": "15"} if role == "national" else {})
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    s1, s2, ailleurs = monde["structure"], monde["voisine"], monde["ailleurs"]
    voit_s1 = role in GERENT | VOIENT_SEULEMENT
    voit_s2 = role in {"responsable_voisine", "animateur", "prefecture", "referent", "national"}
    assert (lien(s1) in contenu) == voit_s1
    assert (lien(s2) in contenu) == voit_s2
    assert (lien(ailleurs) in contenu) == (role == "animateur_ailleurs")  # national : filtré sur le Cantal
    # « Modifier » seulement là où l'on gère.
    assert (f'href="{url("modifier", s1)}">Modifier' in contenu) == (role in GERENT)


def test_liste_national_voit_ailleurs(monde):
    client = client_de(monde["comptes"]["national"])
    contenu = client.get(reverse("structures:gestion"), {"departement": "16"}).content.decode()
    assert lien(monde["ailleurs"]) in contenu
    assert "parce que vous êtes équipe nationale" in contenu


def test_liste_phrase_du_perimetre(monde):
    n = Structure.objects.filter(departement=monde["cantal"]).count()
    contenu = client_de(monde["comptes"]["animateur"]).get(reverse("structures:gestion")).content.decode()
    assert (
        f"Vous voyez {n} France services (Cantal), parce que vous êtes animateur départemental (Cantal (15))."
        in contenu
    )
    # Un seul département : pas de filtre par département.
    assert 'name="departement"' not in contenu


@pytest.mark.parametrize("role", ["sans_habilitation", "conseiller"])
def test_liste_vide_et_pourquoi(monde, role):
    contenu = client_de(monde["comptes"][role]).get(reverse("structures:gestion")).content.decode()
    assert "Vous ne voyez aucune France services" in contenu
    assert "data-vide" in contenu
    if role == "sans_habilitation":
        assert "parce que vous n&#x27;avez aucune habilitation active" in contenu


def test_liste_recherche_filtre_et_pagination(monde):
    client = client_de(monde["comptes"]["national"])
    s1 = monde["structure"]
    mot = s1.nom.split()[-1]
    contenu = client.get(reverse("structures:gestion"), {"q": mot, "departement": "15"}).content.decode()
    assert lien(s1) in contenu
    assert lien(monde["ailleurs"]) not in contenu
    # Filtre hors liste : message, pas d'erreur serveur.
    reponse = client.get(reverse("structures:gestion"), {"departement": "zz"})
    assert reponse.status_code == 200
    assert "Choisissez un département de votre périmètre." in reponse.content.decode()
    # 50 par page, la dernière page est joignable avec les filtres conservés.
    reponse = client.get(reverse("structures:gestion"), {"q": "", "page": "2"})
    assert reponse.context["page"].number == 2
    assert len(reponse.context["lignes"]) == 50
    assert "q=&amp;page=3" in reponse.content.decode()


def test_liste_nombre_de_requetes_constant(monde):
    client = client_de(monde["comptes"]["national"])
    for s in Structure.objects.filter(departement__code__in=["01", "15"])[:20]:
        ModificationStructure.objects.create(structure=s, changements={"telephone": ["", "04 71 00 00 00"]})
    client.get(reverse("structures:gestion"))  # session, etc. en cache
    with CaptureQueriesContext(connection) as peu:
        reponse = client.get(reverse("structures:gestion"), {"q": monde["structure"].nom})
    assert len(reponse.context["lignes"]) >= 1
    with CaptureQueriesContext(connection) as beaucoup:
        reponse = client.get(reverse("structures:gestion"), {"q": ""})
    assert len(reponse.context["lignes"]) == 50
    assert len(beaucoup) == len(peu), [q["sql"] for q in beaucoup]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["modifier", "historique"])
def test_fiches_par_identifiant_direct(monde, role, page):
    client = client_de(monde["comptes"][role])
    voit = role in GERENT | VOIENT_SEULEMENT
    assert client.get(url(page, monde["structure"])).status_code == (200 if voit else 404)
    voit_ailleurs = role in {"national", "animateur_ailleurs"}
    assert client.get(url(page, monde["ailleurs"])).status_code == (200 if voit_ailleurs else 404)
    voit_voisine = role in {"responsable_voisine", "animateur", "prefecture", "referent", "national"}
    assert client.get(url(page, monde["voisine"])).status_code == (200 if voit_voisine else 404)


@pytest.mark.parametrize("role", sorted(GERENT | VOIENT_SEULEMENT))
def test_formulaire_ou_lecture_seule(monde, role):
    contenu = client_de(monde["comptes"][role]).get(url("modifier", monde["structure"])).content.decode()
    assert ('name="telephone"' in contenu) == (role in GERENT)
    assert ("data-lecture-seule" in contenu) == (role in VOIENT_SEULEMENT)
    if role in VOIENT_SEULEMENT:
        assert "Consultation seulement" in contenu
        assert '<form method="post" novalidate>' not in contenu


@pytest.mark.parametrize("role", ROLES)
def test_enregistrement_selon_le_role(monde, role):
    s1, ailleurs = monde["structure"], monde["ailleurs"]
    client = client_de(monde["comptes"][role])
    reponse = client.post(url("modifier", s1), formulaire(s1, telephone="04 71 99 88 77"))
    s1_apres = Structure.objects.get(pk=s1.pk)
    if role in GERENT:
        assert reponse.status_code == 302
        assert s1_apres.telephone == "04 71 99 88 77"
        assert ModificationStructure.objects.filter(structure=s1, auteur=monde["comptes"][role]).count() == 1
    else:
        assert reponse.status_code == (403 if role in VOIENT_SEULEMENT else 404)
        assert s1_apres.telephone == s1.telephone
        assert s1_apres.modifie_le == s1.modifie_le
        assert not ModificationStructure.objects.filter(structure=s1).exists()
        assert not EvenementAudit.objects.filter(evenement=Evenement.STRUCTURE_MODIFIEE).exists()
    reponse = client.post(url("modifier", ailleurs), formulaire(ailleurs, telephone="05 45 00 00 00"))
    gere_ailleurs = role in {"national", "animateur_ailleurs"}
    assert reponse.status_code == (302 if gere_ailleurs else 404)
    assert (Structure.objects.get(pk=ailleurs.pk).telephone == "05 45 00 00 00") == gere_ailleurs


@pytest.mark.parametrize("page", ["gestion", "modifier", "historique"])
def test_anonyme_renvoye_vers_la_connexion(monde, page):
    chemin = reverse("structures:gestion") if page == "gestion" else url(page, monde["structure"])
    reponse = Client().get(chemin)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("comptes:connexion"))
    reponse = Client().post(url("modifier", monde["structure"]), formulaire(monde["structure"]))
    assert reponse.status_code == 302
    assert not ModificationStructure.objects.exists()


def test_action_refuse_hors_gestion(monde):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        modifier_structure(
            par=monde["comptes"]["agent"], structure=monde["structure"], donnees={"telephone": "x"}
        )


# — Enregistrement, historique, audit —


def test_enregistrement_complet(monde):
    s1, responsable = monde["structure"], monde["comptes"]["responsable"]
    client = client_de(responsable)
    horaires = {**SEMAINE_24H, "mardi": [("08:30", "12:00", True), ("13:30", "18:00")]}
    reponse = client.post(
        url("modifier", s1),
        formulaire(
            s1,
            horaires,
            telephone="+33 (0)4.71.12.34.56",
            email="Accueil@Exemple.FR",
            code_postal="15 300",
            prise_rdv="on",
        ),
        follow=True,
    )
    assert reponse.status_code == 200
    s = Structure.objects.get(pk=s1.pk)
    assert (s.telephone, s.email, s.code_postal, s.prise_rdv) == (
        "04 71 12 34 56",
        "accueil@exemple.fr",
        "15300",
        True,
    )
    assert s.semaine.jour("mardi").plages == [
        Plage(time(8, 30), time(12), True),
        Plage(time(13, 30), time(18)),
    ]
    # Recalculés par la logique existante.
    assert s.heures_par_semaine == HorairesSemaine.depuis_json(s.horaires).heures_par_semaine()
    assert s.jours_ouverts == 5
    contenu = reponse.content.decode()
    assert "Fiche enregistrée" in contenu
    modification = ModificationStructure.objects.get(structure=s1)
    assert modification.auteur == responsable
    assert modification.changements["telephone"] == [s1.telephone, "04 71 12 34 56"]
    assert modification.changements["horaires_mardi"][1] == "08:30 – 12:00 (sur rendez-vous) / 13:30 – 18:00"
    # Seuls les champs modifiés.
    assert "adresse" not in modification.changements
    evenement = EvenementAudit.objects.get(evenement=Evenement.STRUCTURE_MODIFIEE)
    assert (evenement.acteur, evenement.cible_id) == (responsable, str(s1.pk))
    assert "telephone" in evenement.details["champs"]
    # Le même envoi, à nouveau : rien ne change.
    reponse = client.post(url("modifier", s1), formulaire(s), follow=True)
    assert "Aucune modification" in reponse.content.decode()
    assert ModificationStructure.objects.filter(structure=s1).count() == 1
    assert EvenementAudit.objects.filter(evenement=Evenement.STRUCTURE_MODIFIEE).count() == 1


def test_historique(monde):
    s1, responsable = monde["structure"], monde["comptes"]["responsable"]
    client = client_de(responsable)
    contenu = client.get(url("historique", s1)).content.decode()
    assert "Aucune modification" in contenu and "data-vide" in contenu
    client.post(
        url("modifier", s1), formulaire(s1, {"mardi": [("08:05", "11:55")]}, telephone="04 71 11 11 11")
    )
    client.post(
        url("modifier", s1),
        formulaire(Structure.objects.get(pk=s1.pk), prise_rdv=None, commentaire="Fermé en août"),
    )
    # Vu aussi par qui consulte sans gérer (agent), mais pas hors périmètre.
    contenu = client_de(monde["comptes"]["agent"]).get(url("historique", s1)).content.decode()
    assert contenu.count("<section") == 2
    assert contenu.index("Fermé en août") < contenu.index("04 71 11 11 11")  # plus récente d'abord
    for libelle in ("Téléphone", "Horaires du mardi", "Information publique"):
        assert f'<th scope="row">{libelle}</th>' in contenu
    assert "<td>08:05 – 11:55</td>" in contenu
    assert str(responsable) in contenu
    assert "Heures d&#x27;ouverture par semaine" in contenu


def test_historique_pagine(monde):
    s1 = monde["structure"]
    ModificationStructure.objects.bulk_create(
        [
            ModificationStructure(structure=s1, changements={"telephone": [str(i), str(i + 1)]})
            for i in range(55)
        ]
    )
    client = client_de(monde["comptes"]["animateur"])
    contenu = client.get(url("historique", s1)).content.decode()
    assert contenu.count("<section") == 50
    assert "un compte supprimé" in contenu
    assert client.get(url("historique", s1), {"page": "2"}).content.decode().count("<section") == 5
    assert client.get(url("historique", s1), {"page": "abc"}).status_code == 200


def test_ajouter_une_plage_sans_enregistrer(monde):
    s1 = monde["structure"]
    client = client_de(monde["comptes"]["responsable"])
    donnees = formulaire(s1, {"mardi": [("09:00", "12:00"), ("", "")]}, telephone="04 71 22 22 22")
    reponse = client.post(url("modifier", s1), {**donnees, "ajouter": "mardi"})
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert 'name="mardi-2-debut"' in contenu and 'name="mardi-3-debut"' not in contenu
    assert 'value="04 71 22 22 22"' in contenu  # la saisie est conservée
    assert "autofocus" in contenu
    assert "fr-error-text" not in contenu
    assert not ModificationStructure.objects.exists()


# — Validation —


@pytest.mark.parametrize(
    ("horaires", "message"),
    [
        ({"mardi": [("09:00", "12:00"), ("11:00", "14:00")]}, "se chevauchent"),
        ({"mardi": [("14:00", "09:00")]}, "La fermeture (09:00) doit venir après l&#x27;ouverture (14:00)."),
        ({"mardi": [("09:00", "09:00")]}, "doit venir après"),
        ({"mardi": [("09:00", "")]}, "Indiquez l&#x27;heure de fermeture de cette plage."),
        ({"mardi": [("", "12:00")]}, "Indiquez l&#x27;heure d&#x27;ouverture de cette plage."),
        ({"mardi": [("25:00", "26:00")]}, "Saisissez une heure entre 00:00 et 23:59"),
        ({"mardi": [("9h", "midi")]}, "Saisissez une heure entre 00:00 et 23:59"),
        ({"mardi": [(f"{h:02}:00", f"{h:02}:30") for h in range(8, 15)]}, "6 plages au plus par jour."),
    ],
    ids=["chevauchement", "inversee", "vide", "sans-fin", "sans-debut", "hors-bornes", "texte", "trop"],
)
def test_horaires_invalides(monde, horaires, message):
    s1 = monde["structure"]
    reponse = client_de(monde["comptes"]["responsable"]).post(url("modifier", s1), formulaire(s1, horaires))
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert message in contenu
    assert "La fiche n'a pas été enregistrée" in contenu
    assert Structure.objects.get(pk=s1.pk).horaires == s1.horaires
    assert not ModificationStructure.objects.exists()


def test_erreur_reliee_au_champ(monde):
    s1 = monde["structure"]
    reponse = client_de(monde["comptes"]["responsable"]).post(
        url("modifier", s1), formulaire(s1, {"mardi": [("14:00", "09:00")]}, telephone="12")
    )
    contenu = reponse.content.decode()
    assert 'aria-describedby="id_telephone_helptext id_telephone_error"' in contenu
    assert 'id="id_telephone_error"' in contenu
    assert 'aria-describedby="id_mardi-0-fin_error"' in contenu


def test_minuit_et_plages_contigues():
    form = HorairesForm(
        {"lundi-0-debut": "08:00", "lundi-0-fin": "12:00", "lundi-1-debut": "12:00", "lundi-1-fin": "24:00"}
    )
    assert form.is_valid(), form.errors
    assert form.semaine.jour("lundi").plages == [Plage(time(8), time(12)), Plage(time(12), time(23, 59))]


def test_jour_non_communique_garde_s_il_reste_vide():
    semaine = HorairesSemaine({"samedi": HorairesJour(non_communique=True)})
    form = HorairesForm({}, semaine=semaine)
    assert form.is_valid()
    assert form.semaine.jour("samedi").non_communique
    assert not form.semaine.jour("dimanche").non_communique


@pytest.mark.parametrize(
    ("saisi", "attendu"),
    [
        ("0471234567", "04 71 23 45 67"),
        ("04.71.23.45.67", "04 71 23 45 67"),
        ("04-71-23-45-67", "04 71 23 45 67"),
        ("+33 4 71 23 45 67", "04 71 23 45 67"),
        ("+33 (0)4 71 23 45 67", "04 71 23 45 67"),
        ("0033471234567", "04 71 23 45 67"),
        ("+262 692 12 34 56", "06 92 12 34 56"),
        ("+687 12 34 56", "+687 12 34 56"),
        ("+689 40 12 34 56", "+689 40 12 34 56"),
        ("12345", None),
        ("0071234567", None),
        ("04 71 23 45 6", None),
        ("+687 12 34 5", None),
        ("+1 202 555 0100", None),
        ("téléphone", None),
    ],
)
def test_normaliser_telephone(saisi, attendu):
    assert normaliser_telephone(saisi) == attendu


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"telephone": "12345"}, "Numéro de téléphone invalide"),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse électronique valide"),
        ({"email": "a@b"}, "Saisissez une adresse électronique valide"),
        ({"code_postal": "1530"}, "Le code postal compte 5 chiffres"),
        ({"code_postal": "ABCDE"}, "Le code postal compte 5 chiffres"),
        ({"adresse": "x" * 251}, "250 caractères"),
    ],
)
def test_coordonnees_invalides(monde, champs, message):
    s1 = monde["structure"]
    reponse = client_de(monde["comptes"]["animateur"]).post(url("modifier", s1), formulaire(s1, **champs))
    assert reponse.status_code == 200
    assert message in reponse.content.decode()
    assert not ModificationStructure.objects.exists()


@pytest.mark.parametrize(
    "envoi",
    [
        {},
        {"telephone": "\u202e<script>alert(1)</script>"},
        {"ajouter": "jeudi"},
        {"ajouter": "<b>"},
        {"lundi-9-debut": "10:00", "lundi-9-fin": "11:00"},
        {"lundi-99999999999999999999-debut": "10:00"},
        {"mardi-0-debut": "x" * 10000},
        {"mardi-0-rdv": ["on", "off"]},
        {"email": "é" * 300 + "@exemple.fr"},
        {"commentaire": "🙂" * 2000},
        {"code_postal": "١٥٣٠٠"},
    ],
    ids=lambda e: ",".join(e) or "vide",
)
def test_saisies_hostiles_jamais_500(monde, envoi):
    s1 = monde["structure"]
    client = client_de(monde["comptes"]["responsable"])
    donnees = {} if not envoi else {**formulaire(s1), **envoi}
    reponse = client.post(url("modifier", s1), donnees)
    assert reponse.status_code in {200, 302}
    if not envoi:  # envoi vide : rien n'est effacé
        assert "Le formulaire reçu est incomplet" in reponse.content.decode()
        assert Structure.objects.get(pk=s1.pk).horaires == s1.horaires
    assert Structure.objects.get(pk=s1.pk).code_postal in {s1.code_postal}
    for page in ("modifier", "historique"):
        assert client.get(url(page, s1), {"page": "<script>"}).status_code == 200
    assert client.get(reverse("structures:gestion"), {"q": "'; drop", "page": "-1"}).status_code == 200


# — Avertissement du label —


def test_avertissement_sous_le_minimum_du_label(monde):
    s1 = monde["structure"]
    client = client_de(monde["comptes"]["responsable"])
    sous = {j: [("09:00", "12:00")] for j in JOURS[:5]}  # 15 h sur 5 jours
    reponse = client.post(
        url("modifier", s1), formulaire(s1, {**sous, "samedi": [], "dimanche": []}), follow=True
    )
    contenu = reponse.content.decode()
    assert "Fiche enregistrée" in contenu  # enregistré malgré tout
    assert "Horaires sous le minimum du label France services" in contenu
    assert "15 h d&#x27;ouverture par semaine, pour un minimum de 24 h" in contenu
    assert Structure.objects.get(pk=s1.pk).heures_par_semaine == 15
    liste = client.get(reverse("structures:gestion")).content.decode()
    assert "Sous le minimum" in liste
    # 24 h sur 5 jours : plus d'avertissement.
    reponse = client.post(
        url("modifier", s1), formulaire(Structure.objects.get(pk=s1.pk), {**SEMAINE_24H}), follow=True
    )
    assert "Horaires sous le minimum" not in reponse.content.decode()
    assert Structure.objects.get(pk=s1.pk).heures_par_semaine == 24


def test_pas_d_avertissement_pour_un_bus(monde):
    bus = (
        Structure.objects.filter(departement__code="15", format=Format.BUS).first()
        or Structure.objects.filter(format=Format.BUS).first()
    )
    client = client_de(monde["comptes"]["national"])
    sous = {j: [("09:00", "10:00")] if j == "lundi" else [] for j in JOURS}
    reponse = client.post(url("modifier", bus), formulaire(bus, sous), follow=True)
    assert "Fiche enregistrée" in reponse.content.decode()
    assert "Horaires sous le minimum" not in reponse.content.decode()


# — Ce que voit le public —


def test_fiche_publique_et_index_de_proximite(monde, django_capture_on_commit_callbacks):
    s1 = monde["structure"]
    proximite.index()  # index chargé avant la modification
    with django_capture_on_commit_callbacks(execute=True):
        client_de(monde["comptes"]["responsable"]).post(
            url("modifier", s1), formulaire(s1, {"mardi": [("07:15", "19:45")]}, telephone="04 71 55 55 55")
        )
    contenu = Client().get(s1.get_absolute_url()).content.decode()
    assert "04 71 55 55 55" in contenu
    assert "07:15 – 19:45" in contenu
    # L'index de ce processus est reconstruit aussitôt (API « plus proches »).
    assert proximite.index().fiches[s1.pk]["telephone"] == "04 71 55 55 55"


@pytest.mark.django_db
def test_anomalies_recalculees_apres_correction():
    """Un téléphone corrigé par l'équipe n'est plus signalé invalide ; des horaires sous le minimum le sont."""
    from franceservices.comptes.models import Role
    from franceservices.structures.actions import modifier_structure
    from franceservices.structures.horaires import HorairesSemaine
    from franceservices.structures.models import Anomalie, Format, Structure
    from tests.comptes.factories import personne

    structure = Structure.objects.filter(format=Format.FIXE, heures_par_semaine__gte=30).first()
    Anomalie.objects.create(
        structure=structure, champ="telephone", anomalie="numéro de téléphone invalide « 12 »"
    )
    responsable = personne(Role.RESPONSABLE, structure=structure)
    courte = HorairesSemaine.depuis_json({"lundi": {"plages": [["09:00", "12:00", False]]}})
    modifier_structure(
        par=responsable, structure=structure, donnees={"telephone": "04 71 00 00 00", "horaires": courte}
    )
    anomalies = set(structure.anomalies.values_list("champ", "anomalie"))
    assert not {a for a in anomalies if a[0] == "telephone"}
    assert ("horaires", "3 h d'ouverture par semaine (minimum du label : 24.0 h)") in anomalies
    assert ("horaires", "ouvert 1 jour(s) par semaine (minimum du label : 5)") in anomalies
