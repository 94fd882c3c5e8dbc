"""Formation des agents : catalogue de modules, sessions, inscriptions (avec approbation et liste d'attente),
présence et réussite, attestations vérifiables, avis après session.

Règles portées ici (le reste est dans `actions.py`) :
- une session a une capacité ; au-delà, l'inscription va en liste d'attente, servie dans l'ordre des
  demandes quand une place se libère ;
- une inscription « demandée » attend l'approbation du responsable de la structure de l'agent (sauf
  inscription par un animateur ou l'équipe nationale, approuvée d'office) ;
- un module « compte pour le label » : l'agent qui l'a réussi compte parmi les agents formés du site ;
  un module lié à un partenaire pilote ouvre le droit de proposer ce partenaire (ex. Banque de France).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from franceservices.core.models import Horodate

# Codes d'attestation : 10 caractères sans ambiguïté de lecture (ni 0/O ni 1/I/L).
ALPHABET_CODE = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LONGUEUR_CODE = 10


def nouveau_code() -> str:
    return "".join(secrets.choice(ALPHABET_CODE) for _ in range(LONGUEUR_CODE))


class Categorie(models.TextChoices):
    SOCLE = "socle", "Formation initiale — tronc commun"
    MODULE_PARTENAIRE = "module_partenaire", "Formation initiale — module d'un partenaire"
    CONTINUE = "continue", "Formation continue"
    IMMERSION = "immersion", "Immersion chez un partenaire"


class Format(models.TextChoices):
    PRESENTIEL = "presentiel", "En présentiel"
    DISTANCIEL = "distanciel", "À distance (classe virtuelle)"
    E_LEARNING = "e_learning", "En ligne, à son rythme (e-learning)"


class Module(Horodate):
    code = models.SlugField(max_length=60, unique=True)
    titre = models.CharField(max_length=200)
    categorie = models.CharField("catégorie", max_length=20, choices=Categorie.choices)
    organisme = models.CharField(
        "organisme de formation", max_length=150, help_text="Ex. CNFPT, Caf, Banque de France, ANCT."
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire", null=True, blank=True, on_delete=models.PROTECT, related_name="modules"
    )
    duree_heures = models.DecimalField(
        "durée (heures)", max_digits=5, decimal_places=1, validators=[MinValueValidator(0.5)]
    )
    format = models.CharField(max_length=12, choices=Format.choices, default=Format.PRESENTIEL)
    lien = models.URLField("lien (e-learning)", blank=True)
    description = models.TextField(blank=True)
    prerequis = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="requis_pour", verbose_name="prérequis"
    )
    compte_pour_label = models.BooleanField(
        "compte pour le label", default=False, help_text="Réussi, il fait de l'agent un agent formé du site."
    )
    ouvre_pilote = models.ForeignKey(
        "partenaires.Partenaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="modules_pilote",
        verbose_name="ouvre le pilote de",
        help_text="Réussi, il permet à l'agent de proposer ce partenaire en expérimentation.",
    )
    actif = models.BooleanField(default=True)
    exemple = models.BooleanField(
        "exemple du projet", default=False, help_text="Module d'exemple livré avec l'outil, à remplacer."
    )

    class Meta:
        ordering = ["categorie", "titre"]
        constraints = [
            models.CheckConstraint(condition=Q(duree_heures__gt=0), name="formation_duree_positive")
        ]

    def __str__(self):
        return self.titre


def _agents_de(structures=None, departements=None):
    """Sous-requête : les personnes habilitées (agent ou responsable, même passées) dans ces structures ou
    dans les structures de ces départements."""
    from franceservices.comptes.models import Habilitation, Role

    habilitations = Habilitation.objects.filter(role__in=[Role.AGENT, Role.RESPONSABLE])
    if structures is not None:
        habilitations = habilitations.filter(structure_id__in=structures)
    if departements is not None:
        habilitations = habilitations.filter(structure__departement_id__in=departements)
    return habilitations.values("utilisateur_id")


class SessionQuerySet(models.QuerySet):
    def a_venir(self, maintenant):
        return self.filter(debut__gt=maintenant, annulee_le__isnull=True)

    def avec_places(self):
        """Annote `nb_confirmees`, `nb_attente` et `places_restantes` (capacité − confirmées, au moins 0)."""
        from django.db.models import Count, Value
        from django.db.models.functions import Greatest

        return self.annotate(
            nb_confirmees=Count("inscriptions", filter=Q(inscriptions__statut="confirmee")),
            nb_attente=Count("inscriptions", filter=Q(inscriptions__statut="attente")),
        ).annotate(places_restantes=Greatest(F("capacite") - F("nb_confirmees"), Value(0)))

    def visible_par(self, utilisateur):
        """Sessions que la personne voit : nationales et de ses départements (France services, animation,
        préfecture), celles où elle est inscrite ou formatrice ; l'équipe nationale voit tout."""
        from franceservices.comptes.perimetre import perimetre_de
        from franceservices.structures.models import Structure

        if utilisateur is None or not utilisateur.is_authenticated:
            return self.none()
        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        filtre = Q(formateur=utilisateur) | Q(inscriptions__agent=utilisateur)
        territoire = perimetre.departements_animateur | perimetre.departements_prefecture
        if perimetre.structures or territoire:
            filtre |= Q(departement__isnull=True)
        if territoire:
            filtre |= Q(departement_id__in=territoire)
        if perimetre.structures:
            filtre |= Q(
                departement_id__in=Structure.objects.filter(pk__in=perimetre.structures).values(
                    "departement_id"
                )
            )
        return self.filter(pk__in=self.model.objects.filter(filtre).values("pk"))


