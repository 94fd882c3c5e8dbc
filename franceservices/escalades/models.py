"""Escalades : un cas qu'une France services ne peut pas résoudre au guichet, envoyé au back-office d'un
partenaire (ses référents du territoire ; à défaut, ses référents nationaux), suivi dans un fil partagé
jusqu'à sa réponse, avec un délai de réponse en jours ouvrés.

Données personnelles : l'identité de l'usager et les champs structurés ne quittent la structure qu'avec
son consentement enregistré (`Consentement`) ; elles sont effacées (anonymisées) après la clôture, au
terme de `ESCALADES_CONSERVATION_MOIS` (commande `purger_escalades`).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from franceservices.core.models import Horodate


class Statut(models.TextChoices):
    NOUVELLE = "nouvelle", "Nouvelle"
    PRISE_EN_CHARGE = "prise_en_charge", "Prise en charge"
    ATTENTE_USAGER = "attente_usager", "En attente de l'usager"
    ATTENTE_STRUCTURE = "attente_structure", "En attente de la France services"
    RESOLUE = "resolue", "Résolue"
    REJETEE = "rejetee", "Rejetée"


STATUTS_CLOS = {Statut.RESOLUE, Statut.REJETEE}
STATUTS_EN_ATTENTE = {Statut.ATTENTE_USAGER, Statut.ATTENTE_STRUCTURE}

# Transitions légales : statut de départ → statuts d'arrivée.
TRANSITIONS = {
    Statut.NOUVELLE: {Statut.PRISE_EN_CHARGE, Statut.REJETEE},
    Statut.PRISE_EN_CHARGE: {Statut.ATTENTE_USAGER, Statut.ATTENTE_STRUCTURE, Statut.RESOLUE, Statut.REJETEE},
    Statut.ATTENTE_USAGER: {Statut.PRISE_EN_CHARGE, Statut.RESOLUE, Statut.REJETEE},
    Statut.ATTENTE_STRUCTURE: {Statut.PRISE_EN_CHARGE, Statut.RESOLUE, Statut.REJETEE},
    Statut.RESOLUE: set(),
    Statut.REJETEE: set(),
}


class MotifRejet(models.TextChoices):
    HORS_COMPETENCE = "hors_competence", "Hors de la compétence du partenaire"
    INCOMPLET = "incomplet", "Dossier incomplet malgré les relances"
    DOUBLON = "doublon", "Doublon d'une escalade existante"
    DEJA_TRAITE = "deja_traite", "Déjà traité par le partenaire"
    GUICHET = "guichet", "Relève du guichet (charte partenariale)"
    SANS_CONSENTEMENT = "sans_consentement", "Consentement insuffisant pour traiter"
    AUTRE = "autre", "Autre motif (précisé)"


class Acheminement(models.TextChoices):
    TERRITORIAL = "territorial", "Référents du territoire"
    NATIONAL = "national", "Référents nationaux (aucun référent nommé dans le département)"


class Engagement(Horodate):
    """Les engagements d'un partenaire pour ses escalades : délai de réponse, relance, contact national."""

    partenaire = models.OneToOneField(
        "partenaires.Partenaire", on_delete=models.CASCADE, related_name="engagement_escalade"
    )
    escalade_ouverte = models.BooleanField(
        "escalade ouverte", default=True, help_text="Les France services peuvent escalader à ce partenaire."
    )
    delai_jours_ouvres = models.PositiveSmallIntegerField(
        "délai de réponse (jours ouvrés)", default=10, help_text="Jours ouvrés, Europe/Paris, fériés exclus."
    )
    relance_jours_ouvres = models.PositiveSmallIntegerField(
        "relance après (jours ouvrés)",
        default=5,
        help_text="Sans réponse du partenaire après ce nombre de jours ouvrés, ses référents sont relancés.",
    )
    contact_national = models.EmailField(
        "contact national",
        blank=True,
        help_text="Adresse prévenue quand une escalade dépasse son délai (et quand aucun référent n'est nommé).",
    )
    source = models.CharField(max_length=300, blank=True, help_text="D'où vient cet engagement (charte…)")

    class Meta:
        verbose_name = "engagement d'escalade"
        constraints = [
            models.CheckConstraint(
                condition=Q(delai_jours_ouvres__gte=1) & Q(delai_jours_ouvres__lte=60),
                name="engagement_delai_borne",
            ),
            models.CheckConstraint(
                condition=Q(relance_jours_ouvres__gte=1)
                & Q(relance_jours_ouvres__lte=models.F("delai_jours_ouvres")),
                name="engagement_relance_avant_delai",
            ),
        ]

    def __str__(self):
        return f"Engagement {self.partenaire} : {self.delai_jours_ouvres} j ouvrés"


