"""À écrire (squelette)."""


def journal(request, *args, **kwargs):
    raise NotImplementedError
