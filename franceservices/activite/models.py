"""Les demandes des usagers (accompagnements) saisies par les agents, et leurs agrégats.

Aucune donnée nominative : une demande décrit ce qui a été fait, jamais pour qui (profil anonyme).
Les agrégats (`Agregat`, `AgregatDepartement`) sont tenus à jour à chaque écriture (`agregats.py`) et
vérifiables à tout moment contre les lignes brutes (`manage.py reconcilier_activite`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from franceservices.core.models import Horodate


class Canal(models.TextChoices):
    ACCUEIL_PHYSIQUE = "accueil_physique", "Accueil physique"
    TELEPHONE = "telephone", "Téléphone"
    ITINERANCE = "itinerance", "Itinérance / bus"
    VISIO = "visio", "Visioconférence"
    COURRIEL = "courriel", "Courriel"
    HORS_LES_MURS = "hors_les_murs", "Hors les murs"


class Theme(models.TextChoices):
    """Les 10 thèmes de service-public.fr."""

    PAPIERS_CITOYENNETE = "papiers_citoyennete", "Papiers – Citoyenneté"
    FAMILLE_SCOLARITE = "famille_scolarite", "Famille – Scolarité"
    SOCIAL_SANTE = "social_sante", "Social – Santé"
    TRAVAIL_FORMATION = "travail_formation", "Travail – Formation"
    LOGEMENT = "logement", "Logement"
    TRANSPORTS_MOBILITE = "transports_mobilite", "Transports – Mobilité"
    ARGENT_IMPOTS = "argent_impots", "Argent – Impôts"
    JUSTICE = "justice", "Justice"
    ETRANGERS_EUROPE = "etrangers_europe", "Étrangers – Europe"
    LOISIRS = "loisirs", "Loisirs"


class Niveau(models.TextChoices):
    INFORMATION = "information", "Information"
    ACCOMPAGNEMENT = "accompagnement", "Accompagnement à une démarche"
    REALISEE = "realisee", "Démarche réalisée avec l'usager"
    ORIENTATION = "orientation", "Orientation vers le partenaire"
    ESCALADE = "escalade", "Escalade au partenaire"


class Issue(models.TextChoices):
    FINALISEE = "finalisee", "Finalisée"
    A_FINALISER = "a_finaliser", "À finaliser par l'usager"
    DOIT_REVENIR = "doit_revenir", "L'usager doit revenir"
    ORIENTEE = "orientee", "Orientée vers un autre service"


# Issues qui comptent comme « traitée sur place » (part publiée par le programme).
ISSUES_TRAITEES_SUR_PLACE = {Issue.FINALISEE, Issue.A_FINALISER}


class TrancheAge(models.TextChoices):
    MOINS_18 = "moins_18", "Moins de 18 ans"
    DE_18_25 = "18_25", "18 à 25 ans"
    DE_26_39 = "26_39", "26 à 39 ans"
    DE_40_54 = "40_54", "40 à 54 ans"
    DE_55_64 = "55_64", "55 à 64 ans"
    DE_65_74 = "65_74", "65 à 74 ans"
    PLUS_75 = "75_plus", "75 ans et plus"


class Sexe(models.TextChoices):
    FEMME = "femme", "Femme"
    HOMME = "homme", "Homme"


class Autonomie(models.TextChoices):
    AUTONOME = "autonome", "Autonome"
    PARTIELLE = "partielle", "Partiellement autonome"
    NON_AUTONOME = "non_autonome", "Pas autonome"


class Origine(models.TextChoices):
    SAISIE = "saisie", "Saisie par un agent"
    IMPORT = "import", "Import d'historique"
    SYNTHETIQUE = "synthetique", "Synthétique (démonstration, mesures)"


# Durées proposées (minutes) : 5 à 120, comme le rapport d'activité de la médiation numérique.
DUREES = (5, 10, 15, 20, 30, 45, 60, 90, 120)
DUREE_PAR_DEFAUT = 15


class Regle(models.TextChoices):
    """Règle de la charte partenariale : ce que fait l'agent pour cette démarche."""

    GUICHET = "guichet", "Traitée au guichet France services"
    ORIENTATION = "orientation", "Orientée vers le partenaire"
    ESCALADE = "escalade", "Escaladée au back-office du partenaire"


class ModeOrientation(models.TextChoices):
    RENDEZ_VOUS = "rendez_vous", "Rendez-vous chez le partenaire"
    TELEPHONE = "telephone", "Ligne téléphonique"
    EN_LIGNE = "en_ligne", "Espace en ligne"
    ACCUEIL = "accueil", "Accueil physique du partenaire"