class Formulaire(Horodate):
    """Les champs structurés qu'un back-office demande pour un partenaire (et éventuellement une démarche).

    `champs` : liste de {"code", "libelle", "type" (texte, nombre, date, choix, identifiant), "obligatoire",
    "aide", "choix" (liste, pour le type choix), "personnel" (donnée personnelle : effacée à la purge)}."""

    partenaire = models.ForeignKey("partenaires.Partenaire", on_delete=models.CASCADE, related_name="+")
    demarche = models.ForeignKey(
        "activite.Demarche",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Vide : vaut pour toutes les démarches du partenaire.",
    )
    champs = models.JSONField(default=list)

    class Meta:
        verbose_name = "formulaire d'escalade"
        verbose_name_plural = "formulaires d'escalade"
        constraints = [
            models.UniqueConstraint(fields=["partenaire", "demarche"], name="formulaire_partenaire_demarche"),
            models.UniqueConstraint(
                fields=["partenaire"],
                condition=Q(demarche__isnull=True),
                name="formulaire_partenaire_general",
            ),
        ]

    def __str__(self):
        return f"Formulaire {self.partenaire} — {self.demarche or 'toutes démarches'}"


class EscaladeQuerySet(models.QuerySet):
    def ouvertes(self):
        return self.exclude(statut__in=STATUTS_CLOS)

    def closes(self):
        return self.filter(statut__in=STATUTS_CLOS)

    def en_retard(self, le=None):
        return self.ouvertes().filter(echeance__lt=le or timezone.localdate())

    def visible_par(self, utilisateur):
        """Escalades du périmètre de `utilisateur` :
        - agents et responsables : celles de leurs France services ;
        - référents partenaires : celles de leur partenaire dans leur département (référent national : partout) ;
        - équipe nationale : toutes (accès audité) ;
        - animateurs, préfectures, conseillers numériques : aucune (ils voient les chiffres, pas les cas)."""
        from franceservices.comptes.perimetre import perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        conditions = Q(pk__in=[])
        if perimetre.structures:
            conditions |= Q(structure_id__in=perimetre.structures)
        conditions |= perimetre.filtre_referents()
        return self.filter(conditions)


def _reference():
    return uuid.uuid4().hex[:10].upper()


