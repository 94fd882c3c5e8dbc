from django.db import models


class Horodate(models.Model):
    """Modèle abstrait : dates de création et de dernière modification."""

    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class Evenement(models.TextChoices):
    CONNEXION = "connexion", "Connexion"
    CONNEXION_ECHEC = "connexion_echec", "Échec de connexion"
    CONNEXION_REFUSEE = "connexion_refusee", "Connexion refusée (aucune habilitation active)"
    VERROUILLAGE = "verrouillage", "Compte verrouillé après des échecs répétés"
    DECONNEXION = "deconnexion", "Déconnexion"
    DOUBLE_FACTEUR_ACTIVE = "double_facteur_active", "Second facteur activé"
    DOUBLE_FACTEUR_ECHEC = "double_facteur_echec", "Code de second facteur refusé"
    DOUBLE_FACTEUR_SUPPRIME = "double_facteur_supprime", "Second facteur supprimé"
    MOT_DE_PASSE_DEMANDE = "mot_de_passe_demande", "Demande de réinitialisation du mot de passe"
    MOT_DE_PASSE_CHANGE = "mot_de_passe_change", "Mot de passe changé"
    INVITATION_ENVOYEE = "invitation_envoyee", "Invitation envoyée"
    INVITATION_ACCEPTEE = "invitation_acceptee", "Invitation acceptée"
    INVITATION_ANNULEE = "invitation_annulee", "Invitation annulée"
    HABILITATION_ACCORDEE = "habilitation_accordee", "Habilitation accordée"
    HABILITATION_RETIREE = "habilitation_retiree", "Habilitation retirée"
    COMPTE_DESACTIVE = "compte_desactive", "Compte désactivé"
    COMPTE_REACTIVE = "compte_reactive", "Compte réactivé"
    JETON_CREE = "jeton_cree", "Jeton d'API créé"
    JETON_REVOQUE = "jeton_revoque", "Jeton d'API révoqué"
    JETON_REFUSE = "jeton_refuse", "Jeton d'API refusé"
    EXPORT = "export", "Export de données"
    ACCES_DONNEES_PERSONNELLES = "acces_donnees_personnelles", "Accès à des données personnelles"
    STRUCTURE_MODIFIEE = "structure_modifiee", "Fiche d'une France services modifiée"
    FICHE_MODIFIEE = "fiche_modifiee", "Fiche de la base de connaissances créée ou modifiée"
    DEMARCHE_MODIFIEE = "demarche_modifiee", "Démarche du catalogue modifiée"
    PILOTE_MODIFIE = "pilote_modifie", "Pilote d'un partenaire créé ou modifié"
    FORMATION_PILOTE = "formation_pilote", "Agent déclaré formé à un pilote"
    ESCALADE_OUVERTE = "escalade_ouverte", "Escalade ouverte"
    ESCALADE_STATUT = "escalade_statut", "Statut d'une escalade changé"
    PIECE_TELECHARGEE = "piece_telechargee", "Pièce jointe téléchargée"
    PURGE = "purge", "Purge de données personnelles"
    RDV_RESERVE = "rdv_reserve", "Rendez-vous réservé"
    RDV_MODIFIE = "rdv_modifie", "Rendez-vous déplacé ou annulé"
    RDV_STATUT = "rdv_statut", "Rendez-vous : venue ou absence notée"
    RDV_PARAMETRAGE = "rdv_parametrage", "Paramétrage des rendez-vous modifié"
    RAPPEL_DEMANDE = "rappel_demande", "Demande de rappel enregistrée"
    RAPPEL_TRAITE = "rappel_traite", "Demande de rappel traitée (attribution, tentative, clôture)"
    FORMATION_SUIVI = "formation_suivi", "Formation : présence ou réussite notée, ou réussite retirée"
    FORMATION_CATALOGUE = "formation_catalogue", "Formation : module ou session créé, modifié ou annulé"
    LABEL_CRITERE = "label_critere", "Label : critère créé, modifié ou retiré"
    LABEL_CYCLE = "label_cycle", "Label : étape du cycle de labellisation (candidature, décision, audit…)"
    LABEL_CONSTAT = "label_constat", "Label : constat d'audit enregistré"
    VISITE = "visite", "Animation : visite d'une France services ou action de suivi"
    RESEAU_EVENEMENT = "reseau_evenement", "Vie du réseau : événement créé, modifié, annulé ; présences"
    RESEAU_PUBLICATION = "reseau_publication", "Vie du réseau : actualité ou ressource publiée ou retirée"
    MEDIATION_IMPORT = "mediation_import", "Lieux de médiation numérique importés"
    ORIENTATION = "orientation", "Orientation entre France services et conseiller numérique (envoi, réponse)"
    ESTIMATION_DROITS = "estimation_droits", "Estimation des droits : enregistrement anonymisé consenti"


class EvenementAuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul : aucune modification.")

    def delete(self):
        raise PermissionError("Le journal d'audit est en ajout seul : aucune suppression.")


class EvenementAudit(models.Model):
    """Journal d'audit en ajout seul : événements de sécurité et accès aux données personnelles.

    L'acteur est conservé par son identifiant et son adresse au moment des faits (le compte peut être
    désactivé ensuite). Sur PostgreSQL, un déclencheur refuse aussi UPDATE et DELETE en base.
    """

    horodatage = models.DateTimeField(auto_now_add=True, db_index=True)
    evenement = models.CharField("événement", max_length=40, choices=Evenement.choices, db_index=True)
    acteur = models.ForeignKey(
        "comptes.Utilisateur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    acteur_email = models.CharField("adresse de l'acteur", max_length=254, blank=True)
    cible_type = models.CharField("type de la cible", max_length=60, blank=True)
    cible_id = models.CharField("identifiant de la cible", max_length=60, blank=True)
    cible_libelle = models.CharField("cible", max_length=250, blank=True)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)

    objects = EvenementAuditQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-horodatage", "-pk"]
        indexes = [
            models.Index(fields=["acteur", "horodatage"]),
            models.Index(fields=["cible_type", "cible_id"]),
        ]

    def __str__(self):
        return f"{self.horodatage:%d/%m/%Y %H:%M} — {self.get_evenement_display()} — {self.acteur_email or 'anonyme'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Le journal d'audit est en ajout seul : aucune modification.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul : aucune suppression.")
