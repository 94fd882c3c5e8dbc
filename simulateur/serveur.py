"""Simulateur d'estimation des droits : OpenFisca-France dans son propre processus et son propre environnement.

Un petit serveur HTTP (bibliothèque standard, pas de gunicorn) écoutant sur la boucle locale. Le modèle
(`CountryTaxBenefitSystem`) est chargé **une fois** au démarrage ; chaque requête construit une simulation.

    GET  /sante      → {"statut": "ok", "modele": "openfisca-france", "version": "…", "chargement_s": 3.1}
    POST /calculer   ← {"situation": {…situation OpenFisca…},
                        "calculs": [{"variable": "rsa", "periode": "2026-11"}, …]}
                     → {"resultats": {"rsa": {"2026-11": {"famille_1": 512.3, …}}, …}}

Erreurs : JSON {"erreur": "message clair"} avec 400 (entrée invalide), 404, 411/413 (taille), 500.
Lancement : `simulateur/.venv/bin/python simulateur/serveur.py [--hote 127.0.0.1] [--port 5001]`.
"""

import argparse
import json
import math
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TAILLE_MAX = 1024 * 1024  # octets : un ménage fait ~5 à 12 Ko, un lot jusqu'à ~80 ménages
CALCULS_MAX = 200

_modele = None
_version = ""
_chargement_s = 0.0
# OpenFisca ne garantit pas la sûreté entre fils d'exécution (caches de paramètres) : un calcul à la fois.
_verrou = threading.Lock()


def charger_modele():
    global _modele, _version, _chargement_s
    debut = time.perf_counter()
    from importlib.metadata import version

    from openfisca_france import CountryTaxBenefitSystem

    _modele = CountryTaxBenefitSystem()
    _version = version("openfisca-france")
    prechauffer()
    _chargement_s = round(time.perf_counter() - debut, 2)
    return _modele


def prechauffer():
    """Un premier calcul au démarrage : les paramètres et formules lus sont préparés avant la première requête
    (sinon la première estimation paie plusieurs secondes de plus)."""
    annee = time.localtime().tm_year
    mois = [f"{annee - a}-{m:02d}" for a in (2, 1, 0) for m in range(1, 13)]
    situation = {
        "individus": {
            "parent": {
                "date_naissance": {"ETERNITY": f"{annee - 35}-01-01"},
                "salaire_de_base": dict.fromkeys(mois, 1000),
            },
            "enfant": {"date_naissance": {"ETERNITY": f"{annee - 5}-01-01"}},
        },
        "familles": {"famille": {"parents": ["parent"], "enfants": ["enfant"]}},
        "foyers_fiscaux": {"foyer": {"declarants": ["parent"], "personnes_a_charge": ["enfant"]}},
        "menages": {
            "menage": {
                "personne_de_reference": ["parent"],
                "enfants": ["enfant"],
                "statut_occupation_logement": dict.fromkeys(mois, "locataire_vide"),
                "loyer": dict.fromkeys(mois, 500),
            }
        },
    }
    periode = mois[-1]
    calculer(
        {
            "situation": situation,
            "calculs": [{"variable": v, "periode": periode} for v in PRECHAUFFAGE]
            + [
                {"variable": "cheque_energie", "periode": str(annee)},
                {"variable": "ars", "periode": str(annee)},
            ],
        }
    )


PRECHAUFFAGE = ("rsa", "ppa", "aide_logement", "af", "cf", "asf", "paje_base", "aspa")


class EntreeInvalide(Exception):
    pass


