"""Le label France services : critères (données éditables par l'équipe nationale), constats d'audit, dossier
de labellisation d'une France services avec son cycle (états, transitions autorisées, historique) et les
marques d'envoi des rappels d'audit."""

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from franceservices.core.models import Horodate
from franceservices.structures.models import Format

from .regles import Regle, valider_parametres

ORIGINE_DEPART = "Liste de départ du projet, à compléter par l'équipe nationale"


class Mode(models.TextChoices):
    CALCULE = "calcule", "Calculé à partir des données"
    CONSTATE = "constate", "Constaté à l'audit"


class Critere(Horodate):
    """Un critère du référentiel. Les critères ne se suppriment pas : on les désactive (les constats restent)."""

    code = models.SlugField(max_length=40, unique=True)
    libelle = models.CharField("libellé", max_length=200)
    description = models.TextField("description et aide", blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.CONSTATE)
    regle = models.CharField("règle de calcul", max_length=30, choices=Regle.choices, blank=True)
    parametres = models.JSONField("paramètres", default=dict, blank=True)
    formats = models.JSONField(
        "formats concernés",
        default=list,
        blank=True,
        help_text="Formats de France services concernés ; vide : tous les formats.",
    )
    actif = models.BooleanField(default=True)
    ordre = models.PositiveSmallIntegerField(default=100)
    origine = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "critère du label"
        verbose_name_plural = "critères du label"
        ordering = ["ordre", "code"]

    def __str__(self):
        return self.libelle

    @property
    def calcule(self) -> bool:
        return self.mode == Mode.CALCULE

    def concerne(self, format_) -> bool:
        return not self.formats or format_ in self.formats

    @property
    def libelle_formats(self) -> str:
        if not self.formats:
            return "Tous les formats"
        libelles = dict(Format.choices)
        return ", ".join(str(libelles.get(f, f)) for f in self.formats)

    def clean(self):
        if self.mode == Mode.CALCULE:
            if not self.regle:
                raise ValidationError({"regle": "Un critère calculé doit désigner sa règle de calcul."})
            self.parametres = valider_parametres(self.regle, self.parametres)
        elif self.regle or self.parametres:
            raise ValidationError({"regle": "Un critère constaté à l'audit n'a ni règle ni paramètres."})
        inconnus = [f for f in self.formats or [] if f not in Format.values]
        if inconnus:
            raise ValidationError({"formats": f"Format inconnu : {', '.join(map(str, inconnus))}."})


class ModificationCritere(models.Model):
    """Historique d'un critère : qui, quand, quels champs (avant → après)."""

    critere = models.ForeignKey(Critere, on_delete=models.CASCADE, related_name="modifications")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    horodatage = models.DateTimeField(auto_now_add=True)
    changements = models.JSONField(help_text="{champ: [avant, après]}")

    class Meta:
        verbose_name = "modification d'un critère"
        ordering = ["-horodatage", "-pk"]

    def __str__(self):
        return f"{self.critere.code} — {self.horodatage:%d/%m/%Y %H:%M}"


