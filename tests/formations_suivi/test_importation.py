"""Import du fichier de l'organisme : validation ligne à ligne (ligne, colonne, valeur, motif), tout ou rien,
réimport idempotent."""

import re

import pytest

from franceservices.formations import reussite
from franceservices.formations.importation import FichierInvalide, importer
from franceservices.formations.models import Inscription, Presence, Source, Statut
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cas():
    formateur = personne()
    session = f.session(formateur=formateur)
    agents = [f.agent() for _ in range(3)]
    inscriptions = [f.inscrire(session, a) for a in agents]
    return {"formateur": formateur, "session": session, "agents": agents, "inscriptions": inscriptions}


def _csv(*lignes, entete="session;courriel;presence;reussite") -> bytes:
    return ("\n".join([entete, *lignes]) + "\n").encode()


def _fichier_valide(cas) -> bytes:
    s = cas["session"].pk
    a, b, c = (x.email for x in cas["agents"])
    return _csv(f"{s};{a};present;oui", f"{s};{b.upper()};Présent;non", f"{s};{c};absent;non")


def test_import_valide_puis_idempotent(cas):
    rapport = importer(_fichier_valide(cas), "organisme.csv", par=cas["formateur"])
    assert rapport.valide, rapport.rejets
    assert (rapport.reussites, rapport.presences, rapport.inchangees) == (1, 2, 0)
    i1, i2, i3 = (Inscription.objects.get(pk=i.pk) for i in cas["inscriptions"])
    assert i1.reussie_le and i1.code_attestation and i1.source_reussite == Source.IMPORT
    assert i2.presence == Presence.PRESENT and i2.reussie_le is None
    assert i3.presence == Presence.ABSENT
    code = i1.code_attestation
    encore = importer(_fichier_valide(cas), "organisme.csv", par=cas["formateur"])
    assert encore.valide and (encore.reussites, encore.presences, encore.inchangees) == (0, 0, 3)
    assert Inscription.objects.get(pk=i1.pk).code_attestation == code
    assert "3 ligne(s) déjà à jour" in encore.resume()


def test_separateur_virgule_et_bom(cas):
    s, a = cas["session"].pk, cas["agents"][0].email
    contenu = "\ufeffSession,Courriel,Présence,Réussite\n".encode() + f"{s},{a},p,o\n".encode()
    rapport = importer(contenu, "virgules.csv", par=cas["formateur"])
    assert rapport.valide and rapport.reussites == 1


def test_lignes_fausses_rien_n_est_importe(cas):
    s = cas["session"].pk
    a, b, c = (x.email for x in cas["agents"])
    attente = f.agent()
    f.inscrire(cas["session"], attente, statut=Statut.ATTENTE)
    autre_session = f.session()  # pas la sienne
    f.inscrire(autre_session, cas["agents"][0])
    contenu = _csv(
        f"{s};{a};present;oui",  # valide
        f"999999;{b};present;non",  # session inconnue
        f"{s};inconnu@example.fr;present;non",  # agent non inscrit
        f"{s};{c};peut-être;non",  # valeur inconnue
        f"{s};{c};absent;oui",  # absent et réussi
        f"{s};{attente.email};present;non",  # inscription en attente
        f"{autre_session.pk};{a};present;non",  # session d'un autre formateur
        f"abc;{a};present;non",  # session non numérique
        f"{s};{a};present;oui",  # doublon
        f"{s};;present;peut-etre",  # courriel vide + réussite inconnue
    )
    rapport = importer(contenu, "erreurs.csv", par=cas["formateur"])
    assert not rapport.valide
    rejets = {(r.ligne, r.colonne): r for r in rapport.rejets}
    assert rejets[(3, "session")].valeur == "999999" and "inconnue" in rejets[(3, "session")].motif
    assert "aucun agent inscrit" in rejets[(4, "courriel")].motif
    assert rejets[(5, "presence")].valeur == "peut-être"
    assert "absent" in rejets[(6, "reussite")].motif
    assert "non confirmée" in rejets[(7, "courriel")].motif
    assert "ni formateur" in rejets[(8, "session")].motif
    assert "inconnue" in rejets[(9, "session")].motif
    assert "déjà présent ligne 2" in rejets[(10, "courriel")].motif
    assert (11, "courriel") in rejets and (11, "reussite") in rejets
    assert (2, "session") not in rejets
    assert "rien n'a été importé" in rapport.resume()
    # Tout ou rien : la ligne valide n'a pas été importée.
    assert not Inscription.objects.filter(reussie_le__isnull=False).exists()
    assert not Inscription.objects.exclude(presence="").exists()


def test_import_ne_retire_pas_une_reussite(cas):
    i = cas["inscriptions"][0]
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    rapport = importer(
        _csv(f"{cas['session'].pk};{i.agent.email};present;non"), "x.csv", par=cas["formateur"]
    )
    assert not rapport.valide and "un import ne la retire pas" in rapport.rejets[0].motif
    assert Inscription.objects.get(pk=i.pk).reussie_le is not None


def test_session_pas_commencee(cas):
    future = f.session(formateur=cas["formateur"], jours=5)
    f.inscrire(future, cas["agents"][0])
    rapport = importer(
        _csv(f"{future.pk};{cas['agents'][0].email};present;non"), "x.csv", par=cas["formateur"]
    )
    assert "pas encore commencée" in rapport.rejets[0].motif


@pytest.mark.parametrize(
    "contenu, message",
    [
        (b"", "est vide"),
        ("session;courriel;presence;réussite\n1;a@b.fr;présent;oui\n".encode("latin-1"), "UTF-8"),
        (b"session;courriel;presence\n1;a@b.fr;present\n", "colonne(s) manquante(s) : reussite"),
        (b"nom;prenom\nA;B\n", "session, courriel, presence, reussite"),
        (b"session;courriel;presence;reussite\n", "aucune ligne"),
    ],
)
def test_fichier_illisible(cas, contenu, message):
    with pytest.raises(FichierInvalide, match=re.escape(message)):
        importer(contenu, "organisme.csv", par=cas["formateur"])


def test_ligne_tronquee(cas):
    contenu = _csv(f"{cas['session'].pk};{cas['agents'][0].email}")
    rapport = importer(contenu, "x.csv", par=cas["formateur"])
    assert not rapport.valide and "nombre de colonnes" in rapport.rejets[0].motif


def test_requetes_bornees(cas, django_assert_max_num_queries):
    s = cas["session"]
    agents = [f.agent() for _ in range(10)]
    for a in agents:
        f.inscrire(s, a)
    contenu = _csv(*(f"999999;{a.email};present;non" for a in agents), f"{s.pk};inconnu@x.fr;present;non")
    with django_assert_max_num_queries(6):
        rapport = importer(contenu, "x.csv", par=cas["formateur"])
    assert len(rapport.rejets) == 11
