"""Rendez-vous : types proposés par une France services, disponibilités, permanences de partenaires,
fermetures exceptionnelles et rendez-vous pris (sans compte, par nom + téléphone ou courriel)."""

from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from franceservices.core.models import Horodate

DUREE_MIN, DUREE_MAX = 5, 240
SEL_JETON = "rendezvous.annulation"


class Modalite(models.TextChoices):
    PRESENTIEL = "presentiel", "Sur place"
    TELEPHONE = "telephone", "Par téléphone"
    VISIO = "visio", "En visioconférence"


class JourSemaine(models.IntegerChoices):
    LUNDI = 0, "lundi"
    MARDI = 1, "mardi"
    MERCREDI = 2, "mercredi"
    JEUDI = 3, "jeudi"
    VENDREDI = 4, "vendredi"
    SAMEDI = 5, "samedi"
    DIMANCHE = 6, "dimanche"


class TypeRendezVous(Horodate):
    """Ce que l'on peut réserver dans une France services (« Rendez-vous CAF – 30 min, sur place »)."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="types_rendez_vous"
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    demarche = models.ForeignKey(
        "activite.Demarche", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    libelle = models.CharField("libellé", max_length=150)
    duree = models.PositiveSmallIntegerField(
        "durée (minutes)",
        validators=[MinValueValidator(DUREE_MIN), MaxValueValidator(DUREE_MAX)],
        help_text=f"Entre {DUREE_MIN} et {DUREE_MAX} minutes.",
    )
    modalite = models.CharField(
        "modalité", max_length=12, choices=Modalite.choices, default=Modalite.PRESENTIEL
    )
    actif = models.BooleanField(default=True)

    class Meta:
        verbose_name = "type de rendez-vous"
        verbose_name_plural = "types de rendez-vous"
        ordering = ["structure", "libelle"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duree__gte=DUREE_MIN, duree__lte=DUREE_MAX), name="rdv_type_duree_bornee"
            )
        ]

    def __str__(self):
        return f"{self.libelle} ({self.duree} min, {self.get_modalite_display().lower()})"


class Disponibilite(models.Model):
    """Plage hebdomadaire où la France services reçoit sur rendez-vous (d'un agent, ou de l'équipe)."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="disponibilites"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    jour_semaine = models.PositiveSmallIntegerField("jour de la semaine", choices=JourSemaine.choices)
    heure_debut = models.TimeField("de")
    heure_fin = models.TimeField("à")
    valable_du = models.DateField("valable du", null=True, blank=True)
    valable_au = models.DateField("valable jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "disponibilité"
        ordering = ["structure", "jour_semaine", "heure_debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heure_fin__gt=F("heure_debut")), name="rdv_dispo_fin_apres_debut"
            ),
            models.CheckConstraint(condition=Q(jour_semaine__lte=6), name="rdv_dispo_jour_valide"),
        ]

    def __str__(self):
        return f"{self.get_jour_semaine_display()} {self.heure_debut:%H:%M}–{self.heure_fin:%H:%M}"

    def valable_le(self, jour) -> bool:
        return (self.valable_du is None or self.valable_du <= jour) and (
            self.valable_au is None or jour <= self.valable_au
        )


class Recurrence(models.Model):
    """Plage qui revient chaque semaine, ou le n-ième jour du mois (« le 2e mardi »), entre deux dates."""

    rang = models.PositiveSmallIntegerField(
        "rang dans le mois",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 à 5 pour « le 1er… 5e mardi du mois » ; vide : chaque semaine.",
    )
    jour_semaine = models.PositiveSmallIntegerField("jour de la semaine", choices=JourSemaine.choices)
    heure_debut = models.TimeField("de")
    heure_fin = models.TimeField("à")
    du = models.DateField(null=True, blank=True)
    au = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def quand(self) -> str:
        jour = self.get_jour_semaine_display()
        rythme = f"{self.rang}e {jour} du mois" if self.rang else f"chaque {jour}"
        return f"{rythme}, {self.heure_debut:%H:%M}–{self.heure_fin:%H:%M}"

    def a_lieu_le(self, jour) -> bool:
        if jour.weekday() != self.jour_semaine:
            return False
        if (self.du and jour < self.du) or (self.au and jour > self.au):
            return False
        return self.rang is None or (jour.day - 1) // 7 + 1 == self.rang


