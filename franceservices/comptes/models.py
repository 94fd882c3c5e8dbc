import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    AGENT = "agent", "Agent France services"
    RESPONSABLE = "responsable", "Responsable de structure"
    ANIMATEUR = "animateur", "Animateur départemental"
    COORDINATEUR_PREFECTURE = "coordinateur_prefecture", "Coordinateur préfecture"
    EQUIPE_NATIONALE = "equipe_nationale", "Équipe nationale (ANCT)"
    REFERENT_PARTENAIRE = "referent_partenaire", "Référent partenaire"
    CONSEILLER_NUMERIQUE = "conseiller_numerique", "Conseiller numérique"


# Ce que chaque rôle porte comme périmètre (un seul élément par habilitation).
ROLES_STRUCTURE = {Role.AGENT, Role.RESPONSABLE}
ROLES_DEPARTEMENT = {Role.ANIMATEUR, Role.COORDINATEUR_PREFECTURE}
CHAMPS_PERIMETRE = {
    Role.AGENT: {"structure"},
    Role.RESPONSABLE: {"structure"},
    Role.ANIMATEUR: {"departement"},
    Role.COORDINATEUR_PREFECTURE: {"departement"},
    Role.EQUIPE_NATIONALE: set(),
    Role.REFERENT_PARTENAIRE: {"partenaire", "departement"},
    Role.CONSEILLER_NUMERIQUE: {"lieu_mediation"},
}
# Champs facultatifs : un référent partenaire sans département est le référent national de son partenaire
# (il reçoit les escalades des territoires où aucun référent n'est nommé).
CHAMPS_FACULTATIFS = {Role.REFERENT_PARTENAIRE: {"departement"}}
TOUS_CHAMPS_PERIMETRE = ("structure", "departement", "partenaire", "lieu_mediation")


def normaliser_email(email: str) -> str:
    return (email or "").strip().lower()


class UtilisateurQuerySet(models.QuerySet):
    def visible_par(self, utilisateur):
        """Les personnes que `utilisateur` peut voir : lui-même et celles habilitées (ou l'ayant été)
        dans son périmètre. Voir `Perimetre.filtre_habilitations`."""
        from .perimetre import perimetre_de

        perimetre = perimetre_de(utilisateur)
        if perimetre.national:
            return self.all()
        filtre = perimetre.filtre_habilitations()
        if filtre is None:
            return self.filter(pk=utilisateur.pk)
        return self.filter(
            Q(pk=utilisateur.pk) | Q(pk__in=Habilitation.objects.filter(filtre).values("utilisateur_id"))
        )


class UtilisateurManager(UserManager.from_queryset(UtilisateurQuerySet)):
    def get_by_natural_key(self, username):
        return self.get(email__iexact=normaliser_email(username))

    def create_user(self, email=None, password=None, **extra_fields):
        email = normaliser_email(email)
        extra_fields.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        email = normaliser_email(email)
        extra_fields.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra_fields)


class Utilisateur(AbstractUser):
    """Une personne qui utilise l'outil ; ses droits viennent de ses habilitations (rôle × périmètre).

    L'adresse électronique (en minuscules) est l'identifiant de connexion, y compris par ProConnect.
    """

    email = models.EmailField("adresse électronique", unique=True)
    demo = models.BooleanField(
        "compte de démonstration", default=False, help_text="Créé par `make run` ; jamais en production."
    )
    desactive_le = models.DateTimeField("désactivé le", null=True, blank=True)
    desactive_par = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="désactivé par",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UtilisateurManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = normaliser_email(self.email)
        if not self.username:
            self.username = self.email
        super().save(*args, **kwargs)

    @property
    def perimetre(self):
        from .perimetre import perimetre_de

        return perimetre_de(self)

    def habilitations_actives(self):
        return self.habilitations.actives()

    def a_une_habilitation_active(self) -> bool:
        return self.is_superuser or self.habilitations.actives().exists()

    @property
    def doit_avoir_double_facteur(self) -> bool:
        if not settings.DOUBLE_FACTEUR_EQUIPE_NATIONALE:
            return self.double_facteur_confirme
        return self.perimetre.national or self.double_facteur_confirme

    @property
    def double_facteur_confirme(self) -> bool:
        dispositif = getattr(self, "dispositif_totp", None)
        return dispositif is not None and dispositif.confirme_le is not None