class Session(Horodate):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="sessions")
    debut = models.DateTimeField("début")
    fin = models.DateTimeField()
    lieu = models.CharField(max_length=250, blank=True, help_text="Adresse (présentiel).")
    commune = models.ForeignKey(
        "territoires.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lien = models.URLField("lien de connexion", blank=True, help_text="Classe virtuelle.")
    capacite = models.PositiveSmallIntegerField(
        "places", validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    departement = models.ForeignKey(
        "territoires.Departement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="département",
        help_text="Session organisée pour un département ; vide : nationale.",
    )
    formateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["debut", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gt=F("debut")), name="formation_session_fin_apres_debut"),
            models.CheckConstraint(condition=Q(capacite__gte=1), name="formation_session_capacite"),
        ]

    def __str__(self):
        return f"{self.module} — {self.debut:%d/%m/%Y}"


class Statut(models.TextChoices):
    DEMANDEE = "demandee", "En attente d'approbation"
    CONFIRMEE = "confirmee", "Inscrit"
    ATTENTE = "attente", "Liste d'attente"
    REFUSEE = "refusee", "Refusée"
    ANNULEE = "annulee", "Annulée"


STATUTS_ACTIFS = {Statut.DEMANDEE, Statut.CONFIRMEE, Statut.ATTENTE}


class Presence(models.TextChoices):
    PRESENT = "present", "Présent"
    ABSENT = "absent", "Absent"


class Source(models.TextChoices):
    FORMATEUR = "formateur", "Saisie du formateur"
    IMPORT = "import", "Import d'un fichier de l'organisme"


class InscriptionQuerySet(models.QuerySet):
    def actives(self):
        return self.filter(statut__in=STATUTS_ACTIFS)

    def visible_par(self, utilisateur):
        """Inscriptions que la personne voit : les siennes ; celles des agents de ses structures
        (responsable) ; de son département (animation, préfecture) ; des sessions qu'elle anime
        (formateur) ; toutes (équipe nationale)."""
        from franceservices.comptes.perimetre import perimetre_de

        if utilisateur is None or not utilisateur.is_authenticated:
            return self.none()
        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        filtre = Q(agent=utilisateur) | Q(session__formateur=utilisateur)
        if perimetre.structures_responsable:
            filtre |= Q(agent_id__in=_agents_de(structures=perimetre.structures_responsable))
        territoire = perimetre.departements_animateur | perimetre.departements_prefecture
        if territoire:
            filtre |= Q(agent_id__in=_agents_de(departements=territoire)) | Q(
                session__departement_id__in=territoire
            )
        return self.filter(filtre)