class Demarche(Horodate):
    """Une démarche du catalogue d'un partenaire (éditable par l'équipe nationale et les référents).

    Porte la règle de la charte partenariale (guichet, orientation — et comment —, escalade), les pièces
    à apporter et les liens officiels ; les fiches de la base de connaissances (`bouquet.Fiche`) la détaillent.
    """

    partenaire = models.ForeignKey(
        "partenaires.Partenaire", on_delete=models.PROTECT, related_name="demarches"
    )
    libelle = models.CharField("libellé", max_length=150)
    theme = models.CharField("thème", max_length=24, choices=Theme.choices)
    actif = models.BooleanField("proposée à la saisie", default=True)
    ordre = models.PositiveSmallIntegerField(default=100)
    regle = models.CharField(
        "règle de la charte", max_length=12, choices=Regle.choices, default=Regle.GUICHET
    )
    mode_orientation = models.CharField(
        "mode d'orientation", max_length=12, choices=ModeOrientation.choices, blank=True
    )
    precisions_orientation = models.CharField(
        "précisions sur l'orientation", max_length=300, blank=True, help_text="Numéro, horaires, conditions…"
    )
    pieces = models.TextField(
        "pièces à apporter",
        blank=True,
        help_text="Une pièce par ligne (documents que l'usager doit apporter).",
    )
    lien_en_ligne = models.URLField("démarche en ligne officielle", blank=True)
    lien_service_public = models.URLField("fiche service-public.fr", blank=True)

    class Meta:
        verbose_name = "démarche"
        ordering = ["partenaire__nom_court", "ordre", "libelle"]
        constraints = [
            models.UniqueConstraint(fields=["partenaire", "libelle"], name="demarche_partenaire_libelle")
        ]

    def __str__(self):
        return f"{self.partenaire} — {self.libelle}"

    @property
    def liste_pieces(self) -> list[str]:
        return [ligne.strip(" -•\t") for ligne in self.pieces.splitlines() if ligne.strip(" -•\t")]


class LotImport(models.Model):
    """Un fichier d'historique importé (une seule fois : empreinte unique)."""

    nom_fichier = models.CharField(max_length=255)
    empreinte = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    lignes = models.PositiveIntegerField(default=0)
    importe_le = models.DateTimeField(auto_now_add=True)
    importe_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "lot d'import d'activité"

    def __str__(self):
        return f"{self.nom_fichier} ({self.lignes} lignes)"


class DemandeQuerySet(models.QuerySet):
    def valides(self):
        return self.filter(annulee_le__isnull=True)

    def visible_par(self, utilisateur):
        """Demandes du périmètre de `utilisateur` (voir `Perimetre.filtre_demandes`)."""
        from franceservices.comptes.perimetre import perimetre_de

        return self.filter(perimetre_de(utilisateur).filtre_demandes())