def calculer(demande: dict) -> dict:
    """Construit la simulation et calcule les variables demandées. Lève EntreeInvalide avec un message clair."""
    from openfisca_core.simulation_builder import SimulationBuilder

    if not isinstance(demande, dict):
        raise EntreeInvalide("Le corps doit être un objet JSON.")
    situation = demande.get("situation")
    calculs = demande.get("calculs")
    if not isinstance(situation, dict) or not situation:
        raise EntreeInvalide("Champ « situation » manquant ou vide (situation OpenFisca en JSON).")
    if not isinstance(calculs, list) or not calculs:
        raise EntreeInvalide("Champ « calculs » manquant : liste de {variable, periode}.")
    if len(calculs) > CALCULS_MAX:
        raise EntreeInvalide(f"Trop de calculs demandés (au plus {CALCULS_MAX}).")
    for calcul in calculs:
        if not isinstance(calcul, dict) or not isinstance(calcul.get("variable"), str):
            raise EntreeInvalide("Chaque calcul est un objet {variable, periode}.")
        if calcul["variable"] not in _modele.variables:
            raise EntreeInvalide(f"Variable inconnue du modèle : « {calcul['variable']} ».")
        if not isinstance(calcul.get("periode"), str):
            raise EntreeInvalide(f"Période manquante pour « {calcul['variable']} ».")
    with _verrou:
        try:
            simulation = SimulationBuilder().build_from_entities(_modele, situation)
        except Exception as exc:  # SituationParsingError, ValueError… : l'entrée est en cause
            raise EntreeInvalide(f"Situation refusée par le modèle : {_message(exc)}") from exc
        resultats: dict = {}
        for calcul in calculs:
            variable, periode = calcul["variable"], calcul["periode"]
            population = simulation.get_variable_population(variable)
            try:
                valeurs = simulation.calculate(variable, periode)
            except ValueError as exc:  # période mal formée ou incompatible avec la variable
                raise EntreeInvalide(
                    f"Calcul de « {variable} » sur « {periode} » impossible : {_message(exc)}"
                ) from exc
            resultats.setdefault(variable, {})[periode] = {
                identifiant: _nombre(valeur)
                for identifiant, valeur in zip(population.ids, valeurs.tolist(), strict=True)
            }
    return {"resultats": resultats}


def _nombre(valeur):
    if isinstance(valeur, float):
        return round(valeur, 2) if math.isfinite(valeur) else None
    if isinstance(valeur, bool | int | str):
        return valeur
    return str(valeur)


def _message(exc: Exception) -> str:
    texte = getattr(exc, "error", None) or str(exc)
    if not isinstance(texte, str):
        texte = json.dumps(texte, ensure_ascii=False, default=str)
    return texte[:500]


class Gestionnaire(BaseHTTPRequestHandler):
    server_version = "simulateur-droits"
    sys_version = ""

    def log_message(self, format, *args):
        if self.server.bavard:
            super().log_message(format, *args)

    def _repondre(self, statut: int, corps: dict):
        donnees = json.dumps(corps, ensure_ascii=False).encode()
        self.send_response(statut)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(donnees)))
        self.end_headers()
        self.wfile.write(donnees)

    def do_GET(self):
        if self.path == "/sante":
            return self._repondre(
                200,
                {
                    "statut": "ok",
                    "modele": "openfisca-france",
                    "version": _version,
                    "chargement_s": _chargement_s,
                },
            )
        return self._repondre(404, {"erreur": "Adresse inconnue : GET /sante ou POST /calculer."})

    def do_POST(self):
        if self.path != "/calculer":
            return self._repondre(404, {"erreur": "Adresse inconnue : GET /sante ou POST /calculer."})
        longueur = self.headers.get("Content-Length")
        if longueur is None or not longueur.isdigit():
            self.close_connection = True
            return self._repondre(411, {"erreur": "En-tête Content-Length obligatoire."})
        if int(longueur) > TAILLE_MAX:
            self.close_connection = True
            return self._repondre(413, {"erreur": f"Requête trop grande (au plus {TAILLE_MAX} octets)."})
        try:
            demande = json.loads(self.rfile.read(int(longueur)) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._repondre(400, {"erreur": "Le corps n'est pas du JSON valide."})
        try:
            return self._repondre(200, calculer(demande))
        except EntreeInvalide as exc:
            return self._repondre(400, {"erreur": str(exc)})
        except Exception as exc:  # le serveur reste debout ; le message reste court
            return self._repondre(
                500, {"erreur": f"Erreur du modèle : {type(exc).__name__}: {_message(exc)}"}
            )


class Serveur(ThreadingHTTPServer):
    daemon_threads = True
    bavard = False


def main(argv=None):
    parser = argparse.ArgumentParser(description="Simulateur d'estimation des droits (OpenFisca-France)")
    parser.add_argument("--hote", default="127.0.0.1", help="adresse d'écoute (boucle locale par défaut)")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--bavard", action="store_true", help="journalise chaque requête")
    args = parser.parse_args(argv)
    charger_modele()
    serveur = Serveur((args.hote, args.port), Gestionnaire)
    serveur.bavard = args.bavard
    print(
        f"Simulateur prêt sur http://{args.hote}:{serveur.server_port} "
        f"(openfisca-france {_version}, modèle chargé en {_chargement_s} s)",
        flush=True,
    )
    try:
        serveur.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        serveur.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
