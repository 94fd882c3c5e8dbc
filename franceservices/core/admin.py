from django.contrib import admin

from .models import EvenementAudit


@admin.register(EvenementAudit)
class EvenementAuditAdmin(admin.ModelAdmin):
    """Journal d'audit en lecture seule : ni ajout, ni modification, ni suppression (ajout seul, par le code)."""

    list_display = [
        "horodatage",
        "evenement",
        "acteur_email",
        "cible_type",
        "cible_id",
        "cible_libelle",
        "adresse_ip",
    ]
    list_filter = ["evenement", "cible_type"]
    search_fields = ["acteur_email", "cible_libelle", "cible_id"]
    date_hierarchy = "horodatage"
    list_select_related = False
    show_full_result_count = False
    readonly_fields = [f.name for f in EvenementAudit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
