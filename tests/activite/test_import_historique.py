import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from franceservices.activite import agregats
from franceservices.activite.importation_historique import FichierInvalide, importer
from franceservices.activite.models import (
    Agregat,
    Autonomie,
    Canal,
    Demande,
    Dimension,
    Issue,
    LotImport,
    Niveau,
    Origine,
    Theme,
    TrancheAge,
)
from franceservices.comptes.models import Role
from franceservices.structures.models import Structure
from tests.comptes.factories import personne

pytestmark = pytest.mark.django_db

PERIODE = (date(2024, 1, 1), date(2026, 12, 1))
ENTETE = (
    "date_heure;id_fs;canal;partenaire;partenaire_autre;theme;demarche;niveau;issue;orientee_vers;duree;"
    "tranche_age;sexe;commune;premiere_visite;autonomie;identifiant"
)


@pytest.fixture
def id_fs():
    return Structure.objects.filter(departement__code="16").order_by("id_fs").first().id_fs


def fichier(*lignes, entete=ENTETE) -> bytes:
    return ("\n".join([entete, *lignes]) + "\n").encode()


def valide(id_fs) -> bytes:
    return fichier(
        f"05/03/2025 14:30;{id_fs};Accueil physique;cnaf;;;Prime d'activité;Accompagnement à une démarche;"
        "Finalisée;;30;65 à 74 ans;Femme;16015;oui;Pas autonome;A1",
        f"2025-03-06T09:15;{id_fs};telephone;;Mission locale;travail formation;;information;orientee;"
        "Mission locale;15;;;;;;A2",
        f"2025-03-07 10:00;{id_fs};TÉLÉPHONE;DGFIP;;Argent – Impôts;;realisee;à finaliser par l'usager;;45;"
        "55_64;homme;;non;partiellement autonome;",
    )


def test_fichier_valide_importe_avec_codes_et_libelles(id_fs):
    rapport = importer(valide(id_fs), "historique.csv")
    assert rapport.valide and rapport.creees == 3, rapport.rejets
    demandes = {d.cle_client: d for d in Demande.objects.all()}
    assert len(demandes) == 3
    assert {d.origine for d in demandes.values()} == {Origine.IMPORT}
    lot = LotImport.objects.get()
    assert lot.lignes == 3 and {d.lot_id for d in demandes.values()} == {lot.pk}
    caf = Demande.objects.get(partenaire__code="cnaf")
    assert caf.canal == Canal.ACCUEIL_PHYSIQUE and caf.niveau == Niveau.ACCOMPAGNEMENT
    assert caf.demarche.libelle == "Prime d'activité" and caf.theme == caf.demarche.theme
    assert caf.tranche_age == TrancheAge.DE_65_74 and caf.autonomie == Autonomie.NON_AUTONOME
    assert caf.premiere_visite is True and caf.commune.code_insee == "16015" and caf.duree == 30
    assert caf.jour == date(2025, 3, 5)
    locale = Demande.objects.get(partenaire__isnull=True)
    assert locale.partenaire_autre == "Mission locale" and locale.issue == Issue.ORIENTEE
    assert locale.theme == Theme.TRAVAIL_FORMATION
    impots = Demande.objects.get(partenaire__code="dgfip")
    assert impots.canal == Canal.TELEPHONE and impots.issue == Issue.A_FINALISER
    assert impots.premiere_visite is False and impots.autonomie == Autonomie.PARTIELLE
    total = Agregat.objects.filter(dimension=Dimension.TOTAL, synthetique=False)
    assert sum(total.values_list("nombre", flat=True)) == 3
    assert agregats.reconcilier(*PERIODE) == []


def test_lignes_invalides_rapport_et_rien_importe(id_fs, tmp_path):
    contenu = fichier(
        f"05/03/2025 14:30;{id_fs};guichet;cnaf;;logement;;information;finalisee;;15;;;;;;",
        "2025-13-06T09:15;XXX;telephone;cnaf;;logement;;information;finalisee;;15;;;;;;",
        f"05/03/2025 14:30;{id_fs};telephone;;;logement;;information;finalisee;;900;;;99999;peut-être;;",
        f"05/03/2025 14:30;{id_fs};telephone;cnaf;;logement;;information;finalisee;;15;;;;;;",
    )
    rapport = importer(contenu, "abime.csv")
    assert not rapport.valide and rapport.creees == 0
    motifs = [str(r) for r in rapport.rejets]
    assert (
        "ligne 2 : canal « guichet » inconnu (attendu : accueil physique, téléphone, itinérance / bus, "
        "visioconférence, courriel, hors les murs)"
    ) in motifs
    assert "ligne 3 : France services « XXX » inconnue" in motifs
    assert any(m.startswith("ligne 3 : date « 2025-13-06T09:15 » illisible") for m in motifs)
    colonnes_ligne_4 = {r.colonne for r in rapport.rejets if r.ligne == 4}
    assert colonnes_ligne_4 == {"partenaire", "duree", "commune", "premiere_visite"}
    assert not any(r.ligne == 5 for r in rapport.rejets)
    assert Demande.objects.count() == 0 and LotImport.objects.count() == 0
    # La commande : code 1, rapport CSV ligne;colonne;valeur;motif.
    chemin = tmp_path / "abime.csv"
    chemin.write_bytes(contenu)
    with pytest.raises(SystemExit) as sortie:
        call_command("importer_activite", str(chemin), "--rejets", str(tmp_path / "rejets.csv"))
    assert sortie.value.code == 1
    rejets = (tmp_path / "rejets.csv").read_text(encoding="utf-8").splitlines()
    assert rejets[0] == "ligne;colonne;valeur;motif"
    assert rejets[1].startswith("2;canal;guichet;canal « guichet » inconnu")
    assert Demande.objects.count() == 0


