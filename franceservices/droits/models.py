from django.db import models


class EstimationAnonyme(models.Model):
    """Trace anonymisée d'une estimation, enregistrée seulement si l'usager l'accepte.

    Aucune donnée nominative ni montant exact : tranches d'âge et de revenus, composition, statut de logement,
    département et montants arrondis à la dizaine d'euros. Ni l'agent ni la France services ne sont gardés ici
    (le journal d'audit dit qui a enregistré).
    """

    cree_le = models.DateField("date", auto_now_add=True)
    departement = models.ForeignKey(
        "territoires.Departement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    en_couple = models.BooleanField("en couple")
    nb_enfants = models.PositiveSmallIntegerField("nombre d'enfants")
    tranche_age = models.CharField("tranche d'âge du demandeur", max_length=10)
    tranche_revenus = models.CharField("tranche de revenus bruts mensuels du foyer", max_length=20)
    logement = models.CharField("statut d'occupation", max_length=20)
    zone = models.CharField("zone de logement", max_length=6)
    montants = models.JSONField("montants mensuels arrondis à 10 €", default=dict)
    total_mensuel = models.PositiveIntegerField("total mensuel arrondi à 10 €", default=0)

    class Meta:
        verbose_name = "estimation anonymisée"
        verbose_name_plural = "estimations anonymisées"

    def __str__(self):
        return f"Estimation anonymisée du {self.cree_le:%d/%m/%Y}"
