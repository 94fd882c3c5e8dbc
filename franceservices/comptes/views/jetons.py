"""À écrire (squelette)."""


def jetons(request, *args, **kwargs):
    raise NotImplementedError


def revoquer_jeton(request, *args, **kwargs):
    raise NotImplementedError