class Permanence(Recurrence):
    """Présence d'un partenaire dans la France services : chaque semaine, ou le n-ième jour du mois
    (« conseiller CAF le 2e mardi du mois »). Les rendez-vous d'un type lié à ce partenaire se prennent
    pendant ses permanences."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="permanences"
    )
    partenaire = models.ForeignKey("partenaires.Partenaire", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["structure", "partenaire", "jour_semaine"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heure_fin__gt=F("heure_debut")), name="rdv_permanence_fin_apres_debut"
            ),
            models.CheckConstraint(
                condition=Q(rang__isnull=True) | Q(rang__gte=1, rang__lte=5), name="rdv_permanence_rang"
            ),
        ]

    def __str__(self):
        return f"{self.partenaire} — {self.quand}"


class Fermeture(models.Model):
    """Fermeture exceptionnelle (congés, travaux…), du … au … inclus."""

    structure = models.ForeignKey("structures.Structure", on_delete=models.CASCADE, related_name="fermetures")
    du = models.DateField()
    au = models.DateField()
    motif = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["structure", "du"]
        constraints = [models.CheckConstraint(condition=Q(au__gte=F("du")), name="rdv_fermeture_au_apres_du")]

    def __str__(self):
        return f"Fermeture du {self.du:%d/%m/%Y} au {self.au:%d/%m/%Y}"


class Arret(Recurrence):
    """Arrêt d'une France services itinérante (bus) : un lieu avec ses propres horaires, chaque semaine ou
    le n-ième jour du mois. Les rendez-vous pris à un arrêt ne se prennent que pendant ses horaires."""

    structure = models.ForeignKey("structures.Structure", on_delete=models.CASCADE, related_name="arrets")
    libelle = models.CharField("lieu", max_length=150, help_text="Ex. « Place de la mairie ».")
    commune = models.ForeignKey(
        "territoires.Commune", on_delete=models.PROTECT, related_name="+", verbose_name="commune"
    )
    adresse = models.CharField(max_length=250, blank=True)

    class Meta:
        verbose_name = "arrêt itinérant"
        verbose_name_plural = "arrêts itinérants"
        ordering = ["structure", "jour_semaine", "heure_debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heure_fin__gt=F("heure_debut")), name="rdv_arret_fin_apres_debut"
            ),
            models.CheckConstraint(
                condition=Q(rang__isnull=True) | Q(rang__gte=1, rang__lte=5), name="rdv_arret_rang"
            ),
        ]

    def __str__(self):
        return f"{self.libelle} ({self.commune}) — {self.quand}"


class Statut(models.TextChoices):
    PREVU = "prevu", "Prévu"
    HONORE = "honore", "Honoré"
    ABSENT = "absent", "Absent"
    ANNULE = "annule", "Annulé"


class RendezVousQuerySet(models.QuerySet):
    def visible_par(self, utilisateur):
        """Agents et responsables : les rendez-vous de leurs France services ; équipe nationale : tous ;
        les autres rôles (animateurs, préfectures, partenaires, conseillers numériques) : aucun."""
        from franceservices.comptes.perimetre import perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        if perimetre.structures:
            return self.filter(structure_id__in=perimetre.structures)
        return self.none()

    def prevus(self):
        return self.filter(statut=Statut.PREVU)


class RendezVous(models.Model):
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.PROTECT, related_name="rendez_vous"
    )
    type = models.ForeignKey(TypeRendezVous, on_delete=models.PROTECT, related_name="rendez_vous")
    arret = models.ForeignKey(
        Arret,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rendez_vous",
        help_text="France services itinérante : l'arrêt du bus où a lieu le rendez-vous.",
    )
    debut = models.DateTimeField("début")
    fin = models.DateTimeField()
    statut = models.CharField(max_length=10, choices=Statut.choices, default=Statut.PREVU)
    nom = models.CharField(max_length=150)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.EmailField("adresse électronique", blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    annule_le = models.DateTimeField("annulé le", null=True, blank=True)
    demande = models.ForeignKey(
        "activite.Demande", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deplace_de = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deplace_vers",
        verbose_name="déplacé depuis",
        help_text="Rendez-vous annulé que celui-ci remplace (déplacement par l'usager ou l'agent).",
    )
    arrive_le = models.DateTimeField("arrivé le", null=True, blank=True)
    statut_note_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="venue ou absence notée par",
    )
    confirmation_envoyee_le = models.DateTimeField("confirmation envoyée le", null=True, blank=True)
    rappel_envoye_le = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    annulation_envoyee_le = models.DateTimeField("annulation envoyée le", null=True, blank=True)
    anonymise_le = models.DateTimeField("anonymisé le", null=True, blank=True)

    objects = RendezVousQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["debut"]
        indexes = [models.Index(fields=["structure", "debut"])]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gt=F("debut")), name="rdv_fin_apres_debut"),
            models.CheckConstraint(
                condition=Q(anonymise_le__isnull=False) | ~Q(telephone="") | ~Q(courriel=""),
                name="rdv_contact_present",
            ),
        ]

    def __str__(self):
        return f"{self.type.libelle} — {self.debut:%d/%m/%Y %H:%M}"

    @property
    def jeton(self) -> str:
        """Jeton signé du lien d'annulation (clé secrète du site) : il ne vaut que pour ce rendez-vous."""
        return signing.Signer(salt=SEL_JETON).sign(str(self.pk))

    def jeton_valide(self, jeton: str) -> bool:
        try:
            return signing.Signer(salt=SEL_JETON).unsign(jeton or "") == str(self.pk)
        except signing.BadSignature:
            return False
