"""Animation départementale : objectif de couverture en animateurs, grille et comptes rendus de visite, actions
de suivi, mémoire de la dernière consultation de l'accueil d'un département."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ObjectifCouverture(models.Model):
    """Objectif du programme : part des départements dotés d'au moins un animateur actif (une donnée, pas un
    littéral : l'équipe nationale la modifie). L'objectif en vigueur est celui dont l'échéance est la plus proche
    à venir, à défaut le plus récent."""

    libelle = models.CharField("libellé", max_length=200)
    part_cible = models.DecimalField(
        "part cible (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text="En pourcentage des départements (DROM compris), ex. 66,67 pour les deux tiers.",
    )
    strictement_superieure = models.BooleanField(
        "strictement supérieure",
        default=False,
        help_text="Cochez pour « plus de … » ; sinon l'objectif est atteint à partir de la part cible.",
    )
    echeance = models.DateField("échéance")
    source = models.CharField(max_length=300, blank=True, help_text="D'où vient l'objectif (texte, rapport).")
    modifie_le = models.DateTimeField("modifié le", auto_now=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "objectif de couverture en animateurs"
        verbose_name_plural = "objectifs de couverture en animateurs"
        ordering = ["echeance", "pk"]

    def __str__(self):
        return self.libelle

    def atteint(self, part: Decimal) -> bool:
        """`part` en pourcentage."""
        return part > self.part_cible if self.strictement_superieure else part >= self.part_cible

    @property
    def comparateur(self) -> str:
        return "plus de" if self.strictement_superieure else "au moins"


class PointControleQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True).order_by("ordre", "pk")


class PointControle(models.Model):
    """Une question de la grille de visite (modifiable par l'équipe nationale ; une question retirée reste dans
    les comptes rendus qui l'ont utilisée)."""

    libelle = models.CharField("question", max_length=300)
    aide = models.CharField("aide", max_length=300, blank=True)
    ordre = models.PositiveSmallIntegerField(default=0)
    actif = models.BooleanField("dans la grille", default=True)

    objects = PointControleQuerySet.as_manager()

    class Meta:
        verbose_name = "point de contrôle"
        verbose_name_plural = "points de contrôle"
        ordering = ["ordre", "pk"]

    def __str__(self):
        return self.libelle


class VisiteQuerySet(models.QuerySet):
    def visible_par(self, utilisateur):
        """Visites que la personne lit : équipe nationale (toutes), animateur et préfecture (leur département),
        responsable (ses France services)."""
        from franceservices.comptes.perimetre import RIEN, perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        q = RIEN
        if perimetre.departements_pilotes:
            q |= Q(structure__departement_id__in=perimetre.departements_pilotes)
        if perimetre.structures_responsable:
            q |= Q(structure_id__in=perimetre.structures_responsable)
        return self.filter(q)

    def modifiables_par(self, utilisateur):
        """Visites que la personne crée ou modifie : équipe nationale, animateur du département."""
        from franceservices.comptes.perimetre import RIEN, perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        if perimetre.departements_animateur:
            return self.filter(structure__departement_id__in=perimetre.departements_animateur)
        return self.filter(RIEN)


class Visite(models.Model):
    """Le compte rendu de la visite d'une France services par l'animateur (ou l'équipe nationale)."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.PROTECT, related_name="visites_animation"
    )
    date = models.DateField("date de la visite")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="visites_animation"
    )
    participants = models.TextField(blank=True, help_text="Qui était présent (noms, fonctions).")
    constats = models.TextField(blank=True, help_text="Ce qui a été observé, points forts et points faibles.")
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifiee_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = VisiteQuerySet.as_manager()

    class Meta:
        verbose_name = "visite"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["structure", "-date"], name="visite_structure_date")]

    def __str__(self):
        return f"Visite du {self.date:%d/%m/%Y}"


class Reponse(models.TextChoices):
    OUI = "oui", "Oui"
    NON = "non", "Non"
    SANS_OBJET = "so", "Sans objet"


class ReponseControle(models.Model):
    """La réponse à un point de contrôle (la question est recopiée : la grille peut changer)."""

    visite = models.ForeignKey(Visite, on_delete=models.CASCADE, related_name="reponses")
    point = models.ForeignKey(PointControle, null=True, on_delete=models.SET_NULL, related_name="+")
    question = models.CharField(max_length=300)
    reponse = models.CharField("réponse", max_length=3, choices=Reponse.choices, blank=True)
    commentaire = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name = "réponse à un point de contrôle"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["visite", "point"], name="reponse_controle_unique"),
        ]

    def __str__(self):
        return f"{self.question} : {self.get_reponse_display() or '—'}"


class ActionSuiviQuerySet(models.QuerySet):
    def visibles_par(self, utilisateur):
        """Actions des visites que la personne lit, et celles dont elle est porteuse."""
        return self.filter(
            Q(visite__in=Visite.objects.visible_par(utilisateur).values("pk")) | Q(porteur=utilisateur)
        )

    def en_retard(self, le=None):
        jour = le or timezone.localdate()
        return self.filter(faite_le__isnull=True, echeance__lt=jour)


class ActionSuivi(models.Model):
    """Une action décidée lors d'une visite : qui la porte, pour quand, faite ou non."""

    visite = models.ForeignKey(Visite, on_delete=models.CASCADE, related_name="actions")
    libelle = models.CharField("action", max_length=300)
    porteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions_visite",
        help_text="Une personne ayant un compte dans le périmètre",
    )
    porteur_texte = models.CharField(
        "porteur (autre)", max_length=200, blank=True, help_text="À défaut : nom et organisme du porteur"
    )
    echeance = models.DateField("échéance")
    faite_le = models.DateTimeField("faite le", null=True, blank=True)
    faite_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    relance_envoyee_le = models.DateTimeField("relance envoyée le", null=True, blank=True)

    objects = ActionSuiviQuerySet.as_manager()

    class Meta:
        verbose_name = "action de suivi"
        verbose_name_plural = "actions de suivi"
        ordering = ["echeance", "pk"]
        indexes = [models.Index(fields=["faite_le", "echeance"], name="action_suivi_echeance")]
        constraints = [
            models.CheckConstraint(
                condition=Q(porteur__isnull=False) | ~Q(porteur_texte=""), name="action_suivi_porteur"
            )
        ]

    def __str__(self):
        return self.libelle

    @property
    def libelle_porteur(self) -> str:
        if self.porteur_id:
            return str(self.porteur)
        return self.porteur_texte

    def en_retard(self, le=None) -> bool:
        return self.faite_le is None and self.echeance < (le or timezone.localdate())


class DerniereConsultation(models.Model):
    """Quand une personne a ouvert pour la dernière fois l'accueil d'un département (« ce qui a changé »)."""

    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    departement = models.ForeignKey("territoires.Departement", on_delete=models.CASCADE, related_name="+")
    le = models.DateTimeField()

    class Meta:
        verbose_name = "dernière consultation d'un département"
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "departement"], name="derniere_consultation_unique"
            )
        ]

    def __str__(self):
        return f"{self.le:%d/%m/%Y %H:%M}"
