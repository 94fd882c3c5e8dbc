import math

from django.db import models

from franceservices.core.models import Horodate


class LieuMediationQuerySet(models.QuerySet):
    def proches(
        self, lat: float, lon: float, rayon_km: float, limite: int
    ) -> list[tuple["LieuMediation", float]]:
        """Les lieux à moins de `rayon_km` (vol d'oiseau) de (lat, lon), du plus proche au plus éloigné.

        Un cadre en latitude/longitude (index) borne la lecture, la distance exacte trie : quelques lignes lues.
        """
        from franceservices.territoires.geo import haversine_km

        dlat = rayon_km / 111.0
        dlon = rayon_km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
        candidats = self.filter(
            latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon)
        ).select_related("commune")
        avec_distance = [(lieu, haversine_km(lat, lon, lieu.latitude, lieu.longitude)) for lieu in candidats]
        avec_distance = [(lieu, d) for lieu, d in avec_distance if d <= rayon_km]
        avec_distance.sort(key=lambda paire: (paire[1], paire[0].nom))
        return avec_distance[:limite]


class LieuMediation(Horodate):
    """Lieu de médiation numérique (schéma national des lieux de médiation numérique).

    Porte le périmètre des conseillers numériques (habilitations) et l'orientation entre les deux réseaux ;
    importé par `importer_lieux_mediation` (voir `importation.py`). `nom`, `commune` et `departement`
    sont lus par d'autres applications (orientations) : ne pas les renommer.
    """

    identifiant = models.CharField("identifiant source", max_length=120, unique=True)
    nom = models.CharField(max_length=250)
    commune = models.ForeignKey(
        "territoires.Commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    departement = models.ForeignKey(
        "territoires.Departement", on_delete=models.PROTECT, related_name="lieux_mediation"
    )
    pivot = models.CharField("SIRET, RNA ou RIDET", max_length=20, blank=True)
    adresse = models.CharField(max_length=250, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    libelle_commune = models.CharField("commune (texte publié)", max_length=100, blank=True)
    code_insee = models.CharField("code INSEE publié", max_length=5, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    typologie = models.CharField(
        max_length=200,
        blank=True,
        help_text="Codes des typologies de structures data·inclusion, séparés par « | »",
    )
    services = models.TextField(blank=True, help_text="Services du schéma (v1.0), séparés par « | »")
    horaires = models.TextField(blank=True, help_text="Horaires au format OpenStreetMap, tels que publiés")
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.CharField(max_length=254, blank=True)
    site_web = models.CharField("site web", max_length=500, blank=True)
    prise_rdv = models.CharField("prise de rendez-vous", max_length=500, blank=True)
    presentation_resume = models.TextField("présentation", blank=True)
    labels_nationaux = models.CharField("labels nationaux", max_length=200, blank=True)
    source = models.CharField("structure qui a collecté la donnée", max_length=100, blank=True)
    date_maj = models.DateField("date de mise à jour", null=True, blank=True)

    objects = LieuMediationQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu de médiation numérique"
        verbose_name_plural = "lieux de médiation numérique"
        ordering = ["nom"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="lieu_mediation_position")]

    def __str__(self):
        return self.nom

    @property
    def liste_services(self) -> list[str]:
        return [s for s in self.services.split("|") if s]

    @property
    def nom_commune(self) -> str:
        return self.commune.nom if self.commune_id else self.libelle_commune