class Demande(models.Model):
    """Une demande d'usager traitée par une France services (un « accompagnement »)."""

    # Clé générée par le navigateur (ou le client d'API) : une soumission rejouée est enregistrée une fois.
    cle_client = models.UUIDField("clé de soumission", unique=True, default=uuid.uuid4, editable=False)
    # Les demandes d'une même visite partagent cet identifiant (il ne désigne personne).
    visite = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)

    structure = models.ForeignKey("structures.Structure", on_delete=models.PROTECT, related_name="demandes")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="demandes"
    )
    date_heure = models.DateTimeField("date et heure")
    jour = models.DateField(editable=False, help_text="Date locale de la France services")
    mois = models.DateField(editable=False, help_text="Premier jour du mois de `jour`")

    canal = models.CharField(max_length=20, choices=Canal.choices, default=Canal.ACCUEIL_PHYSIQUE)
    partenaire = models.ForeignKey(
        "partenaires.Partenaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demandes",
        help_text="Vide : partenaire local ou autre (nommé dans « partenaire_autre »)",
    )
    partenaire_autre = models.CharField("autre partenaire", max_length=100, blank=True)
    theme = models.CharField("thème", max_length=24, choices=Theme.choices)
    demarche = models.ForeignKey(
        Demarche, null=True, blank=True, on_delete=models.PROTECT, related_name="demandes"
    )
    fiche = models.ForeignKey(
        "bouquet.Fiche",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demandes",
        help_text="Fiche de la base de connaissances consultée pour traiter la demande",
    )
    niveau = models.CharField("niveau d'aide", max_length=16, choices=Niveau.choices)
    issue = models.CharField(max_length=16, choices=Issue.choices, default=Issue.FINALISEE)
    orientee_vers = models.CharField("orientée vers", max_length=150, blank=True)
    duree = models.PositiveSmallIntegerField("durée (minutes)", default=DUREE_PAR_DEFAUT)

    # Profil anonyme de l'usager (tout est facultatif).
    tranche_age = models.CharField("tranche d'âge", max_length=10, choices=TrancheAge.choices, blank=True)
    sexe = models.CharField(max_length=6, choices=Sexe.choices, blank=True)
    commune = models.ForeignKey(
        "territoires.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="commune de résidence",
    )
    premiere_visite = models.BooleanField("première visite", null=True, blank=True)
    autonomie = models.CharField("autonomie numérique", max_length=14, choices=Autonomie.choices, blank=True)

    origine = models.CharField(max_length=12, choices=Origine.choices, default=Origine.SAISIE)
    lot = models.ForeignKey(
        LotImport, null=True, blank=True, on_delete=models.PROTECT, related_name="demandes"
    )
    cree_le = models.DateTimeField("enregistrée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)

    objects = DemandeQuerySet.as_manager()

    class Meta:
        verbose_name = "demande"
        ordering = ["-date_heure"]
        indexes = [
            models.Index(fields=["structure", "jour"], name="demande_structure_jour"),
            models.Index(fields=["mois", "structure"], name="demande_mois_structure"),
            models.Index(fields=["agent", "-cree_le"], name="demande_agent_recentes"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(partenaire__isnull=False) | ~Q(partenaire_autre=""),
                name="demande_partenaire_ou_autre",
            ),
            models.CheckConstraint(condition=Q(duree__gt=0) & Q(duree__lte=480), name="demande_duree_bornee"),
        ]

    def __str__(self):
        return f"Demande du {self.jour:%d/%m/%Y} — {self.libelle_partenaire}"

    @property
    def synthetique(self) -> bool:
        return self.origine == Origine.SYNTHETIQUE

    @property
    def libelle_partenaire(self) -> str:
        return str(self.partenaire) if self.partenaire_id else (self.partenaire_autre or "Autre")


class ModificationDemande(models.Model):
    """Historique des corrections et annulations d'une demande (avant / après)."""

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="modifications")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    le = models.DateTimeField(auto_now_add=True)
    avant = models.JSONField()
    apres = models.JSONField()
    motif = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "modification de demande"
        ordering = ["-le"]

    def __str__(self):
        return f"Modification du {self.le:%d/%m/%Y %H:%M}"


class Favori(models.Model):
    """Une démarche qu'un agent veut voir en premier à la saisie."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favoris")
    demarche = models.ForeignKey(Demarche, on_delete=models.CASCADE, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "demarche"], name="favori_unique")]

    def __str__(self):
        return f"Favori {self.demarche_id}"


class Dimension(models.TextChoices):
    """Axes des agrégats ; `valeur` est le code du choix, l'id (partenaire, démarche, commune) ou ''."""

    TOTAL = "total", "Total"
    JOUR = "jour", "Jour"
    PARTENAIRE = "partenaire", "Partenaire"
    THEME = "theme", "Thème"
    DEMARCHE = "demarche", "Démarche"
    CANAL = "canal", "Canal"
    NIVEAU = "niveau", "Niveau d'aide"
    ISSUE = "issue", "Issue"
    TRANCHE_AGE = "tranche_age", "Tranche d'âge"
    SEXE = "sexe", "Sexe"
    AUTONOMIE = "autonomie", "Autonomie numérique"
    PREMIERE_VISITE = "premiere_visite", "Première visite"
    COMMUNE = "commune", "Commune de résidence"


class AgregatBase(models.Model):
    """Nombre de demandes et durée totale par mois × porteur × synthétique × dimension × valeur."""

    mois = models.DateField()
    synthetique = models.BooleanField(default=False)
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    valeur = models.CharField(max_length=24, blank=True)
    nombre = models.BigIntegerField(default=0)
    duree = models.BigIntegerField("durée totale (minutes)", default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.mois:%Y-%m} {self.dimension}={self.valeur} : {self.nombre}"


class Agregat(AgregatBase):
    """Agrégats par France services : tableaux d'une structure, données ouvertes."""

    structure = models.ForeignKey("structures.Structure", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "agrégat par France services"
        constraints = [
            models.UniqueConstraint(
                fields=["mois", "structure", "synthetique", "dimension", "valeur"], name="agregat_cle"
            )
        ]
        indexes = [models.Index(fields=["structure", "dimension", "mois"], name="agregat_structure_dim")]


class AgregatDepartement(AgregatBase):
    """Mêmes agrégats par département (de la France services) : tableaux départementaux, régionaux, nationaux."""

    departement = models.ForeignKey("territoires.Departement", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "agrégat par département"
        constraints = [
            models.UniqueConstraint(
                fields=["mois", "departement", "synthetique", "dimension", "valeur"],
                name="agregat_departement_cle",
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "mois"], name="agregat_dep_dim_mois"),
            models.Index(fields=["departement", "mois"], name="agregat_dep_departement_mois"),
        ]
