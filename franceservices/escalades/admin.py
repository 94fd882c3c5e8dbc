from django import forms
from django.contrib import admin

from .forms import verifier_champs
from .models import Engagement, Escalade, Formulaire, Message, Notification, PieceJointe


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = [
        "partenaire",
        "escalade_ouverte",
        "delai_jours_ouvres",
        "relance_jours_ouvres",
        "contact_national",
    ]
    list_filter = ["escalade_ouverte"]
    search_fields = ["partenaire__nom_court", "partenaire__code"]


class FormulaireAdminForm(forms.ModelForm):
    class Meta:
        model = Formulaire
        fields = ["partenaire", "demarche", "champs"]
        help_texts = {
            "champs": 'Liste JSON : [{"code": "numero_allocataire", "libelle": "Numéro d\'allocataire", '
            '"type": "identifiant", "obligatoire": true, "personnel": true, "aide": "…"}]. Types : '
            'texte, nombre, date, choix (avec "choix": ["…"]), identifiant.',
        }

    def clean_champs(self):
        return verifier_champs(self.cleaned_data.get("champs"))

    def clean(self):
        donnees = super().clean()
        demarche, partenaire = donnees.get("demarche"), donnees.get("partenaire")
        if demarche is not None and partenaire is not None and demarche.partenaire_id != partenaire.pk:
            self.add_error("demarche", "Cette démarche n'appartient pas au partenaire choisi.")
        return donnees


@admin.register(Formulaire)
class FormulaireAdmin(admin.ModelAdmin):
    form = FormulaireAdminForm
    list_display = ["partenaire", "demarche"]
    list_filter = ["partenaire"]
    raw_id_fields = ["demarche"]


class LectureSeule:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(LectureSeule, admin.TabularInline):
    model = Message
    fields = ["cree_le", "cote", "auteur", "statut_avant", "statut_apres", "texte"]
    readonly_fields = fields
    extra = 0


class PieceInline(LectureSeule, admin.TabularInline):
    model = PieceJointe
    fields = ["deposee_le", "nom", "type_mime", "taille", "empreinte"]  # pas de lien direct vers le fichier
    readonly_fields = fields
    extra = 0


@admin.register(Escalade)
class EscaladeAdmin(LectureSeule, admin.ModelAdmin):
    """Lecture seule : les escalades se traitent dans l'application (transitions, audit, notifications)."""

    list_display = [
        "reference",
        "partenaire",
        "structure",
        "statut",
        "echeance",
        "ouverte_le",
        "acheminement",
    ]
    list_filter = ["statut", "acheminement", "partenaire"]
    search_fields = ["reference"]
    date_hierarchy = "ouverte_le"
    exclude = ["usager_nom", "usager_prenom", "usager_date_naissance", "donnees"]
    inlines = [MessageInline, PieceInline]
    list_select_related = ["partenaire", "structure"]


@admin.register(Notification)
class NotificationAdmin(LectureSeule, admin.ModelAdmin):
    """Suivi des courriels : ceux en échec définitif se renvoient par `envoyer_notifications --echecs`."""

    list_display = ["creee_le", "type", "escalade", "etat", "tentatives", "envoyee_le", "derniere_erreur"]
    list_filter = ["etat", "type"]
    search_fields = ["escalade__reference"]
    date_hierarchy = "creee_le"
    fields = [
        "escalade",
        "type",
        "destinataires",
        "sujet",
        "etat",
        "tentatives",
        "derniere_erreur",
        "creee_le",
        "envoyee_le",
    ]
    readonly_fields = fields
    list_select_related = ["escalade"]
