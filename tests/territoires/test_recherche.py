"""Recherche de communes par nom (tolérante), code postal ou code INSEE."""

import pytest

from franceservices.core.texte import normaliser
from franceservices.territoires import recherche
from franceservices.territoires.models import Commune, TypeCommune
from franceservices.territoires.recherche import chercher_communes

pytestmark = pytest.mark.django_db


def codes(q, limite=10):
    return [c.code_insee for c in chercher_communes(q, limite)]


@pytest.mark.parametrize("q", ["laval", "LAVAL", "Laval", "Lavál", "  laval  ", "LaVaL"])
def test_laval(q):
    resultats = chercher_communes(q)
    assert resultats[0].code_insee == "53130"
    assert resultats[0].nom == "Laval"
    assert len(resultats) == 10  # puis les préfixes (Lavalette, Laval-Pradel…)
    assert all(c.nom_normalise.startswith("laval") for c in resultats)


@pytest.mark.parametrize(
    "q", ["saint etienne", "st etienne", "St-Étienne", "saint-etienne", "ST ETIENNE", "Saint Étienne"]
)
def test_saint_etienne(q):
    resultats = chercher_communes(q)
    assert resultats[0].code_insee == "42218"
    assert resultats[0].nom == "Saint-Étienne"
    # puis les autres « Saint-Étienne-… », les plus peuplées d'abord
    assert resultats[1].nom == "Saint-Étienne-du-Rouvray"


@pytest.mark.parametrize("q", ["ste marie aux mines", "Sainte-Marie-aux-Mines", "STE-MARIE-AUX-MINES"])
def test_sainte_marie_aux_mines(q):
    assert codes(q)[0] == "68298"


@pytest.mark.parametrize(
    "q",
    [
        "l'abergement clemenciat",
        "L’Abergement-Clémenciat",
        "l abergement clemenciat",
        "L'ABERGEMENT-CLÉMENCIAT",
    ],
)
def test_apostrophes(q):
    assert codes(q) == ["01001"]


@pytest.mark.parametrize(
    ("q", "attendu"),
    [("Marseile", "13055"), ("Bordeau", "33063"), ("Strasbourgg", "67482"), ("Nante", "44109")],
)
def test_faute_de_frappe(q, attendu):
    assert codes(q)[0] == attendu


def test_faute_de_frappe_toulouze():
    # « Toulouze » est aussi le début de « Toulouzette » (Landes) : le préfixe passe d'abord,
    # Toulouse vient juste après (approchée).
    trouves = codes("Toulouze")
    assert "31555" in trouves[:3]
    assert trouves.index("31555") == trouves.index("40318") + 1


def test_code_postal():
    resultats = chercher_communes("53000")
    assert [c.code_insee for c in resultats] == ["53130"]


def test_code_insee():
    assert codes("53130") == ["53130"]
    assert codes("2A004") == ["2A004"]
    assert codes("2a004") == ["2A004"]
    assert codes("97411")[0] == "97411"  # Saint-Denis (La Réunion), puis Saint-Paul (code postal 97411)


def test_code_insee_avant_code_postal():
    # 13001 : code INSEE d'Aix-en-Provence et code postal de Marseille (1er)
    trouves = codes("13001")
    assert trouves[0] == "13001"
    assert {"13055", "13201"} <= set(trouves)


def test_code_postal_partage_par_plusieurs_communes():
    resultats = chercher_communes("53200")
    assert len(resultats) > 1
    # 53200 est aussi un code INSEE (celui-ci passe d'abord), puis le code postal de Château-Gontier…
    assert resultats[0].code_insee == "53200"
    postaux = resultats[1:]
    assert all("53200" in c.liste_codes_postaux for c in postaux)
    assert postaux[0].code_insee == "53062"
    populations = [c.population or 0 for c in postaux]
    assert populations == sorted(populations, reverse=True)


@pytest.mark.parametrize("prefixe", ["530", "5300", "53", "2A", "974"])
def test_prefixe_de_code(prefixe):
    resultats = chercher_communes(prefixe)
    assert resultats
    for c in resultats:
        assert c.code_insee.startswith(prefixe) or any(cp.startswith(prefixe) for cp in c.liste_codes_postaux)
    populations = [c.population or 0 for c in resultats]
    assert populations == sorted(populations, reverse=True)


def test_prefixe_530_commence_par_laval():
    assert codes("530")[0] == "53130"


@pytest.mark.parametrize(
    "q", ["", "   ", "zzzzzzzz", "!!!", "%%", "'", "-", "\x00", "😀", "99999", "0", "x" * 100, "' OR 1=1 --"]
)
def test_rien_ou_n_importe_quoi(q):
    assert chercher_communes(q) == []


def test_limite():
    assert len(chercher_communes("saint", 3)) == 3
    assert len(chercher_communes("saint", 50)) == 50
    assert chercher_communes("laval", 0) == []


def test_egalites_departagees_par_la_population():
    """Plusieurs communes du même nom : la plus peuplée d'abord."""
    resultats = [c for c in chercher_communes("saint denis", 20) if c.nom_normalise == "saint denis"]
    assert [c.code_insee for c in resultats[:2]] == ["97411", "93066"]
    populations = [c.population or 0 for c in resultats]
    assert populations == sorted(populations, reverse=True)
    sainte_marie = [c for c in chercher_communes("Sainte Marie", 10) if c.nom_normalise == "sainte marie"]
    assert len(sainte_marie) >= 5
    assert sainte_marie[0].code_insee == "97418"
    assert [c.population or 0 for c in sainte_marie] == sorted(
        (c.population or 0 for c in sainte_marie), reverse=True
    )


def test_communes_actuelles_avant_les_arrondissements():
    assert codes("Paris")[0] == "75056"
    assert codes("Lyon")[0] == "69123"
    assert codes("Marseille")[0] == "13055"
    arrondissements = chercher_communes("Paris", 10)[1:]
    assert all(c.type == TypeCommune.ARRONDISSEMENT for c in arrondissements)


def test_resultats_sans_doublon():
    for q in ["saint denis", "paris", "13001", "530", "Marseile"]:
        pks = [c.pk for c in chercher_communes(q, 50)]
        assert len(pks) == len(set(pks))


def test_meme_resultat_que_l_index_reconstruit():
    avant = codes("laval", 20)
    recherche.invalider_index()
    assert codes("laval", 20) == avant


def test_normaliser():
    assert normaliser("Sainte-Marie-aux-Mines") == "sainte marie aux mines"
    assert normaliser("St-Étienne") == "saint etienne"
    assert normaliser("L’Abergement-Clémenciat") == "l abergement clemenciat"
    assert normaliser("Œuilly") == "oeuilly"
    assert normaliser("  ") == ""


def test_toute_commune_se_retrouve_par_son_nom():
    """Chaque commune actuelle figure dans les résultats de la recherche sur son propre nom."""
    communes = Commune.objects.filter(type=TypeCommune.ACTUELLE).order_by("code_insee")[::300]
    assert len(communes) > 100
    for commune in communes:
        assert commune.pk in [c.pk for c in chercher_communes(commune.nom, 10)], commune.nom
