from django.contrib import admin

from .models import Demande, Demarche


@admin.register(Demarche)
class DemarcheAdmin(admin.ModelAdmin):
    list_display = ["libelle", "partenaire", "theme", "actif", "ordre"]
    list_filter = ["partenaire", "theme", "actif"]
    search_fields = ["libelle"]


@admin.register(Demande)
class DemandeAdmin(admin.ModelAdmin):
    list_display = ["jour", "structure", "partenaire", "theme", "niveau", "issue", "origine", "annulee_le"]
    list_filter = ["origine", "canal", "niveau", "issue"]
    raw_id_fields = ["structure", "agent", "commune", "demarche", "lot"]
    date_hierarchy = "jour"

    def has_change_permission(self, request, obj=None):
        return False  # les corrections passent par l'application (historique + agrégats)

    def has_delete_permission(self, request, obj=None):
        return False
