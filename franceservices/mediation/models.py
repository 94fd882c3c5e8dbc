from django.db import models

from franceservices.core.models import Horodate


class LieuMediation(Horodate):
    """Lieu de médiation numérique (réseau des conseillers numériques).

    Modélisé dès maintenant pour porter le périmètre des conseillers numériques ; l'import du
    référentiel des lieux (data.inclusion) arrive avec l'orientation entre les deux réseaux.
    """

    identifiant = models.CharField("identifiant source", max_length=120, unique=True)
    nom = models.CharField(max_length=250)
    commune = models.ForeignKey(
        "territoires.Commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    departement = models.ForeignKey(
        "territoires.Departement", on_delete=models.PROTECT, related_name="lieux_mediation"
    )

    class Meta:
        verbose_name = "lieu de médiation numérique"
        verbose_name_plural = "lieux de médiation numérique"
        ordering = ["nom"]

    def __str__(self):
        return self.nom
