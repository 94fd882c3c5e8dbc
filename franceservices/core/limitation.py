"""Limitation de débit par adresse IP (fenêtre fixe d'une minute, dans le cache partagé).

`LIMITES_DEBIT` (réglages) donne le nombre de requêtes admises par minute pour chaque portée.
En production, le cache doit être partagé entre processus (CACHE_BACKEND : Redis, base…).
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from .audit import adresse_ip


def minute_courante() -> int:
    return int(time.time() // 60)


def depasse(request, portee: str) -> bool:
    """Compte la requête ; vrai si la limite de la minute en cours est dépassée."""
    limite = settings.LIMITES_DEBIT[portee]
    cle = f"debit:{portee}:{adresse_ip(request) or 'inconnue'}:{minute_courante()}"
    if cache.add(cle, 1, timeout=70):
        return limite < 1
    try:
        compte = cache.incr(cle)
    except ValueError:  # clé expirée entre add et incr
        cache.set(cle, 1, timeout=70)
        compte = 1
    return compte > limite


def reponse_trop_de_requetes(request):
    reponse = render(request, "ui/429.html", {"titre": "Trop de tentatives"}, status=429)
    reponse["Retry-After"] = "60"
    return reponse


def limiter_debit(portee: str, methodes=("POST",)):
    """Décorateur de vue : au-delà de la limite, page 429 (« réessayez dans une minute »)."""

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            if request.method in methodes and depasse(request, portee):
                return reponse_trop_de_requetes(request)
            return vue(request, *args, **kwargs)

        return enveloppe

    return decorateur