def test_reimport_idempotent(id_fs, tmp_path):
    contenu = valide(id_fs)
    chemin = tmp_path / "historique.csv"
    chemin.write_bytes(contenu)
    call_command("importer_activite", str(chemin))
    call_command("importer_activite", str(chemin))
    assert Demande.objects.count() == 3 and LotImport.objects.count() == 1
    # Même contenu sous un autre nom : même empreinte, rien de neuf.
    assert importer(contenu, "copie.csv").deja_importe is not None
    # Autre fichier qui reprend les lignes à identifiant (A1, A2) : seules les nouvelles entrent.
    autre = fichier(
        *valide(id_fs).decode().splitlines()[1:3],
        f"2025-03-08 10:00;{id_fs};visio;cnam;;social santé;;information;finalisee;;20;;;;;;A3",
    )
    rapport = importer(autre, "suite.csv")
    assert rapport.creees == 1 and rapport.deja_enregistrees == 2
    assert Demande.objects.count() == 4
    assert agregats.reconcilier(*PERIODE) == []


def test_verifier_n_ecrit_rien(id_fs, tmp_path):
    chemin = tmp_path / "historique.csv"
    chemin.write_bytes(valide(id_fs))
    call_command("importer_activite", str(chemin), "--verifier")
    assert Demande.objects.count() == 0 and LotImport.objects.count() == 0


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"", "est vide"),
        (b"date_heure;id_fs\n05/03/2025 10:00;1\n", "colonne(s) manquante(s) : canal, partenaire"),
        (ENTETE.encode() + b"\n", "aucune ligne"),
        (
            "date_heure;id_fs;canal;partenaire;theme;niveau;issue\n05/03/2025;été;x;y;z;a;b\n".encode(
                "latin-1"
            ),
            "UTF-8",
        ),
    ],
)
def test_fichiers_abimes_message_clair(contenu, message, tmp_path):
    with pytest.raises(FichierInvalide, match=re.escape(message)):
        importer(contenu, "f.csv")
    chemin = tmp_path / "f.csv"
    chemin.write_bytes(contenu)
    with pytest.raises(CommandError, match="Rien n'a été importé"):
        call_command("importer_activite", str(chemin))
    assert Demande.objects.count() == 0


def test_separateur_virgule_et_colonnes_minimales(id_fs):
    contenu = fichier(
        f"2025-03-05T10:00,{id_fs},accueil physique,ants,,papiers citoyennete,,information,finalisee",
        entete="date_heure,id_fs,canal,partenaire,partenaire_autre,theme,demarche,niveau,issue",
    )
    rapport = importer(contenu, "min.csv")
    assert rapport.creees == 1, rapport.rejets
    d = Demande.objects.get()
    assert d.duree == 15 and d.tranche_age == "" and d.premiere_visite is None


def test_perimetre_des_structures(id_fs):
    rapport = importer(valide(id_fs), "h.csv", structures_autorisees=set())
    assert len(rapport.rejets) == 3 and "hors de votre périmètre" in rapport.rejets[0].motif
    assert Demande.objects.count() == 0


# — Page web /activite/import/ —


def _envoi(client, contenu, nom="h.csv", **donnees):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/activite/import/", {"fichier": SimpleUploadedFile(nom, contenu), **donnees})


@pytest.mark.parametrize(
    ("role", "attendu"), [(Role.AGENT, 403), (Role.RESPONSABLE, 200), (Role.ANIMATEUR, 403)]
)
def test_page_reservee(client, id_fs, role, attendu):
    structure = Structure.objects.get(id_fs=id_fs)
    perimetre = {"departement": structure.departement} if role == Role.ANIMATEUR else {"structure": structure}
    client.force_login(personne(role, **perimetre))
    assert client.get("/activite/import/").status_code == attendu


def test_page_responsable_importe_ses_structures_seulement(client, id_fs):
    structure = Structure.objects.get(id_fs=id_fs)
    client.force_login(personne(Role.RESPONSABLE, structure=structure))
    reponse = _envoi(client, valide(id_fs), verifier="on")
    assert reponse.status_code == 200 and "Fichier valide" in reponse.content.decode()
    assert Demande.objects.count() == 0
    reponse = _envoi(client, valide(id_fs))
    assert "3 demande(s) importée(s)" in reponse.content.decode()
    assert LotImport.objects.get().importe_par is not None
    autre = Structure.objects.filter(departement__code="16").exclude(pk=structure.pk).first()
    reponse = _envoi(client, valide(autre.id_fs), nom="autre.csv")
    assert reponse.status_code == 400 and "hors de votre périmètre" in reponse.content.decode()
    assert Demande.objects.count() == 3


def test_page_nationale_fichier_abime(client, id_fs, settings):
    settings.DOUBLE_FACTEUR_EQUIPE_NATIONALE = False
    client.force_login(personne(Role.EQUIPE_NATIONALE))
    reponse = _envoi(client, "date_heure;id_fs\né;1\n".encode("latin-1"))
    assert reponse.status_code == 400 and "UTF-8" in reponse.content.decode()
    reponse = client.post("/activite/import/", {})
    assert reponse.status_code == 400 and "Choisissez un fichier CSV." in reponse.content.decode()
