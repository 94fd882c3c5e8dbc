"""Canal téléphonique : demandes de rappel (file par structure et par département, tentatives, issue) et
décisions anonymes du guichet unique (« J'ai besoin d'aide pour… »).

Échéance d'un rappel : `RAPPELS_DELAI_HEURES` (défaut 48) heures **calendaires** après la demande. Choix
documenté : un rappel se compte en heures (pas en jours ouvrés comme les escalades) pour rester simple à
expliquer à l'usager (« sous 48 heures ») et à mesurer ; une demande du vendredi soir peut donc tomber en
retard le dimanche — les indicateurs le montrent tel quel.

Données personnelles : le téléphone (et le besoin, en texte libre) sont effacés par l'anonymisation
(`anonymisee_le`) ; `DecisionOrientation` n'en contient aucune par construction (codes seulement).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

DELAI_HEURES_DEFAUT = 48


def delai_heures() -> int:
    return int(getattr(settings, "RAPPELS_DELAI_HEURES", DELAI_HEURES_DEFAUT))


class Origine(models.TextChoices):
    FORMULAIRE_PUBLIC = "formulaire_public", "Formulaire public"
    AGENT = "agent", "Saisie par un agent"
    PLATEFORME_PARTENAIRE = "plateforme_partenaire", "Plateforme téléphonique d'un partenaire"


class Statut(models.TextChoices):
    A_RAPPELER = "a_rappeler", "À rappeler"
    EN_COURS = "en_cours", "En cours"
    RAPPELE = "rappele", "Rappelé"
    INJOIGNABLE = "injoignable", "Injoignable"
    ABANDONNE = "abandonne", "Abandonné"


STATUTS_CLOS = {Statut.RAPPELE, Statut.INJOIGNABLE, Statut.ABANDONNE}


class Resultat(models.TextChoices):
    PAS_DE_REPONSE = "pas_de_reponse", "Pas de réponse"
    MAUVAIS_NUMERO = "mauvais_numero", "Mauvais numéro"
    MESSAGERIE = "messagerie", "Messagerie"
    JOINT = "joint", "Joint"


class Creneau(models.TextChoices):
    MATIN = "matin", "Le matin"
    APRES_MIDI = "apres_midi", "L'après-midi"


class DemandeRappelQuerySet(models.QuerySet):
    def ouvertes(self):
        return self.exclude(statut__in=STATUTS_CLOS)

    def en_retard(self, maintenant=None):
        return self.ouvertes().filter(echeance__lt=maintenant or timezone.now())

    def visible_par(self, utilisateur):
        """Demandes de rappel du périmètre de `utilisateur` :
        - agents et responsables : celles de leurs France services ;
        - animateurs et préfectures : celles de leur département (avec ou sans structure) ;
        - référents partenaires : celles de leur partenaire dans leur département (national : partout) ;
        - équipe nationale : toutes ; conseillers numériques : aucune."""
        from franceservices.comptes.perimetre import perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        conditions = Q(pk__in=[])
        if perimetre.structures:
            conditions |= Q(structure_id__in=perimetre.structures)
        territoire = perimetre.departements_animateur | perimetre.departements_prefecture
        if territoire:
            conditions |= Q(departement_id__in=territoire)
        conditions |= perimetre.filtre_referents()
        return self.filter(conditions)


class DemandeRappel(models.Model):
    """Un usager demande à être rappelé (formulaire public, agent, plateforme d'un partenaire)."""

    cree_le = models.DateTimeField("demandé le", default=timezone.now, db_index=True)
    structure = models.ForeignKey(
        "structures.Structure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rappels",
        help_text="Vide : file du département.",
    )
    departement = models.ForeignKey(
        "territoires.Departement", on_delete=models.PROTECT, related_name="+", verbose_name="département"
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire", null=True, blank=True, on_delete=models.PROTECT, related_name="rappels"
    )
    besoin = models.CharField(max_length=300)
    telephone = models.CharField("téléphone", max_length=20, help_text="Format E.164 (+33…, +590…)")
    courriel = models.EmailField(
        "adresse électronique",
        blank=True,
        help_text="Facultative : pour prévenir l'usager si on n'arrive pas à le joindre.",
    )
    creneaux = models.JSONField(
        "créneaux préférés",
        default=list,
        blank=True,
        help_text='Liste de {"jour": 0-6, "debut": "HH:MM", "fin": "HH:MM"} ou de "matin" / "apres_midi".',
    )
    consentement = models.BooleanField("consentement au rappel")
    consentement_le = models.DateTimeField("consentement donné le")
    origine = models.CharField(max_length=24, choices=Origine.choices)
    statut = models.CharField(max_length=16, choices=Statut.choices, default=Statut.A_RAPPELER, db_index=True)
    echeance = models.DateTimeField("échéance", db_index=True)
    attribuee_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="attribuée à",
    )
    demande = models.ForeignKey(
        "activite.Demande",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="demande d'activité liée",
    )
    clos_le = models.DateTimeField("clos le", null=True, blank=True)
    premier_contact_le = models.DateTimeField(
        "joint le", null=True, blank=True, help_text="Première tentative où l'usager a été joint."
    )
    # Intention de prévenir l'usager après deux échecs ; envoi par rappels.notifications (SMS, courriel).
    notification_echec_prevue_le = models.DateTimeField(
        "notification d'échec prévue le", null=True, blank=True
    )
    notification_echec_envoyee_le = models.DateTimeField(
        "notification d'échec envoyée le", null=True, blank=True
    )
    anonymisee_le = models.DateTimeField("anonymisée le", null=True, blank=True)
    synthetique = models.BooleanField(
        "synthétique",
        default=False,
        help_text="Demande générée pour la démonstration ou les mesures (generer_rappels).",
    )

    objects = DemandeRappelQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de rappel"
        verbose_name_plural = "demandes de rappel"
        ordering = ["echeance", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(consentement=True), name="rappel_consentement_obligatoire"),
        ]

    def __str__(self):
        return f"Rappel n° {self.pk} ({self.get_statut_display()})"

    def save(self, *args, **kwargs):
        if self.echeance is None:
            self.echeance = self.cree_le + timedelta(hours=delai_heures())
        super().save(*args, **kwargs)

    @property
    def est_clos(self) -> bool:
        return self.statut in STATUTS_CLOS

    def en_retard(self, maintenant=None) -> bool:
        return not self.est_clos and self.echeance < (maintenant or timezone.now())