class Escalade(models.Model):
    """Un cas envoyé par une France services au back-office d'un partenaire."""

    reference = models.CharField("référence", max_length=12, unique=True, default=_reference, editable=False)
    structure = models.ForeignKey("structures.Structure", on_delete=models.PROTECT, related_name="escalades")
    # Le département de la structure à l'ouverture : la clé du routage et des chiffres par territoire.
    departement = models.ForeignKey(
        "territoires.Departement", on_delete=models.PROTECT, related_name="+", verbose_name="département"
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire", on_delete=models.PROTECT, related_name="escalades"
    )
    demarche = models.ForeignKey(
        "activite.Demarche", null=True, blank=True, on_delete=models.PROTECT, related_name="escalades"
    )
    demande = models.ForeignKey(
        "activite.Demande",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalades",
        help_text="La demande (activité) d'où part l'escalade",
    )
    fiche = models.ForeignKey(
        "bouquet.Fiche", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalades"
    )
    acheminement = models.CharField(
        max_length=12, choices=Acheminement.choices, default=Acheminement.TERRITORIAL
    )

    objet = models.CharField(max_length=200, help_text="En une ligne, ce qui bloque.")
    description = models.TextField(
        help_text="Ce qui a été fait au guichet et ce qui est attendu du partenaire."
    )
    # Champs structurés du formulaire du partenaire (voir `Formulaire`).
    donnees = models.JSONField("champs du partenaire", default=dict, blank=True)
    # Identité de l'usager : le strict nécessaire au back-office, partagée seulement avec consentement.
    usager_nom = models.CharField("nom de l'usager", max_length=150, blank=True)
    usager_prenom = models.CharField("prénom de l'usager", max_length=150, blank=True)
    usager_date_naissance = models.DateField("date de naissance de l'usager", null=True, blank=True)

    statut = models.CharField(max_length=20, choices=Statut.choices, default=Statut.NOUVELLE)
    motif_rejet = models.CharField("motif du rejet", max_length=20, choices=MotifRejet.choices, blank=True)
    precision_rejet = models.CharField("précision sur le rejet", max_length=500, blank=True)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalades_suivies",
        verbose_name="référent en charge",
    )

    ouverte_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="escalades_ouvertes"
    )
    ouverte_le = models.DateTimeField("ouverte le", default=timezone.now)
    # Date limite de réponse (jours ouvrés après l'ouverture, reportée des jours passés en attente).
    echeance = models.DateField("réponse attendue le")
    delai_jours_ouvres = models.PositiveSmallIntegerField("délai applicable (jours ouvrés)")
    prise_en_charge_le = models.DateTimeField("prise en charge le", null=True, blank=True)
    premiere_reponse_le = models.DateTimeField("première réponse du partenaire le", null=True, blank=True)
    attente_depuis = models.DateTimeField("en attente depuis", null=True, blank=True)
    close_le = models.DateTimeField("close le", null=True, blank=True)
    jours_ouvres_reponse = models.PositiveSmallIntegerField(
        "délai de réponse constaté (jours ouvrés)", null=True, blank=True
    )
    dans_les_temps = models.BooleanField("close dans le délai", null=True, blank=True)
    relancee_le = models.DateTimeField("référents relancés le", null=True, blank=True)
    depassement_signale_le = models.DateTimeField("dépassement signalé le", null=True, blank=True)
    anonymisee_le = models.DateTimeField("données personnelles effacées le", null=True, blank=True)
    synthetique = models.BooleanField(
        default=False, help_text="Générée pour les mesures ou la démonstration."
    )
    modifiee_le = models.DateTimeField(auto_now=True)

    objects = EscaladeQuerySet.as_manager()

    class Meta:
        verbose_name = "escalade"
        ordering = ["-ouverte_le"]
        indexes = [
            models.Index(fields=["partenaire", "departement", "statut"], name="escalade_boite"),
            models.Index(fields=["structure", "-ouverte_le"], name="escalade_structure"),
            models.Index(fields=["statut", "echeance"], name="escalade_echeance"),
            models.Index(fields=["close_le"], name="escalade_close"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(statut=Statut.REJETEE) | ~Q(motif_rejet=""), name="escalade_rejet_motive"
            ),
        ]

    def __str__(self):
        return f"Escalade {self.reference} — {self.partenaire}"

    @property
    def est_close(self) -> bool:
        return self.statut in STATUTS_CLOS

    @property
    def en_retard(self) -> bool:
        return not self.est_close and self.echeance < timezone.localdate()

    def transitions_possibles(self) -> set[str]:
        return TRANSITIONS[Statut(self.statut)]

    def verifier_transition(self, vers: str) -> None:
        if vers not in self.transitions_possibles():
            raise ValidationError(
                f"Une escalade « {self.get_statut_display().lower()} » ne peut pas passer à "
                f"« {Statut(vers).label.lower()} »."
            )