class AvecPerimetre(models.Model):
    """Un rôle et l'élément de périmètre qui va avec (structure, département, partenaire, lieu).

    Partagé par l'habilitation et l'invitation, qui en est la promesse.
    """

    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    structure = models.ForeignKey(
        "structures.Structure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    lieu_mediation = models.ForeignKey(
        "mediation.LieuMediation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="lieu de médiation numérique",
    )

    class Meta:
        abstract = True

    @classmethod
    def contraintes_perimetre(cls, prefixe: str) -> list[models.CheckConstraint]:
        """Une contrainte par rôle : exactement les champs de périmètre attendus sont renseignés."""
        conditions = []
        for role, champs in CHAMPS_PERIMETRE.items():
            q = Q(role=role)
            for champ in TOUS_CHAMPS_PERIMETRE:
                if champ not in CHAMPS_FACULTATIFS.get(role, set()):
                    q &= Q(**{f"{champ}__isnull": champ not in champs})
            conditions.append(q)
        condition = conditions[0]
        for q in conditions[1:]:
            condition |= q
        return [models.CheckConstraint(condition=condition, name=f"{prefixe}_perimetre_selon_role")]

    def clean(self):
        super().clean()
        attendus = CHAMPS_PERIMETRE.get(self.role)
        if attendus is None:
            return
        erreurs = {}
        for champ in TOUS_CHAMPS_PERIMETRE:
            renseigne = getattr(self, f"{champ}_id") is not None
            libelle = self._meta.get_field(champ).verbose_name
            facultatif = champ in CHAMPS_FACULTATIFS.get(self.role, set())
            if champ in attendus and not renseigne and not facultatif:
                erreurs[champ] = f"Le rôle « {Role(self.role).label} » demande un(e) {libelle}."
            elif champ not in attendus and renseigne:
                erreurs[champ] = f"Le rôle « {Role(self.role).label} » ne porte pas de {libelle}."
        if erreurs:
            raise ValidationError(erreurs)

    @property
    def libelle_perimetre(self) -> str:
        if self.role == Role.EQUIPE_NATIONALE:
            return "France entière"
        if self.role == Role.REFERENT_PARTENAIRE:
            return f"{self.partenaire} — {self.departement or 'national'}"
        objet = self.structure or self.departement or self.lieu_mediation
        return str(objet) if objet is not None else "—"


class HabilitationQuerySet(models.QuerySet):
    def actives(self, le=None):
        jour = le or timezone.localdate()
        return self.filter(
            Q(fin__isnull=True) | Q(fin__gte=jour), debut__lte=jour, revoquee_le__isnull=True
        ).filter(utilisateur__is_active=True)


class Habilitation(AvecPerimetre):
    """Un rôle exercé par une personne sur un élément de périmètre, entre deux dates.

    Une personne peut en cumuler plusieurs. On ne les supprime pas : on les retire (date et auteur).
    """

    utilisateur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="habilitations")
    debut = models.DateField("début", default=timezone.localdate)
    fin = models.DateField("fin (incluse)", null=True, blank=True)
    accordee_par = models.ForeignKey(
        Utilisateur,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="accordée par",
    )
    accordee_le = models.DateTimeField("accordée le", auto_now_add=True)
    revoquee_le = models.DateTimeField("retirée le", null=True, blank=True)
    revoquee_par = models.ForeignKey(
        Utilisateur,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="retirée par",
    )

    objects = HabilitationQuerySet.as_manager()

    class Meta:
        verbose_name = "habilitation"
        verbose_name_plural = "habilitations"
        ordering = ["-debut", "pk"]
        constraints = [
            *AvecPerimetre.contraintes_perimetre("habilitation"),
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=models.F("debut")),
                name="habilitation_fin_apres_debut",
            ),
        ]
        indexes = [
            models.Index(fields=["role", "structure"]),
            models.Index(fields=["role", "departement"]),
        ]

    def __str__(self):
        return f"{self.get_role_display()} — {self.libelle_perimetre}"

    def clean(self):
        super().clean()
        if self.fin and self.debut and self.fin < self.debut:
            raise ValidationError({"fin": "La date de fin doit suivre la date de début."})

    @property
    def est_active(self) -> bool:
        jour = timezone.localdate()
        return (
            self.revoquee_le is None
            and self.debut <= jour
            and (self.fin is None or self.fin >= jour)
            and self.utilisateur.is_active
        )


