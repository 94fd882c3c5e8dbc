"""Inscription (dernière place, complet, déjà inscrit, événement commencé ou annulé), désinscription,
présences, compte rendu, annulation, invitations, lecture marquée une fois, documents refusés, formulaires
invalides."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.comptes.perimetre import perimetre_de
from franceservices.reseau import actions
from franceservices.reseau.fichiers import valider_documents
from franceservices.reseau.forms import EvenementForm, PublicationForm
from franceservices.reseau.models import Envoi, Lecture, Participation, Portee, SorteEnvoi, TypeEvenement
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def monde():
    s = f.structure("16")
    return {
        "structure": s,
        "animateur": f.animateur(s.departement),
        "agents": [f.agent(s) for _ in range(3)],
        "evenement": f.evenement(departement=s.departement, capacite=2),
    }


def test_derniere_place_puis_complet(monde):
    e, (a, b, c) = monde["evenement"], monde["agents"]
    actions.inscrire(par=a, evenement=e)
    actions.inscrire(par=b, evenement=e)  # la dernière place
    with pytest.raises(ValidationError, match="Complet : les 2 places sont prises"):
        actions.inscrire(par=c, evenement=e)
    assert actions.inscrits(e) == 2
    actions.desinscrire(par=a, evenement=e)  # une place se libère
    actions.inscrire(par=c, evenement=e)
    assert set(Participation.objects.inscrites().filter(evenement=e).values_list("personne", flat=True)) == {
        b.pk,
        c.pk,
    }


def test_reinscription_apres_desinscription_meme_ligne(monde):
    e, a = monde["evenement"], monde["agents"][0]
    actions.inscrire(par=a, evenement=e)
    with pytest.raises(ValidationError, match="déjà inscrit"):
        actions.inscrire(par=a, evenement=e)
    actions.desinscrire(par=a, evenement=e)
    with pytest.raises(ValidationError, match="pas inscrit"):
        actions.desinscrire(par=a, evenement=e)
    p = actions.inscrire(par=a, evenement=e)
    assert p.inscrite and Participation.objects.filter(evenement=e, personne=a).count() == 1


def test_sans_capacite_pas_de_limite(monde):
    e = f.evenement(departement=monde["structure"].departement)
    for a in monde["agents"]:
        actions.inscrire(par=a, evenement=e)
    assert actions.inscrits(e) == 3


def test_commence_ou_annule_inscriptions_closes(monde):
    a = monde["agents"][0]
    commence = f.evenement(departement=monde["structure"].departement, dans_jours=0)
    commence.debut = timezone.now() - timedelta(minutes=5)
    commence.save()
    with pytest.raises(ValidationError, match="a commencé"):
        actions.inscrire(par=a, evenement=commence)
    e = monde["evenement"]
    actions.annuler_evenement(par=monde["animateur"], evenement=e, motif="Salle indisponible")
    with pytest.raises(ValidationError, match="annulé"):
        actions.inscrire(par=a, evenement=e)


def test_invitations_a_la_creation_et_a_l_elargissement(monde, django_capture_on_commit_callbacks):
    d = monde["structure"].departement
    responsable = f.responsable(monde["structure"])
    e = f.evenement(departement=d, pour_responsables=False)
    with django_capture_on_commit_callbacks() as rappels:
        n = actions.enregistrer_evenement(par=monde["animateur"], evenement=e)
    assert n == 3 and len(rappels) == 1
    assert Envoi.objects.filter(evenement=e, sorte=SorteEnvoi.INVITATION).count() == 3
    e.pour_responsables = True
    assert actions.enregistrer_evenement(par=monde["animateur"], evenement=e) == 1  # seulement le responsable
    assert Participation.objects.get(evenement=e, personne=responsable).invitee_le is not None
    assert actions.enregistrer_evenement(par=monde["animateur"], evenement=e) == 0  # idempotent


def test_animateur_hors_departement_ne_peut_pas_enregistrer(monde):
    autre = f.animateur(f.departement("24"))
    e = f.evenement(departement=monde["structure"].departement)
    e.titre = "Modifié"
    with pytest.raises(PermissionDenied):
        actions.enregistrer_evenement(par=autre, evenement=e)
    e.refresh_from_db()
    assert e.titre == "Réunion de réseau de test"


def test_annulation_previent_les_inscrits(monde):
    e, (a, b, _c) = monde["evenement"], monde["agents"]
    actions.inscrire(par=a, evenement=e)
    actions.inscrire(par=b, evenement=e)
    actions.desinscrire(par=b, evenement=e)
    with pytest.raises(ValidationError, match="motif"):
        actions.annuler_evenement(par=monde["animateur"], evenement=e, motif="   ")
    assert (
        actions.annuler_evenement(par=monde["animateur"], evenement=e, motif="  Salle   indisponible ") == 1
    )
    e.refresh_from_db()
    assert e.annule_le and e.motif_annulation == "Salle indisponible"
    assert list(
        Envoi.objects.filter(evenement=e, sorte=SorteEnvoi.ANNULATION).values_list("personne", flat=True)
    ) == [a.pk]
    with pytest.raises(ValidationError, match="déjà annulé"):
        actions.annuler_evenement(par=monde["animateur"], evenement=e, motif="Encore")


def test_presences_apres_le_debut(monde):
    e, (a, b, _c) = monde["evenement"], monde["agents"]
    pa = actions.inscrire(par=a, evenement=e)
    actions.inscrire(par=b, evenement=e)
    with pytest.raises(ValidationError, match="une fois l'événement commencé"):
        actions.noter_presences(par=monde["animateur"], evenement=e, presents=[pa.pk])
    e.debut, e.fin = timezone.now() - timedelta(hours=1), timezone.now() + timedelta(hours=1)
    e.save()
    assert actions.noter_presences(par=monde["animateur"], evenement=e, presents=[pa.pk]) == 1
    presences = dict(Participation.objects.filter(evenement=e).values_list("personne", "presente"))
    assert presences == {a.pk: True, b.pk: False}
    with pytest.raises(ValidationError, match="changé entre-temps"):
        actions.noter_presences(par=monde["animateur"], evenement=e, presents=[999999])
    with pytest.raises(PermissionDenied):
        actions.noter_presences(par=a, evenement=e, presents=[])


def test_compte_rendu_et_documents(monde, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    e = monde["evenement"]
    valides = valider_documents([SimpleUploadedFile("relevé.pdf", PDF)])
    with pytest.raises(ValidationError, match="une fois l'événement commencé"):
        actions.deposer_compte_rendu(par=monde["animateur"], evenement=e, texte="CR", documents=valides)
    e.debut, e.fin = timezone.now() - timedelta(hours=3), timezone.now() - timedelta(hours=1)
    e.save()
    (doc,) = actions.deposer_compte_rendu(
        par=monde["animateur"], evenement=e, texte=" Décisions. ", documents=valides
    )
    e.refresh_from_db()
    assert e.compte_rendu == "Décisions." and e.compte_rendu_le
    assert doc.nom == "relevé.pdf" and doc.type_mime == "application/pdf" and doc.taille == len(PDF)
    assert "relev" not in doc.fichier.name  # nom de stockage aléatoire


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("programme.exe", b"MZ\x90\x00" + b"\x00" * 100, "n'est pas d'un type accepté"),
        ("faux.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "extension ne correspond pas"),
        ("vide.pdf", b"", "est vide"),
        ("gros.pdf", PDF + b"x" * 2000, "taille maximale"),
    ],
)
def test_documents_refuses(settings, nom, contenu, message):
    settings.RESEAU_DOCUMENT_TAILLE_MAX = 1024
    with pytest.raises(ValidationError, match=message):
        valider_documents([SimpleUploadedFile(nom, contenu)])


def test_trop_de_documents():
    with pytest.raises(ValidationError, match="5 au plus"):
        valider_documents([SimpleUploadedFile(f"d{i}.pdf", PDF) for i in range(6)])


def test_lecture_marquee_une_fois(monde):
    p = f.publication(departement=monde["structure"].departement)
    a = monde["agents"][0]
    actions.marquer_lue(personne=a, publication=p)
    premiere = Lecture.objects.get(publication=p, personne=a).lue_le
    actions.marquer_lue(personne=a, publication=p)
    assert Lecture.objects.filter(publication=p, personne=a).count() == 1
    assert Lecture.objects.get(publication=p, personne=a).lue_le == premiere


def test_retrait(monde):
    p = f.publication(departement=monde["structure"].departement)
    with pytest.raises(PermissionDenied):
        actions.retirer(par=monde["agents"][0], publication=p)
    actions.retirer(par=monde["animateur"], publication=p)
    with pytest.raises(ValidationError, match="déjà retirée"):
        actions.retirer(par=monde["animateur"], publication=p)


# — Formulaires —


def _donnees(**champs):
    debut = timezone.localtime() + timedelta(days=7)
    valeurs = {
        "type": TypeEvenement.REUNION,
        "titre": "Réunion trimestrielle",
        "debut": debut.strftime("%Y-%m-%dT09:00"),
        "fin": debut.strftime("%Y-%m-%dT12:00"),
        "lieu": "Préfecture",
        "portee": Portee.DEPARTEMENT,
        "public": ["agent", "responsable"],
    }
    valeurs.update(champs)
    return {k: v for k, v in valeurs.items() if v is not None}


def _form(par, **champs):
    donnees = _donnees(**champs)
    return EvenementForm(donnees, perimetre=perimetre_de(par))


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"fin": "2030-01-01T08:00", "debut": "2030-01-01T09:00"}, "fin", "La fin doit être après le début."),
        (
            {"debut": "2020-01-01T09:00", "fin": "2020-01-01T10:00"},
            "debut",
            "ne peut pas commencer dans le passé",
        ),
        ({"debut": "demain"}, "debut", "Saisissez une date et une heure valides."),
        ({"lieu": ""}, "lieu", "Indiquez un lieu ou un lien de connexion."),
        ({"lien": "pas une adresse", "lieu": ""}, "lien", "adresse web complète"),
        ({"capacite": "0"}, "capacite", "entre 1 et 2000"),
        ({"capacite": "beaucoup"}, "capacite", "nombre de places"),
        ({"public": []}, "public", "Cochez au moins un rôle visé."),
        ({"public": ["pirate"]}, "public", "Choix inconnu"),
        ({"type": "soiree"}, "type", "Choix inconnu"),
        ({"titre": ""}, "titre", "Indiquez le titre"),
        ({"commune_texte": "Zzzzzzzz"}, "commune_texte", "Aucune commune"),
    ],
)
def test_formulaire_evenement_invalide(monde, champs, champ, message):
    form = _form(monde["animateur"], departement=str(monde["structure"].departement.pk), **champs)
    assert not form.is_valid()
    assert message in " ".join(form.errors.get(champ, [])), form.errors


def test_formulaire_animateur_borne_a_son_departement(monde):
    autre = f.departement("24")
    form = _form(monde["animateur"], departement=str(autre.pk))
    assert not form.is_valid() and "Choix inconnu" in form.errors["departement"][0]
    form = _form(
        monde["animateur"], portee=Portee.NATIONAL, departement=str(monde["structure"].departement.pk)
    )
    assert not form.is_valid() and "portee" in form.errors


def test_formulaire_heure_locale_outre_mer():
    reunion = f.departement("974")
    animateur = f.animateur(reunion)
    form = _form(animateur, departement=str(reunion.pk), debut="2031-03-10T09:00", fin="2031-03-10T11:00")
    assert form.is_valid(), form.errors
    e = form.save(commit=False)
    assert e.debut.astimezone(e.fuseau).strftime("%H:%M") == "09:00"
    assert timezone.localtime(e.debut).strftime("%H:%M") == "06:00"  # 9 h à La Réunion = 6 h à Paris (hiver)


def test_formulaire_referent_national_information_de_son_partenaire():
    from franceservices.partenaires.models import Partenaire

    partenaire = Partenaire.objects.order_by("pk").first()
    referent = personne(Role.REFERENT_PARTENAIRE, partenaire=partenaire)
    form = _form(referent, portee=Portee.NATIONAL, partenaire=str(partenaire.pk), type=TypeEvenement.REUNION)
    assert not form.is_valid() and "type" in form.errors  # seulement « information d'un partenaire »
    form = _form(
        referent, portee=Portee.NATIONAL, partenaire=str(partenaire.pk), type=TypeEvenement.PARTENAIRE
    )
    assert form.is_valid(), form.errors
    autre = Partenaire.objects.exclude(pk=partenaire.pk).first()
    form = _form(referent, portee=Portee.NATIONAL, partenaire=str(autre.pk), type=TypeEvenement.PARTENAIRE)
    assert not form.is_valid() and "partenaire" in form.errors


def test_formulaire_capacite_sous_les_inscrits(monde):
    e = monde["evenement"]
    for a in monde["agents"][:2]:
        actions.inscrire(par=a, evenement=e)
    debut = e.debut_local
    form = EvenementForm(
        _donnees(
            departement=str(e.departement_id),
            capacite="1",
            debut=debut.strftime("%Y-%m-%dT%H:%M"),
            fin=e.fin_local.strftime("%Y-%m-%dT%H:%M"),
        ),
        instance=e,
        perimetre=perimetre_de(monde["animateur"]),
    )
    assert not form.is_valid() and "2 personnes sont déjà inscrites" in form.errors["capacite"][0]


def test_formulaire_publication_region_obligatoire():
    national = personne(Role.EQUIPE_NATIONALE)
    form = PublicationForm(
        {"type": "actualite", "titre": "T", "texte": "X", "portee": Portee.REGION, "public": ["agent"]},
        perimetre=perimetre_de(national),
    )
    assert not form.is_valid() and form.errors["region"] == ["Choisissez la région de la diffusion."]