class TentativeRappel(models.Model):
    rappel = models.ForeignKey(DemandeRappel, on_delete=models.CASCADE, related_name="tentatives")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    le = models.DateTimeField(default=timezone.now)
    resultat = models.CharField("résultat", max_length=16, choices=Resultat.choices)

    class Meta:
        verbose_name = "tentative de rappel"
        verbose_name_plural = "tentatives de rappel"
        ordering = ["le", "pk"]

    def __str__(self):
        return f"{self.get_resultat_display()} le {self.le:%d/%m/%Y %H:%M}"


class Orientation(models.TextChoices):
    EN_LIGNE = "en_ligne", "Démarche en ligne"
    FRANCE_SERVICES = "france_services", "France services"
    RAPPEL = "rappel", "Demande de rappel"
    CONSEILLER_NUMERIQUE = "conseiller_numerique", "Conseiller numérique"


class DecisionOrientation(models.Model):
    """Une orientation du guichet unique, anonyme : codes des réponses, orientation choisie, territoire.
    Aucune donnée personnelle (ni nom, ni téléphone, ni adresse, ni IP)."""

    le = models.DateTimeField(default=timezone.now, db_index=True)
    reponses = models.JSONField("réponses (codes)", default=dict)
    orientation = models.CharField(max_length=24, choices=Orientation.choices)
    partenaire = models.ForeignKey(
        "partenaires.Partenaire", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    departement = models.ForeignKey(
        "territoires.Departement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="département",
    )
    code_insee = models.CharField("code INSEE de la commune", max_length=5, blank=True)

    class Meta:
        verbose_name = "décision d'orientation"
        verbose_name_plural = "décisions d'orientation"
        ordering = ["-le"]

    def __str__(self):
        return f"{self.get_orientation_display()} le {self.le:%d/%m/%Y}"