class Inscription(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="inscriptions")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inscriptions")
    statut = models.CharField(max_length=10, choices=Statut.choices, db_index=True)
    demandee_le = models.DateTimeField("demandée le", db_index=True)
    inscrite_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="inscrit par",
    )
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="approuvée ou refusée par",
    )
    decidee_le = models.DateTimeField("approuvée ou refusée le", null=True, blank=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)
    motif = models.CharField(max_length=300, blank=True)
    presence = models.CharField("présence", max_length=8, choices=Presence.choices, blank=True)
    reussie_le = models.DateTimeField("réussie le", null=True, blank=True)
    source_reussite = models.CharField(max_length=10, choices=Source.choices, blank=True)
    code_attestation = models.CharField(max_length=LONGUEUR_CODE, unique=True, null=True, blank=True)
    rappel_envoye_le = models.DateTimeField("rappel envoyé le", null=True, blank=True)

    objects = InscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["session", "demandee_le", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "agent"],
                condition=Q(statut__in=["demandee", "confirmee", "attente"]),
                name="formation_une_inscription_active",
            ),
            models.CheckConstraint(
                condition=Q(reussie_le__isnull=True) | Q(statut="confirmee"),
                name="formation_reussite_si_inscrit",
            ),
        ]

    def __str__(self):
        return f"{self.agent} — {self.session} ({self.get_statut_display()})"


class Avis(models.Model):
    """Avis de l'agent après la session (anonymisé dans les résultats : seuls des agrégats sont montrés)."""

    inscription = models.OneToOneField(Inscription, on_delete=models.CASCADE, related_name="avis")
    utilite = models.PositiveSmallIntegerField(
        "utilité pour mon travail", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    clarte = models.PositiveSmallIntegerField(
        "clarté", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    cas_concrets = models.PositiveSmallIntegerField(
        "place des cas concrets", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    commentaire = models.TextField(blank=True, max_length=2000)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "avis"
        constraints = [
            models.CheckConstraint(
                condition=Q(utilite__gte=1, utilite__lte=5, clarte__gte=1, clarte__lte=5)
                & Q(cas_concrets__gte=1, cas_concrets__lte=5),
                name="formation_avis_notes_1_a_5",
            )
        ]

    def __str__(self):
        return f"Avis sur {self.inscription.session}"


class AlerteFormation(models.Model):
    """Alerte « formation initiale non suivie dans le délai » envoyée pour un agent (une par agent et par
    échéance : la commande d'alerte est idempotente)."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    structure = models.ForeignKey("structures.Structure", on_delete=models.CASCADE, related_name="+")
    echeance = models.DateField("échéance de la formation initiale")
    envoyee_le = models.DateTimeField("envoyée le", auto_now_add=True)
    destinataires = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "alerte de formation"
        constraints = [
            models.UniqueConstraint(fields=["agent", "structure", "echeance"], name="formation_alerte_unique")
        ]

    def __str__(self):
        return f"Alerte formation initiale — {self.agent} ({self.echeance:%d/%m/%Y})"


class EtatCourriel(models.TextChoices):
    A_ENVOYER = "a_envoyer", "À envoyer"
    ENVOYE = "envoye", "Envoyé"
    SANS_OBJET = "sans_objet", "Sans objet (situation changée avant l'envoi)"
    ECHEC = "echec", "Échec définitif"


class CourrielFormation(models.Model):
    """Un courriel d'inscription à envoyer (demande, approbation, refus, promotion, session annulée),
    enregistré dans la transaction de l'action : une panne du serveur de courriel ou du moteur de tâches ne
    perd rien (nouvelle tentative par la tâche, puis par la commande `envoyer_courriels_formation`).

    `adresses` : vide tant qu'aucune tentative n'a eu lieu (les destinataires sont calculés au premier envoi),
    puis les seules adresses restées en échec."""

    inscription = models.ForeignKey(Inscription, on_delete=models.CASCADE, related_name="courriels")
    sorte = models.CharField(max_length=16)
    etat = models.CharField(max_length=10, choices=EtatCourriel.choices, default=EtatCourriel.A_ENVOYER)
    adresses = models.JSONField(default=list, blank=True)
    envoye_a = models.JSONField("envoyé à", default=list, blank=True)
    tentatives = models.PositiveSmallIntegerField(default=0)
    derniere_erreur = models.CharField(max_length=500, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel de formation"
        verbose_name_plural = "courriels de formation"
        ordering = ["cree_le", "pk"]
        indexes = [models.Index(fields=["etat", "cree_le"], name="courriel_formation_a_envoyer")]

    def __str__(self):
        return f"Courriel « {self.sorte} » — inscription {self.inscription_id} ({self.get_etat_display()})"
