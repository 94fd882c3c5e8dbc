"""À écrire (squelette)."""


def espace(request, *args, **kwargs):
    raise NotImplementedError


def mon_compte(request, *args, **kwargs):
    raise NotImplementedError


def changer_mot_de_passe(request, *args, **kwargs):
    raise NotImplementedError


def second_facteur(request, *args, **kwargs):
    raise NotImplementedError
