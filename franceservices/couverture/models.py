"""Couverture du territoire : le dernier calcul des distances de chaque commune au point d'accès le plus proche.

Les distances sont mises en table par la commande `calculer_couverture` (idempotente) plutôt que calculées
à chaque page : les pages trient, paginent, exportent et agrègent en SQL (quel que soit le seuil choisi),
et un calcul (≈ 1 s) ne pèse jamais sur une requête HTTP. Les seuils et le facteur de détour s'appliquent
à la lecture : la table ne garde que des distances à vol d'oiseau.
"""

from django.db import models


class CalculCouverture(models.Model):
    """Un calcul : quand, sur quel état du registre, avec quel facteur de détour (historique conservé)."""

    calcule_le = models.DateTimeField("calculé le", db_index=True)
    version_registre = models.CharField(
        "version du registre", max_length=200, help_text="Empreinte des sites, arrêts et communes comptés."
    )
    facteur_detour = models.FloatField("facteur de détour")
    communes = models.PositiveIntegerField("communes")
    population = models.PositiveBigIntegerField("population")
    sites = models.PositiveIntegerField("France services")
    arrets = models.PositiveIntegerField("arrêts itinérants")
    duree_ms = models.PositiveIntegerField("durée du calcul (ms)")

    class Meta:
        verbose_name = "calcul de couverture"
        verbose_name_plural = "calculs de couverture"
        ordering = ["-calcule_le", "-pk"]

    def __str__(self):
        return f"Calcul de couverture du {self.calcule_le:%d/%m/%Y %H:%M}"


class DistanceCommune(models.Model):
    """Distance (vol d'oiseau, km) d'une commune au plus proche point d'accès, au dernier calcul."""

    commune = models.OneToOneField(
        "territoires.Commune", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    departement = models.ForeignKey("territoires.Departement", on_delete=models.CASCADE, related_name="+")
    population = models.PositiveIntegerField(default=0)
    distance_km = models.FloatField("distance à la France services la plus proche (km)")
    structure = models.ForeignKey(
        "structures.Structure", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    distance_acces_km = models.FloatField(
        "distance au plus proche point d'accès, arrêts itinérants compris (km)"
    )

    class Meta:
        verbose_name = "distance d'une commune"
        verbose_name_plural = "distances des communes"
        indexes = [
            models.Index(fields=["departement", "distance_km"], name="couv_dep_distance"),
            models.Index(fields=["distance_km"], name="couv_distance"),
        ]

    def __str__(self):
        return f"{self.commune_id} : {self.distance_km:.1f} km"