class Consentement(models.Model):
    """Le consentement de l'usager au partage de ses données avec le partenaire (qui, quoi, avec qui, quand)."""

    escalade = models.OneToOneField(Escalade, on_delete=models.CASCADE, related_name="consentement")
    usager = models.CharField("qui a consenti", max_length=300, help_text="Nom et prénom de l'usager.")
    donnees_partagees = models.JSONField(
        "données partagées", default=list, help_text="Catégories de données que l'usager accepte de partager."
    )
    partenaire = models.ForeignKey("partenaires.Partenaire", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(
        max_length=10,
        choices=[("oral", "Oral, au guichet"), ("ecrit", "Écrit (formulaire signé)")],
        default="oral",
    )
    recueilli_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recueilli_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "consentement"

    def __str__(self):
        return f"Consentement de l'escalade {self.escalade_id}"


class Cote(models.TextChoices):
    STRUCTURE = "structure", "France services"
    PARTENAIRE = "partenaire", "Partenaire"
    SYSTEME = "systeme", "Suivi automatique"


class Message(models.Model):
    """Un message du fil partagé entre la France services et le back-office (ou une note de suivi)."""

    escalade = models.ForeignKey(Escalade, on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cote = models.CharField("côté", max_length=10, choices=Cote.choices)
    texte = models.TextField()
    statut_avant = models.CharField(max_length=20, choices=Statut.choices, blank=True)
    statut_apres = models.CharField(max_length=20, choices=Statut.choices, blank=True)
    cree_le = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "message d'escalade"
        ordering = ["cree_le", "pk"]
        indexes = [models.Index(fields=["escalade", "cree_le"], name="message_escalade")]

    def __str__(self):
        return f"Message {self.pk} ({self.get_cote_display()})"


def chemin_piece(instance, nom):
    # Nom de stockage aléatoire : le nom d'origine (qui peut être personnel) reste en base.
    return f"escalades/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class PieceJointe(models.Model):
    """Un fichier joint à une escalade ; jamais servi sans vérification du périmètre (vue dédiée)."""

    escalade = models.ForeignKey(Escalade, on_delete=models.CASCADE, related_name="pieces")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="pieces"
    )
    fichier = models.FileField(upload_to=chemin_piece, max_length=200)
    nom = models.CharField("nom du fichier", max_length=200)
    type_mime = models.CharField(max_length=100)
    taille = models.PositiveIntegerField("taille (octets)")
    empreinte = models.CharField("empreinte SHA-256", max_length=64)
    deposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    deposee_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["deposee_le", "pk"]

    def __str__(self):
        return self.nom


class TypeNotification(models.TextChoices):
    OUVERTURE = "ouverture", "Nouvelle escalade"
    MESSAGE = "message", "Nouveau message"
    STATUT = "statut", "Changement de statut"
    RELANCE = "relance", "Relance (sans réponse)"
    DEPASSEMENT = "depassement", "Délai dépassé"


class EtatNotification(models.TextChoices):
    A_ENVOYER = "a_envoyer", "À envoyer"
    ENVOYEE = "envoyee", "Envoyée"
    ECHEC = "echec", "Échec définitif"


class Notification(models.Model):
    """Un courriel à envoyer, enregistré dans la transaction de l'événement : une panne du serveur de
    courriel ne perd rien (nouvelle tentative par la tâche, puis par `envoyer_notifications`)."""

    escalade = models.ForeignKey(Escalade, on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(max_length=12, choices=TypeNotification.choices)
    destinataires = models.JSONField(default=list)
    sujet = models.CharField(max_length=250)
    corps = models.TextField()
    etat = models.CharField(
        max_length=10, choices=EtatNotification.choices, default=EtatNotification.A_ENVOYER
    )
    tentatives = models.PositiveSmallIntegerField(default=0)
    derniere_erreur = models.CharField(max_length=500, blank=True)
    creee_le = models.DateTimeField(auto_now_add=True)
    envoyee_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        ordering = ["creee_le"]
        indexes = [models.Index(fields=["etat", "creee_le"], name="notification_a_envoyer")]

    def __str__(self):
        return f"{self.get_type_display()} — {self.escalade_id}"
