"""Orientation d'un usager entre une France services et un lieu de médiation numérique (conseiller numérique),
dans les deux sens, avec son consentement.

Données personnelles minimales : prénom (ou initiales), téléphone et/ou courriel pour être recontacté ; le
consentement est enregistré (texte présenté, horodatage, qui l'a recueilli). Les coordonnées sont effacées
`ORIENTATIONS_PURGE_JOURS` jours après l'envoi (`purger_orientations`).

Cycle : envoyée → acceptée / créneau proposé / déclinée (motif obligatoire) → honorée / sans suite.
Les transitions interdites sont refusées par `Orientation.passer_a`.
"""

from django.db import models
from django.db.models import Q

from franceservices.activite.models import Autonomie


class Sens(models.TextChoices):
    VERS_MEDIATION = "vers_mediation", "France services → conseiller numérique"
    VERS_FRANCE_SERVICES = "vers_fs", "Conseiller numérique → France services"


class Etat(models.TextChoices):
    ENVOYEE = "envoyee", "Envoyée"
    ACCEPTEE = "acceptee", "Acceptée"
    CRENEAU = "creneau", "Créneau proposé"
    DECLINEE = "declinee", "Déclinée"
    HONOREE = "honoree", "Honorée"
    SANS_SUITE = "sans_suite", "Sans suite"


TRANSITIONS = {
    Etat.ENVOYEE: {Etat.ACCEPTEE, Etat.CRENEAU, Etat.DECLINEE, Etat.SANS_SUITE},
    Etat.ACCEPTEE: {Etat.CRENEAU, Etat.HONOREE, Etat.SANS_SUITE},
    Etat.CRENEAU: {Etat.HONOREE, Etat.SANS_SUITE},
    Etat.DECLINEE: set(),
    Etat.HONOREE: set(),
    Etat.SANS_SUITE: set(),
}
REPONSES = {Etat.ACCEPTEE, Etat.CRENEAU, Etat.DECLINEE}
TERMINAUX = {Etat.DECLINEE, Etat.HONOREE, Etat.SANS_SUITE}
EN_COURS = {Etat.ENVOYEE, Etat.ACCEPTEE, Etat.CRENEAU}


class Besoin(models.TextChoices):
    EQUIPEMENT = "equipement", "Prendre en main un ordinateur, une tablette ou un smartphone"
    INTERNET = "internet", "Naviguer sur internet, utiliser une messagerie"
    COMPTES = "comptes", "Créer et gérer ses comptes en ligne, ses mots de passe"
    DEMARCHES_AUTONOMIE = "demarches_autonomie", "Apprendre à faire ses démarches en ligne seul"
    SECURITE = "securite", "Se protéger des arnaques, sécuriser ses données"
    DEMARCHE_ADMINISTRATIVE = "demarche", "Être accompagné pour une démarche administrative"
    ACCES_DROITS = "droits", "Accès aux droits (prestations, papiers, impôts, retraite…)"
    AUTRE = "autre", "Autre (préciser)"


class OrientationQuerySet(models.QuerySet):
    def visible_par(self, user):
        """Agents et responsables : les orientations de leurs France services (envoyées ou reçues) ;
        conseiller numérique : celles envoyées à son lieu, et celles qu'il a envoyées. Personne d'autre ne
        voit les orientations une à une (les chiffres, sans donnée personnelle, sont à part)."""
        from franceservices.comptes.perimetre import perimetre_de

        perimetre = perimetre_de(user)
        condition = Q(pk__in=[])
        if perimetre.structures:
            condition |= Q(structure_id__in=perimetre.structures)
        if perimetre.lieux_mediation:
            condition |= Q(sens=Sens.VERS_MEDIATION, lieu_id__in=perimetre.lieux_mediation)
            condition |= Q(sens=Sens.VERS_FRANCE_SERVICES, envoyee_par=user)
        return self.filter(condition)


class Orientation(models.Model):
    sens = models.CharField(max_length=16, choices=Sens.choices)
    # Les deux bouts : la France services et le lieu de médiation ; `sens` dit lequel émet.
    structure = models.ForeignKey("structures.Structure", on_delete=models.PROTECT, related_name="+")
    lieu = models.ForeignKey(
        "mediation.LieuMediation", on_delete=models.PROTECT, related_name="orientations", verbose_name="lieu"
    )
    # Département de la France services (statistiques par territoire).
    departement = models.ForeignKey("territoires.Departement", on_delete=models.PROTECT, related_name="+")
    envoyee_par = models.ForeignKey(
        "comptes.Utilisateur",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="envoyée par",
    )
    envoyee_le = models.DateTimeField("envoyée le", db_index=True)
    besoin = models.CharField(max_length=24, choices=Besoin.choices)
    precision = models.CharField("précision", max_length=200, blank=True)
    autonomie = models.CharField("autonomie numérique", max_length=14, choices=Autonomie.choices, blank=True)
    # Coordonnées minimales de l'usager (effacées par la purge).
    prenom = models.CharField("prénom ou initiales", max_length=60, blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.CharField("courriel", max_length=254, blank=True)
    # Consentement de l'usager.
    consentement_texte = models.TextField("texte du consentement présenté")
    consentement_le = models.DateTimeField("consentement recueilli le")
    consentement_par = models.ForeignKey(
        "comptes.Utilisateur", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    etat = models.CharField(max_length=12, choices=Etat.choices, default=Etat.ENVOYEE)
    repondue_le = models.DateTimeField("répondue le", null=True, blank=True)
    repondue_par = models.ForeignKey(
        "comptes.Utilisateur", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delai_reponse_heures = models.PositiveIntegerField("délai de réponse (heures)", null=True, blank=True)
    creneau_le = models.DateTimeField("créneau proposé le", null=True, blank=True)
    creneau_lieu = models.CharField("lieu du créneau", max_length=200, blank=True)
    motif_declin = models.CharField("motif du refus", max_length=300, blank=True)
    close_le = models.DateTimeField("close le", null=True, blank=True)
    avis_envoye_le = models.DateTimeField(
        "destinataire avisé le", null=True, blank=True, help_text="Courriel d'avis envoyé au destinataire."
    )
    relance_destinataire_le = models.DateTimeField(null=True, blank=True)
    relance_emetteur_le = models.DateTimeField(null=True, blank=True)
    purgee_le = models.DateTimeField("coordonnées effacées le", null=True, blank=True)

    objects = OrientationQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-envoyee_le", "-pk"]
        indexes = [
            models.Index(fields=["lieu", "sens", "-envoyee_le"], name="orientation_lieu"),
            models.Index(fields=["structure", "-envoyee_le"], name="orientation_structure"),
            models.Index(fields=["departement", "sens", "etat"], name="orientation_territoire"),
            models.Index(fields=["etat", "envoyee_le"], name="orientation_etat"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(etat="declinee") | ~Q(motif_declin=""), name="orientation_declin_motif"
            ),
        ]

    def __str__(self):
        return f"Orientation n° {self.pk} ({self.get_sens_display()})"

    @property
    def emetteur(self):
        return self.structure if self.sens == Sens.VERS_MEDIATION else self.lieu

    @property
    def destinataire(self):
        return self.lieu if self.sens == Sens.VERS_MEDIATION else self.structure

    def peut_passer_a(self, etat) -> bool:
        return etat in TRANSITIONS[Etat(self.etat)]

    @property
    def en_cours(self) -> bool:
        return self.etat in EN_COURS
