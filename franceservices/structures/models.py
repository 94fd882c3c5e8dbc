from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from franceservices.core.models import Horodate
from franceservices.core.texte import normaliser
from franceservices.territoires.feries import est_ferie_pour
from franceservices.territoires.models import Commune, Departement

from .horaires import JOURS, HorairesSemaine, Plage, fuseau_du_departement


class TypeStructure(models.TextChoices):
    PRINCIPAL = "principal", "Principale"
    ANTENNE = "antenne", "Antenne"


class Format(models.TextChoices):
    FIXE = "fixe", "Fixe"
    MULTISITES = "multisites", "Multisites"
    BUS = "bus", "Bus (itinérant)"
    FIXE_ANTENNES = "fixe_antennes", "Fixe avec antenne(s)"
    ITINERANTE = "itinerante", "Itinérante"


EXPLICATIONS_FORMAT = {
    Format.FIXE: "Un lieu d'accueil fixe, ouvert aux horaires indiqués.",
    Format.MULTISITES: "Une même France services répartie sur plusieurs lieux d'accueil.",
    Format.BUS: "Un bus qui s'arrête dans plusieurs communes selon un calendrier : vérifiez le lieu et le jour de passage.",
    Format.FIXE_ANTENNES: "Un lieu fixe qui anime aussi une ou plusieurs antennes de proximité.",
    Format.ITINERANTE: "Des agents qui se déplacent dans plusieurs lieux selon un calendrier.",
}


class Source(models.TextChoices):
    CSV_2024 = "csv-2024", "Liste ANCT (CSV, 2024)"
    GEOJSON_2020 = "geojson-2020", "Liste ANCT (GeoJSON, 2020)"


def texte_recherche(*morceaux: str) -> str:
    """Texte normalisé (sans accents, casse ni ponctuation) dans lequel chercher un lieu."""
    return normaliser(" ".join(m for m in morceaux if m))


class StructureQuerySet(models.QuerySet):
    def recherche(self, q: str):
        """Chaque mot de `q` figure dans le nom, l'adresse, la commune ou le code postal (insensible aux accents)."""
        qs = self
        for mot in normaliser(q).split():
            qs = qs.filter(texte_recherche__contains=mot)
        return qs

    def pour_affichage(self):
        return self.select_related("commune", "departement")

    def visible_par(self, utilisateur):
        """France services du périmètre de `utilisateur` (toutes pour l'équipe nationale)."""
        from franceservices.comptes.perimetre import perimetre_de

        return self.filter(perimetre_de(utilisateur).filtre_structures())


class Structure(Horodate):
    """Une France services du registre (identifiant : `id_fs` de l'open data ANCT)."""

    id_fs = models.CharField("identifiant France services", max_length=20, unique=True)
    nom = models.CharField(max_length=250)
    adresse = models.CharField(max_length=250, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    code_insee = models.CharField("code INSEE (source)", max_length=5, blank=True)
    libelle_commune = models.CharField("commune (source)", max_length=100, blank=True)
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.SET_NULL, related_name="structures"
    )
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="structures")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.CharField("adresse électronique", max_length=254, blank=True)
    type = models.CharField(max_length=10, choices=TypeStructure.choices, default=TypeStructure.PRINCIPAL)
    format = models.CharField(max_length=15, choices=Format.choices, default=Format.FIXE)
    groupe = models.CharField(max_length=250, blank=True)
    date_labellisation = models.DateField("date de labellisation", null=True, blank=True)
    prise_rdv = models.BooleanField("prise de rendez-vous", default=False)
    commentaire = models.TextField(blank=True)
    texte_recherche = models.TextField(
        "texte de recherche",
        blank=True,
        editable=False,
        help_text="Nom, adresse, commune et code postal normalisés",
    )
    horaires = models.JSONField("horaires structurés", default=dict, blank=True)
    horaires_source = models.JSONField("horaires (texte d'origine)", default=dict, blank=True)
    heures_par_semaine = models.FloatField("heures d'ouverture par semaine", default=0)
    jours_ouverts = models.PositiveSmallIntegerField("jours d'ouverture par semaine", default=0)
    source = models.CharField(max_length=15, choices=Source.choices, default=Source.CSV_2024)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "France services"
        verbose_name_plural = "France services"
        ordering = ["departement__code", "nom"]
        indexes = [models.Index(fields=["departement", "nom"])]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        nom_commune = self.commune.nom if self.commune_id else ""
        self.texte_recherche = texte_recherche(
            self.nom, self.adresse, self.libelle_commune, nom_commune, self.code_postal
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("structures:detail", args=[self.id_fs])

    @cached_property
    def semaine(self) -> HorairesSemaine:
        return HorairesSemaine.depuis_json(self.horaires)

    @property
    def fuseau(self):
        return fuseau_du_departement(self.departement.code)

    def est_ferie(self, jour) -> bool:
        return est_ferie_pour(self.departement.code, jour)

    def plage_a(self, instant: datetime | None = None) -> Plage | None:
        return self.semaine.plage_a(instant or timezone.now(), self.fuseau, self.est_ferie)

    def ouvert_a(self, instant: datetime | None = None) -> bool:
        return self.plage_a(instant) is not None

    def prochaine_ouverture(self, instant: datetime | None = None) -> datetime | None:
        return self.semaine.prochaine_ouverture(instant or timezone.now(), self.fuseau, self.est_ferie)

    @property
    def explication_format(self) -> str:
        return EXPLICATIONS_FORMAT.get(self.format, "")

    @property
    def lignes_horaires(self):
        """[(jour, HorairesJour)] du lundi au samedi (+ dimanche s'il est ouvert), pour l'affichage."""
        jours = [j for j in JOURS if j != "dimanche" or not self.semaine.jour(j).ferme]
        return [(j, self.semaine.jour(j)) for j in jours]


class Anomalie(models.Model):
    """Anomalie détectée à l'import : le lieu est conservé, l'anomalie est visible et exportable."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="anomalies")
    champ = models.CharField(max_length=40)
    anomalie = models.CharField(max_length=300)
    detectee_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["structure_id", "champ"]

    def __str__(self):
        return f"{self.structure_id} · {self.champ} : {self.anomalie}"


class ModificationStructure(models.Model):
    """Historique des modifications d'une fiche par son équipe : qui, quand, quels champs (avant → après)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="modifications")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    horodatage = models.DateTimeField(auto_now_add=True)
    changements = models.JSONField(help_text="{champ: [avant, après]}")

    class Meta:
        verbose_name = "modification d'une France services"
        verbose_name_plural = "modifications des France services"
        ordering = ["-horodatage", "-pk"]

    def __str__(self):
        return f"{self.structure} — {self.horodatage:%d/%m/%Y %H:%M}"
