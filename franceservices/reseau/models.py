"""Vie du réseau : événements (réunions de réseau, webinaires, informations d'un partenaire) et publications
(actualités, ressources) diffusés à un périmètre — national, une région ou un département — et à des rôles.

Les destinataires d'une diffusion ne sont pas recopiés : ils se déduisent des habilitations actives
(`destinataires.py`), en une requête. Les invitations (`Participation` avec `invitee_le`) sont posées à la
création de l'événement pour porter les courriels d'invitation ; une personne arrivée depuis dans le
périmètre voit l'événement et peut s'y inscrire.

Les courriels passent par une table d'envoi (`Envoi` : une ligne par personne et par courriel, marque
d'envoi, tentatives, dernière erreur) : rien ne se perd si le serveur de courriel est en panne, et la
commande `envoyer_courriels_reseau` reprend ce qui reste, sans rien envoyer deux fois.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from franceservices.comptes.models import Role
from franceservices.core.models import Horodate


class Portee(models.TextChoices):
    NATIONAL = "national", "National"
    REGION = "region", "Une région"
    DEPARTEMENT = "departement", "Un département"


# Rôles qu'une diffusion peut viser : un champ booléen par rôle (filtrable sur SQLite comme sur PostgreSQL).
CHAMPS_PUBLIC = {
    Role.AGENT: "pour_agents",
    Role.RESPONSABLE: "pour_responsables",
    Role.ANIMATEUR: "pour_animateurs",
    Role.COORDINATEUR_PREFECTURE: "pour_prefectures",
    Role.REFERENT_PARTENAIRE: "pour_referents",
    Role.CONSEILLER_NUMERIQUE: "pour_conseillers",
}
LIBELLES_PUBLIC = {
    Role.AGENT: "agents",
    Role.RESPONSABLE: "responsables de structure",
    Role.ANIMATEUR: "animateurs départementaux",
    Role.COORDINATEUR_PREFECTURE: "coordinateurs en préfecture",
    Role.REFERENT_PARTENAIRE: "référents partenaires",
    Role.CONSEILLER_NUMERIQUE: "conseillers numériques",
}


class Diffusion(models.Model):
    """À qui s'adresse un événement ou une publication : un périmètre et des rôles."""

    portee = models.CharField("périmètre", max_length=12, choices=Portee.choices, default=Portee.DEPARTEMENT)
    region = models.ForeignKey(
        "territoires.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="région",
    )
    departement = models.ForeignKey(
        "territoires.Departement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="département",
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pour_agents = models.BooleanField("agents", default=True)
    pour_responsables = models.BooleanField("responsables de structure", default=True)
    pour_animateurs = models.BooleanField("animateurs départementaux", default=False)
    pour_prefectures = models.BooleanField("coordinateurs en préfecture", default=False)
    pour_referents = models.BooleanField("référents partenaires", default=False)
    pour_conseillers = models.BooleanField("conseillers numériques", default=False)

    class Meta:
        abstract = True

    @staticmethod
    def contraintes(prefixe: str) -> list:
        return [
            models.CheckConstraint(
                condition=Q(portee=Portee.NATIONAL, region__isnull=True, departement__isnull=True)
                | Q(portee=Portee.REGION, region__isnull=False, departement__isnull=True)
                | Q(portee=Portee.DEPARTEMENT, region__isnull=True, departement__isnull=False),
                name=f"{prefixe}_portee_coherente",
            ),
            models.CheckConstraint(
                condition=Q(pour_agents=True)
                | Q(pour_responsables=True)
                | Q(pour_animateurs=True)
                | Q(pour_prefectures=True)
                | Q(pour_referents=True)
                | Q(pour_conseillers=True),
                name=f"{prefixe}_public_non_vide",
            ),
        ]

    @property
    def roles_vises(self) -> list[str]:
        return [role for role, champ in CHAMPS_PUBLIC.items() if getattr(self, champ)]

    @property
    def libelle_public(self) -> str:
        return ", ".join(LIBELLES_PUBLIC[Role(r)] for r in self.roles_vises)

    @property
    def libelle_perimetre(self) -> str:
        if self.portee == Portee.DEPARTEMENT:
            return f"département {self.departement}"
        if self.portee == Portee.REGION:
            return f"région {self.region}"
        return "national"


class TypeEvenement(models.TextChoices):
    REUNION = "reunion", "Réunion de réseau"
    WEBINAIRE = "webinaire", "Webinaire"
    PARTENAIRE = "partenaire", "Information d'un partenaire"
    AUTRE = "autre", "Autre"


class DiffusionQuerySet(models.QuerySet):
    def visible_par(self, utilisateur):
        """Ce que la personne voit : ce qui s'adresse à elle, ce qu'elle gère, et (événements) ce à quoi elle
        est invitée ou inscrite. Équipe nationale : tout."""
        from franceservices.comptes.perimetre import perimetre_de

        from .diffusion import filtre_adressees, filtre_gerables

        if utilisateur is None or not utilisateur.is_authenticated:
            return self.none()
        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        filtre = filtre_adressees(utilisateur) | filtre_gerables(perimetre)
        if self.model is EvenementReseau:
            filtre |= Q(pk__in=Participation.objects.filter(personne=utilisateur).values("evenement_id"))
        return self.filter(filtre)

    def gerables_par(self, utilisateur):
        from franceservices.comptes.perimetre import perimetre_de

        from .diffusion import filtre_gerables

        return self.filter(filtre_gerables(perimetre_de(utilisateur)))


class EvenementQuerySet(DiffusionQuerySet):
    def a_venir(self, maintenant=None):
        return self.filter(fin__gt=maintenant or timezone.now(), annule_le__isnull=True)


class EvenementReseau(Diffusion, Horodate):
    type = models.CharField(max_length=12, choices=TypeEvenement.choices, default=TypeEvenement.REUNION)
    titre = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    debut = models.DateTimeField("début")
    fin = models.DateTimeField()
    lieu = models.CharField(max_length=250, blank=True, help_text="Adresse (en présentiel).")
    commune = models.ForeignKey(
        "territoires.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lien = models.URLField("lien de connexion", blank=True)
    capacite = models.PositiveSmallIntegerField("places", null=True, blank=True)
    organisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    annule_le = models.DateTimeField("annulé le", null=True, blank=True)
    motif_annulation = models.CharField("motif de l'annulation", max_length=300, blank=True)
    compte_rendu = models.TextField("compte rendu", blank=True, max_length=20000)
    compte_rendu_le = models.DateTimeField("compte rendu déposé le", null=True, blank=True)

    objects = EvenementQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du réseau"
        verbose_name_plural = "événements du réseau"
        ordering = ["debut", "pk"]
        constraints = [
            *Diffusion.contraintes("reseau_evenement"),
            models.CheckConstraint(condition=Q(fin__gt=F("debut")), name="reseau_evenement_fin_apres_debut"),
            models.CheckConstraint(
                condition=Q(capacite__isnull=True) | Q(capacite__gte=1), name="reseau_evenement_capacite"
            ),
        ]
        indexes = [
            models.Index(fields=["portee", "debut"], name="reseau_evt_portee_debut"),
            models.Index(fields=["departement", "debut"], name="reseau_evt_dep_debut"),
            models.Index(fields=["region", "debut"], name="reseau_evt_reg_debut"),
        ]

    def __str__(self):
        return f"{self.titre} ({timezone.localtime(self.debut):%d/%m/%Y})"

    @property
    def fuseau(self):
        from franceservices.structures.horaires import fuseau_du_departement

        return fuseau_du_departement(self.departement.code if self.departement_id else "")

    def local(self, instant):
        return instant.astimezone(self.fuseau)

    @property
    def debut_local(self):
        return self.local(self.debut)

    @property
    def fin_local(self):
        return self.local(self.fin)

    @property
    def heure_de_paris(self) -> bool:
        return str(self.fuseau) == "Europe/Paris"

    @property
    def a_distance(self) -> bool:
        return bool(self.lien) and not self.lieu


class ParticipationQuerySet(models.QuerySet):
    def inscrites(self):
        return self.filter(inscrite_le__isnull=False, desinscrite_le__isnull=True)


class Participation(models.Model):
    """Une personne et un événement : invitée (courriel), inscrite, désinscrite, présente ou non."""

    evenement = models.ForeignKey(EvenementReseau, on_delete=models.CASCADE, related_name="participations")
    personne = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invitee_le = models.DateTimeField("invitée le", null=True, blank=True)
    inscrite_le = models.DateTimeField("inscrite le", null=True, blank=True)
    desinscrite_le = models.DateTimeField("désinscrite le", null=True, blank=True)
    presente = models.BooleanField("présente", null=True, blank=True)
    presence_notee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    presence_notee_le = models.DateTimeField(null=True, blank=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["evenement", "inscrite_le", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evenement", "personne"], name="reseau_une_participation"),
        ]
        indexes = [models.Index(fields=["personne", "evenement"], name="reseau_participation_personne")]

    def __str__(self):
        return f"{self.personne} — {self.evenement}"

    @property
    def inscrite(self) -> bool:
        return self.inscrite_le is not None and self.desinscrite_le is None


class TypePublication(models.TextChoices):
    ACTUALITE = "actualite", "Actualité"
    RESSOURCE = "ressource", "Ressource"


class PublicationQuerySet(DiffusionQuerySet):
    def en_ligne(self, maintenant=None):
        return self.filter(publiee_le__lte=maintenant or timezone.now(), retiree_le__isnull=True)


class Publication(Diffusion, Horodate):
    type = models.CharField(max_length=10, choices=TypePublication.choices, default=TypePublication.ACTUALITE)
    titre = models.CharField(max_length=200)
    texte = models.TextField(max_length=20000)
    lien = models.URLField(blank=True, help_text="Facultatif : une page à consulter.")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    publiee_le = models.DateTimeField("publiée le", default=timezone.now)
    retiree_le = models.DateTimeField("retirée le", null=True, blank=True)
    retiree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    epinglee = models.BooleanField("épinglée", default=False, help_text="Reste en tête de la liste.")

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-epinglee", "-publiee_le", "-pk"]
        constraints = Diffusion.contraintes("reseau_publication")
        indexes = [
            models.Index(fields=["portee", "publiee_le"], name="reseau_pub_portee"),
            models.Index(fields=["departement", "publiee_le"], name="reseau_pub_dep"),
            models.Index(fields=["region", "publiee_le"], name="reseau_pub_reg"),
        ]

    def __str__(self):
        return self.titre


class Lecture(models.Model):
    """Première lecture d'une publication par une personne (jamais mise à jour)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="lectures")
    personne = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lue_le = models.DateTimeField("lue le", default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["personne", "publication"], name="reseau_une_lecture")]

    def __str__(self):
        return f"{self.personne} a lu {self.publication}"


def chemin_document(instance, nom):
    # Nom de stockage aléatoire : le nom d'origine reste en base.
    return f"reseau/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Document(models.Model):
    """Fichier joint à un événement (support, compte rendu) ou à une publication ; servi par une vue qui
    vérifie le périmètre, jamais depuis MEDIA."""

    evenement = models.ForeignKey(
        EvenementReseau, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    fichier = models.FileField(upload_to=chemin_document, max_length=200)
    nom = models.CharField("nom du fichier", max_length=200)
    type_mime = models.CharField(max_length=100)
    taille = models.PositiveIntegerField("taille (octets)")
    empreinte = models.CharField("empreinte SHA-256", max_length=64)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    depose_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["depose_le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evenement__isnull=False, publication__isnull=True)
                | Q(evenement__isnull=True, publication__isnull=False),
                name="reseau_document_un_parent",
            )
        ]

    def __str__(self):
        return self.nom


class SorteEnvoi(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    ANNULATION = "annulation", "Annulation"
    RAPPEL = "rappel", "Rappel la veille"


class Envoi(models.Model):
    """Table d'envoi : un courriel (invitation, annulation, rappel) à une personne pour un événement."""

    evenement = models.ForeignKey(EvenementReseau, on_delete=models.CASCADE, related_name="envois")
    personne = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sorte = models.CharField(max_length=10, choices=SorteEnvoi.choices)
    cree_le = models.DateTimeField(auto_now_add=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    abandonne_le = models.DateTimeField("abandonné le", null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField(default=0)
    derniere_erreur = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["cree_le", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evenement", "personne", "sorte"], name="reseau_un_envoi"),
        ]
        indexes = [
            models.Index(
                fields=["cree_le"],
                condition=Q(envoye_le__isnull=True, abandonne_le__isnull=True),
                name="reseau_envoi_a_faire",
            )
        ]

    def __str__(self):
        return f"{self.get_sorte_display()} — {self.personne_id} — {self.evenement_id}"
