"""À écrire (squelette)."""


def liste(request, *args, **kwargs):
    raise NotImplementedError


def export(request, *args, **kwargs):
    raise NotImplementedError


def fiche(request, *args, **kwargs):
    raise NotImplementedError


def desactiver(request, *args, **kwargs):
    raise NotImplementedError


def reactiver(request, *args, **kwargs):
    raise NotImplementedError


def retirer_habilitation(request, *args, **kwargs):
    raise NotImplementedError


def invitations(request, *args, **kwargs):
    raise NotImplementedError


def inviter(request, *args, **kwargs):
    raise NotImplementedError


def annuler_invitation(request, *args, **kwargs):
    raise NotImplementedError


def accepter_invitation(request, *args, **kwargs):
    raise NotImplementedError
