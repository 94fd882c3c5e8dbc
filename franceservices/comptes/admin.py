"""Administration des comptes. L'adresse électronique est l'identifiant (pas de nom d'utilisateur affiché) ;
les secrets (jetons d'API, TOTP) ne sont jamais montrés : seule l'empreinte du jeton est lisible."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import DispositifTOTP, Habilitation, Invitation, JetonAPI, Utilisateur, normaliser_email

CHAMPS_PERIMETRE_ADMIN = ("structure", "departement", "partenaire", "lieu_mediation")


class _EmailNormalise:
    """L'adresse est enregistrée en minuscules : l'unicité se vérifie sur cette forme."""

    def clean_email(self):
        email = normaliser_email(self.cleaned_data["email"])
        autres = Utilisateur.objects.filter(email=email).exclude(pk=self.instance.pk)
        if autres.exists():
            raise forms.ValidationError("Un compte existe déjà avec cette adresse électronique.")
        return email


class FormulaireCreationUtilisateur(_EmailNormalise, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = Utilisateur
        fields = ("email",)


class FormulaireModificationUtilisateur(_EmailNormalise, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Utilisateur
        fields = "__all__"


class HabilitationEnLigne(admin.TabularInline):
    model = Habilitation
    fk_name = "utilisateur"
    extra = 0
    fields = ("role", *CHAMPS_PERIMETRE_ADMIN, "debut", "fin", "accordee_par", "revoquee_le", "revoquee_par")
    autocomplete_fields = ("structure", "accordee_par", "revoquee_par")
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return False  # on retire une habilitation (date, auteur), on ne la supprime pas


@admin.register(Utilisateur)
class UtilisateurAdmin(UserAdmin):
    form = FormulaireModificationUtilisateur
    add_form = FormulaireCreationUtilisateur
    ordering = ("last_name", "first_name", "email")
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "demo", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "demo", "habilitations__role")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined", "desactive_le", "desactive_par")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("État", {"fields": ("is_active", "desactive_le", "desactive_par", "demo")}),
        (
            "Administration de l'outil",
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions"), "classes": ("collapse",)},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [HabilitationEnLigne]

    def save_model(self, request, obj, form, change):
        obj.email = normaliser_email(obj.email)
        obj.username = obj.email
        super().save_model(request, obj, form, change)


@admin.register(Habilitation)
class HabilitationAdmin(admin.ModelAdmin):
    list_display = ("utilisateur", "role", "libelle_perimetre", "debut", "fin", "revoquee_le", "accordee_par")
    list_filter = ("role", "revoquee_le")
    search_fields = ("utilisateur__email", "utilisateur__last_name", "structure__nom", "departement__nom")
    autocomplete_fields = ("utilisateur", "structure", "accordee_par", "revoquee_par")
    list_select_related = (
        "utilisateur",
        "structure",
        "departement",
        "partenaire",
        "lieu_mediation",
        "accordee_par",
    )
    readonly_fields = ("accordee_le",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "role", "libelle_perimetre", "invitee_par", "creee_le", "expire_le", "statut")
    list_filter = ("role",)
    search_fields = ("email", "invitee_par__email")
    autocomplete_fields = ("structure", "invitee_par", "acceptee_par")
    list_select_related = ("invitee_par", "structure", "departement", "partenaire", "lieu_mediation")
    readonly_fields = ("creee_le", "acceptee_le", "acceptee_par")
    exclude = ("nonce",)


@admin.register(JetonAPI)
class JetonAPIAdmin(admin.ModelAdmin):
    list_display = (
        "nom",
        "utilisateur",
        "debut",
        "cree_le",
        "expire_le",
        "revoque_le",
        "derniere_utilisation_le",
    )
    list_filter = ("revoque_le",)
    search_fields = ("nom", "utilisateur__email", "debut")
    list_select_related = ("utilisateur",)
    fields = ("utilisateur", "nom", "debut", "empreinte", "portees", "cree_le", "expire_le", "revoque_le")
    readonly_fields = ("utilisateur", "debut", "empreinte", "portees", "cree_le", "derniere_utilisation_le")

    def has_add_permission(self, request):
        return False  # un jeton se crée par son titulaire, qui seul voit sa valeur une fois


@admin.register(DispositifTOTP)
class DispositifTOTPAdmin(admin.ModelAdmin):
    list_display = ("utilisateur", "cree_le", "confirme_le")
    search_fields = ("utilisateur__email",)
    fields = ("utilisateur", "cree_le", "confirme_le")
    readonly_fields = ("utilisateur", "cree_le", "confirme_le")

    def has_add_permission(self, request):
        return False
