from django.db import models


class Horodate(models.Model):
    """Modèle abstrait : dates de création et de dernière modification."""

    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True
