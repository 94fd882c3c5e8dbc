"""Lancer des fonctions dans des fils partis ensemble (tests de concurrence réelle sur PostgreSQL)."""

import threading

from django.db import connection, connections


def en_parallele(fonctions):
    """Exécute chaque fonction dans son fil, tous libérés en même temps (connexion ouverte avant le départ) ;
    rend (résultats, exceptions)."""
    resultats, erreurs = [], []
    depart = threading.Barrier(len(fonctions))

    def lancer(fn):
        try:
            connection.ensure_connection()  # connexion ouverte avant le départ : départs vraiment simultanés
            depart.wait()
            resultats.append(fn())
        except Exception as exc:
            erreurs.append(exc)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=lancer, args=(fn,)) for fn in fonctions]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    return resultats, erreurs
