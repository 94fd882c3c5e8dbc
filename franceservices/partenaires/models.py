from django.conf import settings
from django.db import models
from django.utils import timezone

from franceservices.core.models import Horodate


class Presence(models.TextChoices):
    SOCLE = "socle", "Partenaire national du socle (présent dans toutes les France services)"
    AJOUTE = "ajoute", "Partenaire national ajouté au bouquet"
    PILOTE = "pilote", "Partenaire en expérimentation (pilote sur un périmètre)"


class PartenaireQuerySet(models.QuerySet):
    def proposes_a(self, utilisateur):
        """Partenaires que la personne voit au catalogue : le socle et les ajoutés ; un partenaire en pilote
        seulement dans le périmètre d'un pilote en cours (ses départements ou ses France services : pour un
        animateur ou une préfecture, un pilote qui couvre tout ou partie de son département), pour ses
        référents et pour l'équipe nationale."""
        from franceservices.comptes.perimetre import perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        pilotes = Pilote.objects.en_cours()
        couverture = models.Q(pk__in=[])
        if perimetre.structures:
            couverture |= models.Q(structures__in=perimetre.structures)
            couverture |= models.Q(departements__structures__in=perimetre.structures)
        territoire = perimetre.departements_animateur | perimetre.departements_prefecture
        if territoire:
            couverture |= models.Q(departements__in=territoire)
            couverture |= models.Q(structures__departement_id__in=territoire)
        pilotes = pilotes.filter(couverture).values("partenaire_id")
        return self.filter(
            models.Q(presence__in=[Presence.SOCLE, Presence.AJOUTE])
            | models.Q(pk__in=pilotes)
            | models.Q(pk__in={p for p, _ in perimetre.partenaires})
        )

    def proposes_a_structure(self, structure, le=None):
        """Partenaires proposés dans une France services (socle, ajoutés, pilotes qui la couvrent)."""
        pilotes = Pilote.objects.en_cours(le).couvrant_structure(structure).values("partenaire_id")
        return self.filter(
            models.Q(presence__in=[Presence.SOCLE, Presence.AJOUTE]) | models.Q(pk__in=pilotes)
        )


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

    objects = PartenaireQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire"
        ordering = ["presence", "nom_court"]

    def __str__(self):
        return self.nom_court


class Etat(models.TextChoices):
    A_VENIR = "a_venir", "À venir"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"


class PiloteQuerySet(models.QuerySet):
    def en_cours(self, le=None):
        jour = le or timezone.localdate()
        return self.filter(models.Q(fin__isnull=True) | models.Q(fin__gte=jour), debut__lte=jour)

    def visible_par(self, utilisateur):
        """Pilotes que la personne voit (liste et fiche) :
        - équipe nationale : tous ;
        - référents d'un partenaire : les pilotes de ce partenaire ;
        - animateurs et préfectures : ceux qui couvrent leur département (en entier ou par des France services) ;
        - agents et responsables : ceux qui couvrent leur France services (par département ou par liste)."""
        from franceservices.comptes.perimetre import perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        conditions = models.Q(pk__in=[])
        if perimetre.partenaires:
            conditions |= models.Q(partenaire_id__in={p for p, _ in perimetre.partenaires})
        territoire = perimetre.departements_animateur | perimetre.departements_prefecture
        if territoire:
            conditions |= models.Q(pk__in=self.model.objects.filter(departements__in=territoire).values("pk"))
            conditions |= models.Q(
                pk__in=self.model.objects.filter(structures__departement_id__in=territoire).values("pk")
            )
        if perimetre.structures:
            conditions |= models.Q(
                pk__in=self.model.objects.filter(structures__in=perimetre.structures).values("pk")
            )
            conditions |= models.Q(
                pk__in=self.model.objects.filter(departements__structures__in=perimetre.structures).values(
                    "pk"
                )
            )
        return self.filter(conditions)

    def couvrant_structure(self, structure):
        return self.filter(
            models.Q(structures=structure) | models.Q(departements=structure.departement_id)
        ).distinct()


class Pilote(Horodate):
    """Un partenaire proposé à titre expérimental sur un périmètre (départements ou France services) et une
    période ; prérequis : les agents doivent être formés (`FormationPilote`) avant de le proposer."""

    partenaire = models.ForeignKey(Partenaire, on_delete=models.PROTECT, related_name="pilotes")
    nom = models.CharField(max_length=150)
    departements = models.ManyToManyField(
        "territoires.Departement", blank=True, related_name="pilotes", verbose_name="départements"
    )
    structures = models.ManyToManyField(
        "structures.Structure", blank=True, related_name="pilotes", verbose_name="France services"
    )
    debut = models.DateField("début")
    fin = models.DateField("fin (incluse)", null=True, blank=True)
    formation_requise = models.BooleanField(
        "formation préalable exigée",
        default=True,
        help_text="Les agents doivent être déclarés formés avant de proposer ce partenaire.",
    )
    description = models.TextField(blank=True)

    objects = PiloteQuerySet.as_manager()

    class Meta:
        verbose_name = "pilote"
        ordering = ["-debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fin__isnull=True) | models.Q(fin__gte=models.F("debut")),
                name="pilote_fin_apres_debut",
            )
        ]

    def __str__(self):
        return self.nom

    def couvre(self, structure) -> bool:
        return (
            self.departements.filter(pk=structure.departement_id).exists()
            or self.structures.filter(pk=structure.pk).exists()
        )

    def etat(self, le=None) -> Etat:
        jour = le or timezone.localdate()
        if self.debut > jour:
            return Etat.A_VENIR
        if self.fin is not None and self.fin < jour:
            return Etat.TERMINE
        return Etat.EN_COURS

    @property
    def libelle_etat(self) -> str:
        return self.etat().label

    def structures_couvertes(self):
        """France services couvertes : celles de ses départements et celles listées une à une."""
        from franceservices.structures.models import Structure

        return Structure.objects.filter(
            models.Q(departement__in=self.departements.all()) | models.Q(pk__in=self.structures.all())
        )


class FormationPilote(models.Model):
    """Un agent déclaré formé pour proposer le partenaire d'un pilote."""

    pilote = models.ForeignKey(Pilote, on_delete=models.CASCADE, related_name="formations")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="formations_pilote"
    )
    formee_le = models.DateField("formé le")
    declaree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="déclarée par",
    )
    declaree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "formation au pilote"
        verbose_name_plural = "formations aux pilotes"
        constraints = [models.UniqueConstraint(fields=["pilote", "agent"], name="formation_pilote_unique")]

    def __str__(self):
        return f"{self.agent} formé(e) au pilote {self.pilote}"
