"""À écrire (squelette)."""


def connexion(request, *args, **kwargs):
    raise NotImplementedError


def deconnexion(request, *args, **kwargs):
    raise NotImplementedError


def double_facteur(request, *args, **kwargs):
    raise NotImplementedError


def mot_de_passe_oublie(request, *args, **kwargs):
    raise NotImplementedError


def mot_de_passe_envoye(request, *args, **kwargs):
    raise NotImplementedError


def mot_de_passe_nouveau(request, *args, **kwargs):
    raise NotImplementedError


def mot_de_passe_modifie(request, *args, **kwargs):
    raise NotImplementedError


def verrouille(request, credentials, *args, **kwargs):
    raise NotImplementedError
