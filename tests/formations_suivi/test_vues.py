"""Pages du suivi (formateur, organisateur, animation, équipe nationale), téléchargement de l'attestation par
l'agent, vérification publique d'un code ; matrice des accès (session d'un autre → 404)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from franceservices.comptes.models import Role
from franceservices.formations import reussite
from franceservices.formations.models import Inscription, Presence, Statut
from franceservices.territoires.models import Departement
from tests.comptes.factories import personne

from . import fabriques as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cas():
    s = f.structure()
    formateur = f.nommer(personne(), "Paul", "Formateur")
    session = f.session(formateur=formateur, departement=s.departement)
    agent = f.agent(s, prenom="Éloïse", nom="Quenouillard")
    return {
        "structure": s,
        "formateur": formateur,
        "session": session,
        "inscription": f.inscrire(session, agent),
    }


def _url(nom, *args):
    return reverse(f"formations_suivi:{nom}", args=args)


def test_liste_des_sessions_et_etat_vide(client, cas, django_assert_max_num_queries):
    f.connecter(client, cas["formateur"])
    for _ in range(3):
        f.inscrire(f.session(formateur=cas["formateur"]), f.agent())
    f.session()  # d'un autre : absente
    with django_assert_max_num_queries(12):
        reponse = client.get(_url("sessions"))
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert contenu.count("data-session=") == 4
    assert _url("presence", cas["session"].pk) in contenu
    f.connecter(client, f.agent())
    assert "data-vide" in client.get(_url("sessions")).content.decode()


def test_pagination(client, cas):
    for _ in range(26):
        f.session(formateur=cas["formateur"])
    f.connecter(client, cas["formateur"])
    contenu = client.get(_url("sessions")).content.decode()
    assert contenu.count("data-session=") == 25 and "page 1 sur 2" in contenu
    assert client.get(_url("sessions") + "?page=2").content.decode().count("data-session=") == 2


def test_page_de_presence_sans_n_plus_1(client, cas, django_assert_max_num_queries):
    for _ in range(10):
        f.inscrire(cas["session"], f.agent())
    f.inscrire(cas["session"], f.agent(prenom="Ninon", nom="Attentiste"), statut=Statut.ATTENTE)
    f.connecter(client, cas["formateur"])
    with django_assert_max_num_queries(12):
        reponse = client.get(_url("presence", cas["session"].pk))
    contenu = reponse.content.decode()
    assert reponse.status_code == 200 and contenu.count("data-inscription=") == 11
    assert "Éloïse Quenouillard" in contenu and "Attentiste" not in contenu


def test_noter_en_htmx_et_sans_js(client, cas):
    i = cas["inscription"]
    f.connecter(client, cas["formateur"])
    url = _url("noter", cas["session"].pk, i.pk)
    reponse = client.post(url, {"presence": "present", "reussite": "oui"}, headers={"HX-Request": "true"})
    assert reponse.status_code == 200
    i.refresh_from_db()
    assert i.reussie_le and i.code_attestation
    contenu = reponse.content.decode()
    assert contenu.startswith(f'<tr id="inscription-{i.pk}"') and i.code_attestation in contenu
    assert "data-enregistre" in contenu
    # Absent et réussi : erreur dans la ligne, rien ne change.
    reponse = client.post(url, {"presence": "absent", "reussite": "oui"}, headers={"HX-Request": "true"})
    assert "data-erreur" in reponse.content.decode()
    i.refresh_from_db()
    assert i.presence == Presence.PRESENT and i.reussie_le
    # Sans JavaScript : retour à la page avec un message ; décocher la réussite la retire.
    reponse = client.post(url, {"presence": "absent"})
    assert reponse.status_code == 302 and reponse.url == _url("presence", cas["session"].pk)
    i.refresh_from_db()
    assert i.presence == Presence.ABSENT and i.reussie_le is None and i.code_attestation is None
    reponse = client.post(url, {"presence": "n'importe quoi"}, follow=True)
    assert "Présence inconnue" in reponse.content.decode()


def test_noter_session_future_message_sans_500(client, cas):
    future = f.session(formateur=cas["formateur"], jours=2)
    i = f.inscrire(future, f.agent())
    f.connecter(client, cas["formateur"])
    reponse = client.post(
        _url("noter", future.pk, i.pk), {"presence": "present"}, headers={"HX-Request": "true"}
    )
    assert reponse.status_code == 200 and "pas encore commencé" in reponse.content.decode()


def test_emargement_pdf(client, cas):
    f.connecter(client, cas["formateur"])
    reponse = client.get(_url("emargement", cas["session"].pk))
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    assert reponse.content.startswith(b"%PDF")


def test_import_par_la_page(client, cas):
    f.connecter(client, cas["formateur"])
    assert client.get(_url("importer")).status_code == 200
    i = cas["inscription"]
    bon = f"session;courriel;presence;reussite\n{cas['session'].pk};{i.agent.email};present;oui\n".encode()
    reponse = client.post(
        _url("importer"), {"fichier": SimpleUploadedFile("org.csv", bon, "text/csv")}, follow=True
    )
    assert "1 réussite(s) notée(s)" in reponse.content.decode()
    assert Inscription.objects.get(pk=i.pk).code_attestation
    faux = f"session;courriel;presence;reussite\n{cas['session'].pk};x@y.fr;present;oui\n".encode()
    reponse = client.post(_url("importer"), {"fichier": SimpleUploadedFile("faux.csv", faux, "text/csv")})
    contenu = reponse.content.decode()
    assert reponse.status_code == 200 and "data-rejet" in contenu and "x@y.fr" in contenu
    illisible = SimpleUploadedFile("latin.csv", "session;é\n".encode("latin-1"), "text/csv")
    reponse = client.post(_url("importer"), {"fichier": illisible})
    assert reponse.status_code == 200 and "UTF-8" in reponse.content.decode()
    reponse = client.post(_url("importer"), {})
    assert reponse.status_code == 200 and "fr-error-text" in reponse.content.decode()


def test_agent_telecharge_sa_seule_attestation(client, cas):
    i = cas["inscription"]
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    autre = f.inscrire(cas["session"], f.agent())
    reussite.noter_reussite(par=cas["formateur"], inscription=autre)
    f.connecter(client, i.agent)
    contenu = client.get(_url("mes_attestations")).content.decode()
    assert _url("attestation", i.pk) in contenu and _url("attestation", autre.pk) not in contenu
    reponse = client.get(_url("attestation", i.pk))
    assert reponse.status_code == 200 and reponse.content.startswith(b"%PDF")
    assert "attachment" in reponse["Content-Disposition"]
    assert client.get(_url("attestation", autre.pk)).status_code == 404
    # Le formateur lui-même ne télécharge pas l'attestation d'un agent par cette adresse.
    f.connecter(client, cas["formateur"])
    assert client.get(_url("attestation", i.pk)).status_code == 404


def test_attestation_non_reussie_404(client, cas):
    f.connecter(client, cas["inscription"].agent)
    assert client.get(_url("attestation", cas["inscription"].pk)).status_code == 404
    assert "data-vide" in client.get(_url("mes_attestations")).content.decode()


def _personne(nom, cas):
    s = cas["structure"]
    autre = Departement.objects.exclude(pk=s.departement_id).order_by("pk").first()
    if nom == "organisateur":
        u = personne()
        cas["session"].organisee_par = u
        cas["session"].save()
        return u
    return {
        "formateur": lambda: cas["formateur"],
        "animateur": lambda: personne(Role.ANIMATEUR, departement=s.departement),
        "nationale": lambda: personne(Role.EQUIPE_NATIONALE),
        "animateur_autre": lambda: personne(Role.ANIMATEUR, departement=autre),
        "responsable": lambda: personne(Role.RESPONSABLE, structure=s),
        "agent": lambda: cas["inscription"].agent,
        "referent": lambda: personne(Role.REFERENT_PARTENAIRE, partenaire=f.pilote().partenaire),
    }[nom]()


@pytest.mark.parametrize(
    "nom, autorise",
    [
        ("formateur", True),
        ("organisateur", True),
        ("animateur", True),
        ("nationale", True),
        ("animateur_autre", False),
        ("responsable", False),
        ("agent", False),
        ("referent", False),
    ],
)
def test_matrice_acces_session(client, cas, nom, autorise):
    f.connecter(client, _personne(nom, cas))
    pk, i = cas["session"].pk, cas["inscription"]
    attendu = 200 if autorise else 404
    assert client.get(_url("presence", pk)).status_code == attendu
    assert client.get(_url("emargement", pk)).status_code == attendu
    reponse = client.post(_url("noter", pk, i.pk), {"presence": "present"})
    assert reponse.status_code == (302 if autorise else 404)
    i.refresh_from_db()
    assert i.presence == (Presence.PRESENT if autorise else "")
    assert (f'data-session="{pk}"' in client.get(_url("sessions")).content.decode()) is autorise


def test_inscription_d_une_autre_session_404(client, cas):
    autre = f.inscrire(f.session(), f.agent())
    f.connecter(client, cas["formateur"])
    assert client.post(_url("noter", cas["session"].pk, autre.pk), {"presence": "present"}).status_code == 404


def test_anonyme_redirige_vers_la_connexion(client, cas):
    assert client.get(_url("sessions")).status_code == 302
    assert client.get(_url("attestation", cas["inscription"].pk)).status_code == 302


# — Vérification publique —


def test_verification_code_connu(client, cas):
    i = cas["inscription"]
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    i.refresh_from_db()
    reponse = client.get(reverse("attestations:verifier", args=[i.code_attestation]))
    contenu = reponse.content.decode()
    assert reponse.status_code == 200 and 'data-verification="valide"' in contenu
    assert "Éloïse Quenouillard" in contenu and i.session.module.titre in contenu
    assert i.agent.email not in contenu  # seul le nom est confirmé
    # Saisie à la main : minuscules, espaces et tirets.
    saisi = f"{i.code_attestation[:5].lower()}-{i.code_attestation[5:]} "
    reponse = client.get(reverse("attestations:formulaire"), {"code": saisi})
    assert reponse.status_code == 302 and reponse.url == reverse(
        "attestations:verifier", args=[i.code_attestation]
    )


@pytest.mark.parametrize("code", ["ABCDEFGHJK", "ABC", "0OIL1OIL10", "<script>x", "A" * 300])
def test_verification_code_inconnu_ou_forge(client, cas, code):
    reussite.noter_reussite(par=cas["formateur"], inscription=cas["inscription"])
    reponse = client.get(reverse("attestations:verifier", args=[code]))
    contenu = reponse.content.decode()
    # Réponse « aucune attestation » (200 : c'est une réponse, pas une page manquante).
    assert reponse.status_code == 200 and 'data-verification="inconnue"' in contenu
    assert "Quenouillard" not in contenu and "<script>x" not in contenu


def test_verification_reussite_retiree(client, cas):
    i = cas["inscription"]
    reussite.noter_reussite(par=cas["formateur"], inscription=i)
    i.refresh_from_db()
    code = i.code_attestation
    reussite.annuler_reussite(par=cas["formateur"], inscription=i)
    assert (
        'data-verification="inconnue"'
        in client.get(reverse("attestations:verifier", args=[code])).content.decode()
    )


def test_formulaire_erreur_de_format(client):
    reponse = client.get(reverse("attestations:formulaire"), {"code": "12"})
    assert reponse.status_code == 200 and "pas le bon format" in reponse.content.decode()
    assert client.get(reverse("attestations:formulaire")).status_code == 200


def test_verification_limitee_en_debit(client, settings):
    cache.clear()
    settings.LIMITES_DEBIT = {**settings.LIMITES_DEBIT, "recherche": 3}
    url = reverse("attestations:verifier", args=["ABCDEFGHJK"])
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(reverse("attestations:formulaire")).status_code == 429
    cache.clear()
