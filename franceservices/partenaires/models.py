from django.db import models

from franceservices.core.models import Horodate


class Presence(models.TextChoices):
    SOCLE = "socle", "Partenaire national du socle (présent dans toutes les France services)"
    AJOUTE = "ajoute", "Partenaire national ajouté au bouquet"
    PILOTE = "pilote", "Partenaire en expérimentation (pilote sur un périmètre)"


class Partenaire(Horodate):
    """Opérateur national du bouquet de services ; données éditables par l'équipe nationale (admin)."""

    code = models.SlugField(max_length=20, unique=True)
    nom_court = models.CharField("nom court", max_length=60)
    nom_complet = models.CharField("nom complet", max_length=200)
    type = models.CharField(max_length=60, blank=True)
    presence = models.CharField("présence", max_length=10, choices=Presence.choices, default=Presence.SOCLE)
    depuis = models.PositiveSmallIntegerField("partenaire depuis (année)", null=True, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="D'où vient cette information")
    actif = models.BooleanField(default=True)

    class Meta:
        verbose_name = "partenaire"
        ordering = ["presence", "nom_court"]

    def __str__(self):
        return self.nom_court
