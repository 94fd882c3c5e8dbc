"""Administration du catalogue (équipe nationale) : modules et sessions ; inscriptions en lecture seule
(elles passent par les pages, qui comptent les places sous verrou)."""

from django.contrib import admin

from .models import CourrielFormation, Inscription, Module, Session


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = [
        "titre",
        "categorie",
        "organisme",
        "format",
        "duree_heures",
        "compte_pour_label",
        "actif",
        "exemple",
    ]
    list_filter = ["categorie", "format", "actif", "exemple", "compte_pour_label"]
    search_fields = ["titre", "code", "organisme"]
    prepopulated_fields = {"code": ["titre"]}
    filter_horizontal = ["prerequis"]
    autocomplete_fields = ["partenaire", "ouvre_pilote"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["module", "debut", "fin", "departement", "capacite", "annulee_le"]
    list_filter = ["departement", "module__categorie"]
    search_fields = ["module__titre", "lieu"]
    date_hierarchy = "debut"
    raw_id_fields = ["commune", "formateur", "organisee_par"]
    list_select_related = ["module", "departement"]


@admin.register(Inscription)
class InscriptionAdmin(admin.ModelAdmin):
    list_display = ["agent", "session", "statut", "demandee_le", "presence", "reussie_le"]
    list_filter = ["statut", "presence"]
    search_fields = ["agent__email", "agent__last_name", "session__module__titre"]
    list_select_related = ["agent", "session__module"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CourrielFormation)
class CourrielFormationAdmin(admin.ModelAdmin):
    """Table d'envoi : lecture seule (les courriels en échec définitif se voient ici)."""

    list_display = ["cree_le", "sorte", "inscription", "etat", "tentatives", "envoye_le", "derniere_erreur"]
    list_filter = ["etat", "sorte"]
    readonly_fields = [f.name for f in CourrielFormation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