def nouveau_nonce() -> str:
    return secrets.token_urlsafe(16)


class InvitationQuerySet(models.QuerySet):
    def en_attente(self):
        return self.filter(acceptee_le__isnull=True, annulee_le__isnull=True, expire_le__gt=timezone.now())


class Invitation(AvecPerimetre):
    """Invitation à rejoindre l'outil avec une habilitation : lien signé, qui expire, à usage unique."""

    email = models.EmailField("adresse électronique")
    invitee_par = models.ForeignKey(
        Utilisateur, on_delete=models.PROTECT, related_name="invitations_envoyees"
    )
    creee_le = models.DateTimeField("créée le", auto_now_add=True)
    expire_le = models.DateTimeField("expire le")
    nonce = models.CharField(max_length=64, default=nouveau_nonce, editable=False)
    acceptee_le = models.DateTimeField("acceptée le", null=True, blank=True)
    acceptee_par = models.ForeignKey(
        Utilisateur, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-creee_le"]
        constraints = AvecPerimetre.contraintes_perimetre("invitation")

    def __str__(self):
        return f"Invitation de {self.email} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.email = normaliser_email(self.email)
        if self.expire_le is None:
            self.expire_le = timezone.now() + timedelta(days=settings.INVITATION_DUREE_JOURS)
        super().save(*args, **kwargs)

    @property
    def statut(self) -> str:
        if self.acceptee_le:
            return "acceptée"
        if self.annulee_le:
            return "annulée"
        if self.expire_le <= timezone.now():
            return "expirée"
        return "en attente"


class Portee(models.TextChoices):
    STRUCTURES_LECTURE = "structures:lecture", "Lire les France services de mon périmètre"
    EQUIPE_LECTURE = "equipe:lecture", "Lire les personnes et habilitations de mon périmètre"


class JetonAPIQuerySet(models.QuerySet):
    def valides(self):
        return self.filter(revoque_le__isnull=True, expire_le__gt=timezone.now(), utilisateur__is_active=True)


class JetonAPI(models.Model):
    """Jeton d'API personnel : n'est montré qu'une fois, seule son empreinte SHA-256 est gardée."""

    PREFIXE = "fs_"

    utilisateur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="jetons_api")
    nom = models.CharField(
        max_length=100, help_text="Pour vous souvenir de son usage (ex. : « tableau CAF 15 »)."
    )
    debut = models.CharField("début du jeton", max_length=12, editable=False)
    empreinte = models.CharField(max_length=64, unique=True, editable=False)
    portees = models.JSONField("portées", default=list)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    expire_le = models.DateTimeField("expire le")
    derniere_utilisation_le = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = JetonAPIQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"{self.nom} ({self.debut}…)"

    @staticmethod
    def empreinte_de(jeton: str) -> str:
        return hashlib.sha256(jeton.encode()).hexdigest()

    @classmethod
    def generer(cls, *, utilisateur, nom, portees, expire_le) -> tuple["JetonAPI", str]:
        """Crée le jeton ; renvoie aussi sa valeur en clair, à montrer une seule fois."""
        valeur = cls.PREFIXE + secrets.token_urlsafe(32)
        jeton = cls.objects.create(
            utilisateur=utilisateur,
            nom=nom,
            portees=sorted(portees),
            expire_le=expire_le,
            debut=valeur[:10],
            empreinte=cls.empreinte_de(valeur),
        )
        return jeton, valeur

    @property
    def est_valide(self) -> bool:
        return self.revoque_le is None and self.expire_le > timezone.now() and self.utilisateur.is_active


class DispositifTOTP(models.Model):
    """Second facteur : application d'authentification (TOTP, RFC 6238)."""

    utilisateur = models.OneToOneField(Utilisateur, on_delete=models.CASCADE, related_name="dispositif_totp")
    secret = models.CharField(max_length=64)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    confirme_le = models.DateTimeField("confirmé le", null=True, blank=True)
    dernier_pas = models.BigIntegerField(
        "dernier pas accepté", null=True, blank=True, help_text="Empêche de rejouer un code déjà utilisé."
    )

    class Meta:
        verbose_name = "second facteur (TOTP)"
        verbose_name_plural = "seconds facteurs (TOTP)"

    def __str__(self):
        return f"TOTP de {self.utilisateur}"