class ReglageCycle(models.Model):
    """Réglages du cycle (une seule ligne, pk=1) : durée du label avant l'audit et préavis des rappels."""

    duree_mois = models.PositiveSmallIntegerField(
        "durée entre deux audits (mois)", default=36, help_text="Trois ans selon le référentiel."
    )
    preavis_jours = models.PositiveSmallIntegerField("préavis des rappels d'audit (jours)", default=90)

    class Meta:
        verbose_name = "réglage du cycle de labellisation"

    def __str__(self):
        return f"Audit tous les {self.duree_mois} mois, rappel {self.preavis_jours} jours avant"

    @classmethod
    def courant(cls) -> "ReglageCycle":
        """Le réglage enregistré, ou les valeurs par défaut (sans rien écrire) s'il n'y en a pas encore."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


def ajouter_mois(jour: date, mois: int) -> date:
    total = jour.month - 1 + mois
    annee, mois_ = jour.year + total // 12, total % 12 + 1
    return date(annee, mois_, min(jour.day, calendar.monthrange(annee, mois_)[1]))


class Etat(models.TextChoices):
    CANDIDATURE = "candidature", "Candidature déposée"
    INSTRUCTION = "instruction", "En instruction (préfecture)"
    LABELLISEE = "labellisee", "Labellisée"
    REFUSEE = "refusee", "Candidature refusée"
    AUDIT = "audit", "Audit en cours"
    PLAN_CORRECTIF = "plan_correctif", "Plan correctif"
    RENOUVELEE = "renouvelee", "Label renouvelé"
    SUSPENDUE = "suspendue", "Label suspendu"
    RETIREE = "retiree", "Label retiré"


# Transitions autorisées : état de départ (None : pas encore de dossier) → états d'arrivée possibles.
TRANSITIONS: dict[str | None, set[str]] = {
    None: {Etat.CANDIDATURE},
    Etat.CANDIDATURE: {Etat.INSTRUCTION, Etat.REFUSEE},
    Etat.INSTRUCTION: {Etat.LABELLISEE, Etat.REFUSEE},
    Etat.REFUSEE: {Etat.CANDIDATURE},
    Etat.LABELLISEE: {Etat.AUDIT, Etat.SUSPENDUE, Etat.RETIREE},
    Etat.AUDIT: {Etat.RENOUVELEE, Etat.PLAN_CORRECTIF, Etat.SUSPENDUE, Etat.RETIREE},
    Etat.PLAN_CORRECTIF: {Etat.AUDIT, Etat.RENOUVELEE, Etat.SUSPENDUE, Etat.RETIREE},
    Etat.RENOUVELEE: {Etat.AUDIT, Etat.SUSPENDUE, Etat.RETIREE},
    Etat.SUSPENDUE: {Etat.PLAN_CORRECTIF, Etat.RENOUVELEE, Etat.RETIREE},
    Etat.RETIREE: {Etat.CANDIDATURE},
}
# Le porteur (responsable de la France services) dépose ; la préfecture instruit et décide le reste.
DEPOSEES_PAR_LE_PORTEUR = {Etat.CANDIDATURE}
COMMENTAIRE_OBLIGATOIRE = {Etat.REFUSEE, Etat.PLAN_CORRECTIF, Etat.SUSPENDUE, Etat.RETIREE}
# Décisions qui (re)donnent le label : date de labellisation, point de départ de l'échéance d'audit.
ACCORDS = {Etat.LABELLISEE, Etat.RENOUVELEE}
# États où le label court (l'échéance d'audit a un sens).
LABEL_EN_COURS = {Etat.LABELLISEE, Etat.RENOUVELEE, Etat.AUDIT, Etat.PLAN_CORRECTIF}


class Dossier(Horodate):
    """Le dossier de labellisation d'une France services du registre (un par structure).

    Un nouveau site est d'abord inscrit au registre (sans date de labellisation), puis son porteur dépose la
    candidature. Une France services du registre labellisée avant l'outil n'a pas de dossier : elle est lue
    comme « labellisée » à sa date du registre, et son dossier naît à la première étape enregistrée."""

    structure = models.OneToOneField(
        "structures.Structure", on_delete=models.CASCADE, related_name="dossier_label"
    )
    etat = models.CharField("état", max_length=20, choices=Etat.choices, default=Etat.CANDIDATURE)
    date_label = models.DateField(
        "labellisée ou renouvelée le", null=True, blank=True, help_text="Départ de l'échéance d'audit."
    )

    class Meta:
        verbose_name = "dossier de labellisation"
        verbose_name_plural = "dossiers de labellisation"

    def __str__(self):
        return f"Label — {self.structure}"


class Etape(models.Model):
    """Une étape du cycle : qui, quand, de quel état vers quel état, avec quel commentaire."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="etapes")
    depuis = models.CharField(max_length=20, choices=Etat.choices, blank=True)
    vers = models.CharField(max_length=20, choices=Etat.choices)
    date_effet = models.DateField("date d'effet")
    commentaire = models.TextField(blank=True)
    par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape du cycle de labellisation"
        ordering = ["-le", "-pk"]

    def __str__(self):
        return f"{self.dossier.structure} : {self.get_vers_display()} le {self.date_effet:%d/%m/%Y}"


class Constat(models.Model):
    """Un constat (à l'audit ou lors d'une visite) sur un critère « constaté » pour une France services ; le
    plus récent fait foi."""

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="constats_label"
    )
    critere = models.ForeignKey(Critere, on_delete=models.PROTECT, related_name="constats")
    conforme = models.BooleanField()
    commentaire = models.TextField(blank=True)
    date = models.DateField("constaté le")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    etape = models.ForeignKey(
        Etape,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="constats",
        verbose_name="audit",
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "constat d'audit"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["structure", "critere", "date"])]

    def __str__(self):
        return f"{self.structure} · {self.critere.code} : {'conforme' if self.conforme else 'non conforme'}"


class RappelAudit(models.Model):
    """Marque d'envoi du rappel d'une échéance d'audit (une par structure et par échéance). Créée avant
    l'envoi ; `envoye_le` posé après un envoi réussi : un échec reste à envoyer au passage suivant."""

    structure = models.ForeignKey("structures.Structure", on_delete=models.CASCADE, related_name="+")
    echeance = models.DateField("échéance d'audit")
    cree_le = models.DateTimeField(auto_now_add=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    destinataires = models.JSONField(default=list, blank=True)
    echecs = models.PositiveSmallIntegerField(default=0)
    derniere_erreur = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "rappel d'audit"
        constraints = [models.UniqueConstraint(fields=["structure", "echeance"], name="label_rappel_unique")]

    def __str__(self):
        return f"Rappel d'audit — {self.structure_id} ({self.echeance:%d/%m/%Y})"
