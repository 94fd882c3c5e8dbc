"""La base de connaissances du bouquet de services : des fiches pratiques versionnées, par partenaire.

Une fiche dit à l'agent quoi faire au guichet (ce qui se traite ici, ce qui s'oriente, ce qui s'escalade)
pour une ou plusieurs démarches du catalogue (`activite.Demarche`). Elle a une responsable, une date de
relecture (au-delà, elle est signalée « à revoir ») et un historique de versions (`VersionFiche`).
La recherche plein texte est dans `recherche.py`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from franceservices.core.models import Horodate


class Statut(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    PUBLIEE = "publiee", "Publiée"
    ARCHIVEE = "archivee", "Archivée"


class FicheQuerySet(models.QuerySet):
    def publiees(self):
        return self.filter(statut=Statut.PUBLIEE)

    def a_revoir(self, le=None):
        return self.publiees().filter(revoir_le__lt=le or timezone.localdate())

    def visible_par(self, utilisateur):
        """Fiches publiées des partenaires proposés à la personne ; brouillons et archives pour qui les rédige.

        Les fiches d'un partenaire pilote ne sont visibles que dans le périmètre du pilote (voir
        `partenaires.models.PartenaireQuerySet.proposes_a`)."""
        from franceservices.partenaires.models import Partenaire

        from .regles import peut_rediger

        partenaires = Partenaire.objects.proposes_a(utilisateur)
        visibles = self.filter(partenaire__in=partenaires)
        redacteur = peut_rediger(utilisateur)
        if redacteur is True:
            return visibles
        if redacteur:  # ensemble de partenaires dont la personne est référente
            return visibles.filter(models.Q(statut=Statut.PUBLIEE) | models.Q(partenaire_id__in=redacteur))
        return visibles.filter(statut=Statut.PUBLIEE)


class Fiche(Horodate):
    """Une fiche pratique de la base de connaissances."""

    partenaire = models.ForeignKey("partenaires.Partenaire", on_delete=models.PROTECT, related_name="fiches")
    demarches = models.ManyToManyField(
        "activite.Demarche", blank=True, related_name="fiches", verbose_name="démarches concernées"
    )
    titre = models.CharField(max_length=200)
    resume = models.CharField(
        "résumé", max_length=500, help_text="Une ou deux phrases, affichées en résultat."
    )
    contenu = models.TextField(help_text="Le texte de la fiche (paragraphes séparés par une ligne vide).")
    mots_cles = models.CharField(
        "mots-clés",
        max_length=300,
        blank=True,
        help_text="Synonymes et mots que les agents tapent (« CNI », « papiers »), séparés par des virgules.",
    )
    statut = models.CharField(max_length=10, choices=Statut.choices, default=Statut.BROUILLON)
    responsable = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="fiches_responsable",
        verbose_name="responsable de la fiche",
    )
    revoir_le = models.DateField("à relire avant le")
    version = models.PositiveIntegerField(default=1)
    # Texte normalisé (minuscules, sans accents) de titre + mots-clés + résumé + contenu : sert la
    # recherche sur SQLite et la tolérance aux fautes ; PostgreSQL indexe en plus to_tsvector('french').
    texte_recherche = models.TextField(editable=False, default="")
    synthetique = models.BooleanField(
        default=False, help_text="Fiche générée pour les mesures (jamais montrée comme réelle)."
    )

    objects = FicheQuerySet.as_manager()

    class Meta:
        verbose_name = "fiche"
        ordering = ["partenaire__nom_court", "titre"]
        indexes = [models.Index(fields=["partenaire", "statut"], name="fiche_partenaire_statut")]

    def __str__(self):
        return self.titre

    @property
    def a_revoir(self) -> bool:
        return self.statut == Statut.PUBLIEE and self.revoir_le < timezone.localdate()

    def preparer_recherche(self) -> None:
        """Recalcule `texte_recherche` : 1re ligne titre + mots-clés (poids fort), 2e ligne résumé + contenu.

        Appelée par `actions.enregistrer_fiche` (et les commandes de chargement) avant chaque écriture ; sur
        PostgreSQL, la colonne générée `vecteur` (migration 0002) en dérive le tsvector 'french'."""
        from franceservices.core.texte import normaliser

        tete = normaliser(f"{self.titre} {self.mots_cles.replace(',', ' ')}")
        corps = normaliser(f"{self.resume} {self.contenu}")
        self.texte_recherche = f"{tete}\n{corps}"


class VersionFiche(models.Model):
    """Une version enregistrée d'une fiche (l'état après chaque modification)."""

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="versions")
    numero = models.PositiveIntegerField("numéro")
    titre = models.CharField(max_length=200)
    resume = models.CharField("résumé", max_length=500)
    contenu = models.TextField()
    mots_cles = models.CharField("mots-clés", max_length=300, blank=True)
    statut = models.CharField(max_length=10, choices=Statut.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    le = models.DateTimeField(auto_now_add=True)
    motif = models.CharField("motif de la modification", max_length=300, blank=True)

    class Meta:
        verbose_name = "version de fiche"
        ordering = ["-numero"]
        constraints = [models.UniqueConstraint(fields=["fiche", "numero"], name="version_fiche_numero")]

    def __str__(self):
        return f"{self.fiche_id} v{self.numero}"
