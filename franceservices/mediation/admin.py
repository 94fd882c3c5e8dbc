from django.contrib import admin

from .models import LieuMediation


@admin.register(LieuMediation)
class LieuMediationAdmin(admin.ModelAdmin):
    list_display = [
        "nom",
        "code_postal",
        "libelle_commune",
        "departement",
        "source",
        "date_maj",
        "identifiant",
    ]
    list_filter = ["departement", "source"]
    search_fields = ["nom", "identifiant", "code_postal", "libelle_commune"]
    raw_id_fields = ["commune"]
