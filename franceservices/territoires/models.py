from django.db import models

from franceservices.core.texte import normaliser

# Zones des jours fériés (fichier Etalab) selon le département.
ZONES_FERIES = {
    "57": "Alsace-Moselle",
    "67": "Alsace-Moselle",
    "68": "Alsace-Moselle",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
    "975": "Saint-Pierre-et-Miquelon",
    "977": "Saint-Barthélémy",
    "978": "Saint-Martin",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie Française",
    "988": "Nouvelle-Calédonie",
}


def zone_feries(code_departement: str) -> str:
    return ZONES_FERIES.get(code_departement, "Métropole")


class Zone(models.TextChoices):
    METROPOLE = "metro", "Métropole"
    DROM = "drom", "Département et région d'outre-mer"
    COM = "com", "Collectivité d'outre-mer"


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField(max_length=100)
    zone = models.CharField(max_length=5, choices=Zone.choices, default=Zone.METROPOLE)

    class Meta:
        verbose_name = "région"
        ordering = ["code"]

    def __str__(self):
        return self.nom


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")
    zone = models.CharField(max_length=5, choices=Zone.choices, default=Zone.METROPOLE)

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.nom} ({self.code})"

    @property
    def zone_feries(self) -> str:
        return zone_feries(self.code)


class ContourDepartement(models.Model):
    """Limites d'un département (GeoJSON), à part : lourdes, elles ne sont lues que pour les cartes."""

    departement = models.OneToOneField(
        Departement, primary_key=True, on_delete=models.CASCADE, related_name="contour"
    )
    geometrie = models.JSONField("géométrie (GeoJSON, WGS84)")

    class Meta:
        verbose_name = "contour de département"

    def __str__(self):
        return f"Contour {self.departement_id}"


class TypeCommune(models.TextChoices):
    ACTUELLE = "commune-actuelle", "Commune"
    ARRONDISSEMENT = "arrondissement-municipal", "Arrondissement municipal"
    DELEGUEE = "commune-deleguee", "Commune déléguée"
    ASSOCIEE = "commune-associee", "Commune associée"


# Ordre de résolution d'un code INSEE venant d'un autre fichier (cf. README des données).
ORDRE_RESOLUTION = [
    TypeCommune.ACTUELLE,
    TypeCommune.ARRONDISSEMENT,
    TypeCommune.DELEGUEE,
    TypeCommune.ASSOCIEE,
]


def selon_ordre_de_resolution(par_type: dict):
    """Parmi des communes de même code INSEE indexées par type, celle que ce code désigne (ou None)."""
    return next((par_type[type_] for type_ in ORDRE_RESOLUTION if type_ in par_type), None)


class CommuneQuerySet(models.QuerySet):
    def par_codes(self, codes) -> dict:
        """{code INSEE: commune désignée} ; un code INSEE n'est pas unique entre types."""
        par_code: dict[str, dict] = {}
        for commune in self.filter(code_insee__in=codes).select_related("commune_parente"):
            par_code.setdefault(commune.code_insee, {})[commune.type] = commune
        return {code: selon_ordre_de_resolution(par_type) for code, par_type in par_code.items()}

    def par_code(self, code_insee: str):
        """La commune désignée par un code INSEE, ou None."""
        return self.par_codes([code_insee]).get(code_insee)


class Commune(models.Model):
    code_insee = models.CharField("code INSEE", max_length=5, db_index=True)
    type = models.CharField(max_length=24, choices=TypeCommune.choices, default=TypeCommune.ACTUELLE)
    nom = models.CharField(max_length=100)
    nom_normalise = models.CharField(max_length=100, db_index=True, editable=False)
    commune_parente = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="communes_rattachees"
    )
    codes_postaux = models.CharField(
        "codes postaux", max_length=200, blank=True, help_text="Séparés par des espaces"
    )
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    population = models.PositiveIntegerField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    source_coordonnees = models.CharField(max_length=20, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        ordering = ["code_insee", "type"]
        constraints = [
            models.UniqueConstraint(fields=["code_insee", "type"], name="commune_code_type_unique")
        ]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        self.nom_normalise = normaliser(self.nom)
        super().save(*args, **kwargs)

    @property
    def liste_codes_postaux(self) -> list[str]:
        return self.codes_postaux.split()

    @property
    def position(self) -> tuple[float, float] | None:
        """(latitude, longitude) ; une commune déléguée ou associée sans position prend celle de sa parente."""
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        parente = self.commune_parente
        if parente is not None and parente.latitude is not None:
            return (parente.latitude, parente.longitude)
        return None


class JourFerie(models.Model):
    date = models.DateField()
    nom = models.CharField(max_length=100)
    zone = models.CharField(max_length=40)

    class Meta:
        verbose_name = "jour férié"
        verbose_name_plural = "jours fériés"
        ordering = ["date", "zone"]
        constraints = [models.UniqueConstraint(fields=["date", "zone"], name="jour_ferie_date_zone_unique")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.nom} ({self.zone})"
