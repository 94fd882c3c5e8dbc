"""À écrire (squelette)."""


def liste(request, *args, **kwargs):
    raise NotImplementedError


def modifier(request, *args, **kwargs):
    raise NotImplementedError


def historique(request, *args, **kwargs):
    raise NotImplementedError
